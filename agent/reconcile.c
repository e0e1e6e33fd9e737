/* What runs versus what the agent believes: container states are read
 * back from the runtime's state directory (polled every reconcile period
 * and on SIGCHLD), and after a restart the containers a previous agent
 * left are adopted as tasks, so nothing is started twice or lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "clock.h"

#define UNRECORDED_GRACE_MS 5000

void reconcile_poll(struct agent *a, struct task *t)
{
	struct sk_err err = {0};

	for (int i = 0; i < t->n; i++) {
		struct task_container *c = &t->c[i];
		struct container_state st;
		/* Not created yet, or being created by its start worker. */
		if (c->has_exit || c->phase == PHASE_WAITING || c->phase == PHASE_STARTING ||
		    c->phase == PHASE_SKIPPED)
			continue;
		if (driver_state(a->drv, c->id, &st, &err) < 0) {
			agent_log("task %s: %s", t->id, err.msg);
			continue;
		}
		if (st.status == CONTAINER_ABSENT && c->phase != PHASE_RUNNING)
			continue;
		/* Its monitor writes how it ended a moment after it ended (and its
		 * own exit wakes us again); only a monitor gone for good leaves no
		 * record, and then the exit is taken as a kill. */
		if (st.status == CONTAINER_STOPPED && !st.exit_known) {
			int64_t now = sk_now_ms();
			if (!c->unrecorded_ms)
				c->unrecorded_ms = now;
			if (now - c->unrecorded_ms < UNRECORDED_GRACE_MS)
				continue;
		}
		if (c->status != st.status)
			t->version++;
		c->status = st.status;
		if (st.status == CONTAINER_STOPPED || st.status == CONTAINER_ABSENT) {
			c->has_exit = 1;
			c->exit_code = st.status == CONTAINER_ABSENT ? 137 : st.exit_code;
			c->oom_killed = st.oom_killed;
			c->status = CONTAINER_STOPPED;
			agent_log("task %s container %s exited %d%s", t->id, c->name, c->exit_code,
				  c->oom_killed ? " (out of memory)" : "");
		}
	}
}

static struct task *adopted_task(struct agent *a, const char *id)
{
	struct task *t = tasks_find(a, id);

	if (t || !(t = tasks_add(a, id)))
		return t;
	t->state = TASK_RUNNING;
	return t;
}

int reconcile_adopt(struct agent *a, struct sk_err *err)
{
	struct driver_container *list = NULL;
	size_t n = 0;

	if (driver_list(a->drv, &list, &n, err) < 0)
		return sk_wrap(err, "list containers");
	for (size_t i = 0; i < n; i++) {
		struct task *t = adopted_task(a, list[i].task);
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
		reconcile_poll(a, t);
		agent_log("task %s adopted (%d containers)", t->id, t->n);
	}
	return 0;
}
