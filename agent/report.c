/* The status a node reports for each task (docs/cluster.md): its state,
 * each container's state, exit code, health, address and host ports, the
 * task's health and, in awsvpc mode, its address. */
#include "task.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nodeinfo.h"
#include "clock.h"

const char *task_state_name(enum task_state s)
{
	static const char *const names[] = {"PENDING", "PULLING", "ACTIVATING",
					    "RUNNING", "RUNNING", "STOPPED"};
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

const char *task_health_name(enum health h)
{
	static const char *const names[] = {"UNKNOWN", "UNKNOWN", "HEALTHY", "UNHEALTHY"};
	return names[h];
}

enum health task_health(const struct task *t)
{
	int checked = 0, healthy = 0;

	for (int i = 0; i < t->n; i++) {
		const struct task_container *c = &t->c[i];
		if (!c->essential || c->health == HEALTH_NONE)
			continue;
		if (c->health == HEALTH_UNHEALTHY)
			return HEALTH_UNHEALTHY;
		checked++;
		healthy += c->health == HEALTH_HEALTHY;
	}
	return checked && healthy == checked ? HEALTH_HEALTHY : HEALTH_UNKNOWN;
}

static const char *container_status_name(const struct task *t, const struct task_container *c)
{
	if (c->status == CONTAINER_STOPPED || c->has_exit || c->phase == PHASE_EXITED ||
	    c->phase == PHASE_SKIPPED)
		return "STOPPED";
	if (c->status == CONTAINER_RUNNING)
		return "RUNNING";
	return t->state == TASK_STOPPED ? "STOPPED" : "PENDING";
}

/* As DescribeTasks' networkBindings. */
static void add_bindings(cJSON *e, const struct task *t, int index)
{
	cJSON *arr = NULL;

	for (size_t i = 0; i < t->n_ports; i++) {
		const struct port_binding *b = &t->ports[i];
		cJSON *o;
		if (b->container != index)
			continue;
		if (!arr)
			arr = cJSON_AddArrayToObject(e, "networkBindings");
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "bindIP", "0.0.0.0");
		cJSON_AddNumberToObject(o, "containerPort", b->container_port);
		cJSON_AddNumberToObject(o, "hostPort", b->host_port);
		cJSON_AddStringToObject(o, "protocol", b->proto == 1 ? "udp" : "tcp");
		cJSON_AddItemToArray(arr, o);
	}
}

static void add_container(cJSON *arr, const struct task *t, int i)
{
	const struct task_container *c = &t->c[i];
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "name", c->name);
	cJSON_AddStringToObject(e, "status", container_status_name(t, c));
	if (c->has_exit)
		cJSON_AddNumberToObject(e, "exitCode", c->exit_code);
	if (c->oom_killed)
		cJSON_AddStringToObject(e, "reason", "OutOfMemory");
	else if (c->phase == PHASE_SKIPPED && c->why[0])
		cJSON_AddStringToObject(e, "reason", c->why);
	if (c->health != HEALTH_NONE)
		cJSON_AddStringToObject(e, "healthStatus", task_health_name(c->health));
	if (c->address[0]) {
		cJSON *ni = cJSON_CreateObject();
		cJSON_AddStringToObject(ni, "privateIpv4Address", c->address);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "networkInterfaces"), ni);
	}
	if (c->restarts)
		cJSON_AddNumberToObject(e, "restartCount", c->restarts);
	add_bindings(e, t, i);
	cJSON_AddItemToArray(arr, e);
}

/* Every binding of the task, flat (the older field, kept for scripts). */
static void add_host_ports(cJSON *o, const struct task *t)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "hostPorts");

	for (size_t i = 0; i < t->n_ports; i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "containerPort", t->ports[i].container_port);
		cJSON_AddNumberToObject(e, "hostPort", t->ports[i].host_port);
		cJSON_AddItemToArray(arr, e);
	}
}

int task_status_json(const struct task *t, char **out, struct sk_err *err)
{
	char now[40];
	cJSON *o = cJSON_CreateObject(), *arr;

	if (!o)
		return sk_fail(err, ENOMEM, "status of %s", t->id);
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON_AddStringToObject(o, "task", t->id);
	cJSON_AddStringToObject(o, "status", task_state_name(t->state));
	arr = cJSON_AddArrayToObject(o, "containers");
	for (int i = 0; i < t->n; i++)
		add_container(arr, t, i);
	cJSON_AddStringToObject(o, "healthStatus", task_health_name(task_health(t)));
	if (t->state == TASK_STOPPED && t->reason != REASON_NONE)
		cJSON_AddStringToObject(o, "stoppedReason", task_reason_name(t->reason));
	if (t->detail[0])
		cJSON_AddStringToObject(o, "detail", t->detail);
	if (t->address[0])
		cJSON_AddStringToObject(o, "privateIpv4Address", t->address);
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
	static struct task_container old[TD_MAX_CONTAINERS];
	const struct taskdef *td = t->def->td;
	int n_old = t->n;

	memcpy(old, t->c, sizeof old);
	t->n = 0;
	for (size_t i = 0; i < td->n_containers && i < TD_MAX_CONTAINERS; i++) {
		const struct td_container *d = &td->containers[i];
		struct task_container *c = &t->c[i];
		memset(c, 0, sizeof *c);
		c->worker_fd = -1;
		for (int j = 0; j < n_old; j++)
			if (!strcmp(old[j].name, d->name))
				*c = old[j];
		snprintf(c->name, sizeof c->name, "%s", d->name);
		driver_container_id(t->id, d->name, c->id);
		c->essential = taskdef_essential(d);
		c->stop_timeout_s =
		    d->stop_timeout != TD_UNSET ? (int)d->stop_timeout : default_stop_s;
		t->n++;
	}
	return 0;
}
