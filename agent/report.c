/* The status a node reports for each task. */
#include "task.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nodeinfo.h"

const char *task_state_name(enum task_state s)
{
	static const char *const names[] = {"PENDING", "PULLING", "RUNNING", "RUNNING", "STOPPED"};
	return names[s];
}

const char *task_reason_name(enum stop_reason r)
{
	static const char *const names[] = {"",
					    "EssentialContainerExited",
					    "OutOfMemory",
					    "TaskFailedToStart",
					    "UserInitiated",
					    "NodeLost"};
	return names[r];
}

static const char *container_status_name(const struct task *t, const struct task_container *c)
{
	if (c->status == CONTAINER_STOPPED || c->has_exit)
		return "STOPPED";
	if (c->status == CONTAINER_RUNNING)
		return "RUNNING";
	return t->state == TASK_STOPPED ? "STOPPED" : "PENDING";
}

static void add_containers(cJSON *o, const struct task *t)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "containers");

	for (int i = 0; i < t->n; i++) {
		const struct task_container *c = &t->c[i];
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", c->name);
		cJSON_AddStringToObject(e, "status", container_status_name(t, c));
		if (c->has_exit)
			cJSON_AddNumberToObject(e, "exitCode", c->exit_code);
		if (c->oom_killed)
			cJSON_AddStringToObject(e, "reason", "OutOfMemory");
		cJSON_AddItemToArray(arr, e);
	}
}

static void add_host_ports(cJSON *o, const struct task *t)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "hostPorts");

	if (!t->def || t->def->no_network)
		return;
	for (int i = 0; i < t->def->n_containers; i++) {
		const struct container_def *c = &t->def->containers[i];
		for (int j = 0; j < c->n_ports; j++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddNumberToObject(e, "containerPort", c->ports[j].container_port);
			cJSON_AddNumberToObject(e, "hostPort", c->ports[j].host_port);
			cJSON_AddItemToArray(arr, e);
		}
	}
}

int task_status_json(const struct task *t, char **out, struct sk_err *err)
{
	char now[40];
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return sk_fail(err, ENOMEM, "status of %s", t->id);
	nodeinfo_now_rfc3339(now, sizeof now);
	cJSON_AddStringToObject(o, "task", t->id);
	cJSON_AddStringToObject(o, "status", task_state_name(t->state));
	add_containers(o, t);
	if (t->state == TASK_STOPPED && t->reason != REASON_NONE)
		cJSON_AddStringToObject(o, "stoppedReason", task_reason_name(t->reason));
	if (t->detail[0])
		cJSON_AddStringToObject(o, "detail", t->detail);
	add_host_ports(o, t);
	cJSON_AddStringToObject(o, "updatedAt", now);
	*out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return *out ? 0 : sk_fail(err, ENOMEM, "status of %s", t->id);
}

/* Keeps what is known about containers already seen (adopted after a
 * restart) and takes essential and stop timeout from the definition. */
int task_set_containers(struct task *t, int default_stop_s, struct sk_err *err)
{
	struct task_container old[TASK_MAX_CONTAINERS];
	int n_old = t->n;

	memcpy(old, t->c, sizeof old);
	t->n = 0;
	for (int i = 0; i < t->def->n_containers; i++) {
		const struct container_def *d = &t->def->containers[i];
		struct task_container *c = &t->c[i];
		memset(c, 0, sizeof *c);
		for (int j = 0; j < n_old; j++)
			if (!strcmp(old[j].name, d->name))
				*c = old[j];
		snprintf(c->name, sizeof c->name, "%s", d->name);
		if (driver_container_id(t->id, d->name, c->id, sizeof c->id, err) < 0)
			return -1;
		c->essential = d->essential;
		c->stop_timeout_s = d->stop_timeout_s >= 0 ? d->stop_timeout_s : default_stop_s;
		t->n++;
	}
	return 0;
}
