/* The node's tasks as the agent last reported them, written to
 * <run>/agent/tasks.json whenever a task changed, for the node API's live
 * view (which runs in other processes); and the log shipper, started once
 * a task's container logs to syslog. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "agent_internal.h"
#include "mkdir_p.h"
#include "runtime/util.h"

static unsigned tasks_sum(const struct agent *a)
{
	unsigned h = 2166136261u;

	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		h = (h ^ (unsigned)(a->tasks[i].used ? a->tasks[i].version : 0)) * 16777619u;
		h = (h ^ (unsigned)i) * 16777619u;
	}
	return h;
}

static int ships_logs(const struct task *t)
{
	const struct taskdef *td = t->def ? t->def->td : NULL;

	for (size_t i = 0; td && i < td->n_containers; i++) {
		const struct td_log_configuration *lc = td->containers[i].log_configuration;
		if (lc && lc->log_driver == TD_LOG_SYSLOG)
			return 1;
	}
	return 0;
}

static void write_snapshot(struct agent *a)
{
	char dir[300], path[320];
	struct sk_err err = {0};
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		char *json = NULL;
		if (!a->tasks[i].used || task_status_json(&a->tasks[i], &json, &err) < 0)
			continue;
		cJSON_AddItemToArray(arr, cJSON_Parse(json));
		free(json);
	}
	char *text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	snprintf(dir, sizeof dir, "%s/agent", a->cfg->run_dir);
	snprintf(path, sizeof path, "%s/tasks.json", dir);
	if (!text || sk_mkdir_p(dir, 0755, &err) < 0 ||
	    sk_write_atomic(path, text, strlen(text), &err) < 0)
		agent_log("task snapshot: %s", text ? err.msg : "out of memory");
	free(text);
}

void snapshot_update(struct agent *a)
{
	unsigned sum = tasks_sum(a);

	if (sum == a->snapshot_sum)
		return;
	a->snapshot_sum = sum;
	write_snapshot(a);
	for (int i = 0; i < AGENT_MAX_TASKS; i++)
		if (a->tasks[i].used && ships_logs(&a->tasks[i])) {
			helpers_want_logship(a);
			break;
		}
}
