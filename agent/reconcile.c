/* After a restart, the containers a previous agent left are adopted as
 * tasks, so that nothing is started twice or lost; their states are then
 * read back from the runtime (containers_poll) like any other's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "clock.h"

int reconcile_adopt(struct agent *a, struct sk_err *err)
{
	struct driver_container *list = NULL;
	size_t n = 0;

	if (driver_list(a->drv, &list, &n, err) < 0)
		return sk_wrap(err, "list containers");
	for (size_t i = 0; i < n; i++) {
		struct task *t = tasks_adopt(a, list[i].task);
		struct task_container *c;
		if (!t || t->n == TD_MAX_CONTAINERS)
			continue;
		c = &t->c[t->n++];
		memset(c, 0, sizeof *c);
		c->worker_fd = -1;
		snprintf(c->name, sizeof c->name, "%s", list[i].name);
		snprintf(c->id, sizeof c->id, "%s", list[i].id);
		c->essential = 1;
		c->stop_timeout_s = a->cfg->stop_timeout_s;
		c->status = CONTAINER_RUNNING;
		c->phase = PHASE_RUNNING;
		c->since_ms = c->ran_ms = sk_now_ms();
	}
	free(list);
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (!t->used)
			continue;
		containers_poll(a, t);
		agent_log("task %s adopted (%d containers)", t->id, t->n);
	}
	return 0;
}
