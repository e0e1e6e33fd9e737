/* The task state machine. Each step looks at what is wanted (assigned,
 * desiredStatus RUNNING, not shutting down) and what is (the state, the
 * worker, the containers) and moves the task on:
 *
 *   PENDING  --wanted------------------> PULLING (worker pulls, creates, starts)
 *   PENDING  --not wanted--------------> STOPPED UserInitiated
 *   PULLING  --worker ok---------------> RUNNING
 *   PULLING  --worker failed-----------> STOPPED TaskFailedToStart
 *   PULLING  --not wanted--------------> worker killed, STOPPING
 *   RUNNING  --essential exited--------> STOPPING EssentialContainerExited | OutOfMemory
 *   RUNNING  --not wanted--------------> STOPPING UserInitiated
 *   STOPPING --all containers stopped--> STOPPED (containers removed)
 *   STOPPING --grace period over-------> SIGKILL
 *   STOPPED  --unassigned and reported-> forgotten
 *
 * Every transition is logged and reported at once; a report that cannot
 * be written (etcd away) is retried with the latest state. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "cleanup.h"

struct task *tasks_find(struct agent *a, const char *id)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++)
		if (a->tasks[i].used && !strcmp(a->tasks[i].id, id))
			return &a->tasks[i];
	return NULL;
}

struct task *tasks_add(struct agent *a, const char *id)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (t->used)
			continue;
		memset(t, 0, sizeof *t);
		t->used = 1;
		t->worker_fd = -1;
		snprintf(t->id, sizeof t->id, "%s", id);
		t->version = 1;
		return t;
	}
	agent_log("task %s: more than %d tasks on this node, ignored", id, AGENT_MAX_TASKS);
	return NULL;
}

static void forget(struct task *t)
{
	taskdef_free(t->def);
	memset(t, 0, sizeof *t);
	t->worker_fd = -1;
}

static int wanted(const struct agent *a, const struct task *t)
{
	return t->assigned && t->def && t->def->desired == DESIRED_RUNNING && !a->stopping;
}

static void transition(struct agent *a, struct task *t, enum task_state s, enum stop_reason r)
{
	t->state = s;
	if (r != REASON_NONE && t->reason == REASON_NONE)
		t->reason = r;
	t->version++;
	if (s == TASK_STOPPED) {
		int code = -1;
		for (int i = 0; i < t->n; i++)
			if (t->c[i].essential && t->c[i].has_exit) {
				code = t->c[i].exit_code;
				break;
			}
		agent_log("task %s STOPPED (%s, exit %d)", t->id, task_reason_name(t->reason),
			  code);
	} else if (s != TASK_STOPPING) {
		agent_log("task %s %s", t->id, task_state_name(s));
	} else {
		agent_log("task %s stopping (%s)", t->id, task_reason_name(t->reason));
	}
	tasks_report(a, t);
}

void tasks_report(struct agent *a, struct task *t)
{
	SK_AUTOFREE char *json = NULL;
	struct sk_err err = {0};
	char key[768];
	unsigned v = t->version;

	if (t->reported == v || !a->reachable || !a->registered)
		return;
	snprintf(key, sizeof key, "%sstatus/%s/%s", a->prefix, a->cfg->node_id, t->id);
	if (task_status_json(t, &json, &err) < 0 ||
	    etcd_put(a->kv, key, json, strlen(json), 0, NULL, NULL, &err) < 0) {
		agent_log("report task %s: %s", t->id, err.msg);
		return;
	}
	t->reported = v;
}

void tasks_report_all(struct agent *a, int force)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (!t->used)
			continue;
		if (force && t->reported == t->version)
			t->reported = t->version - 1;
		tasks_report(a, t);
	}
}

int tasks_all_stopped(const struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++)
		if (a->tasks[i].used && a->tasks[i].state != TASK_STOPPED)
			return 0;
	return 1;
}

void tasks_assign(struct agent *a, const char *id, const char *value)
{
	struct task *t = tasks_find(a, id);
	struct task_def *def = NULL;
	struct sk_err err = {0};

	if (taskdef_parse(value, id, &def, &err) < 0) {
		agent_log("%s", err.msg);
		if (!t && !(t = tasks_add(a, id)))
			return;
		t->assigned = 1;
		if (t->state == TASK_PENDING) {
			snprintf(t->detail, sizeof t->detail, "%.255s", err.msg);
			transition(a, t, TASK_STOPPED, REASON_FAILED_TO_START);
		}
		return;
	}
	int fresh = !t;
	if (!t && !(t = tasks_add(a, id))) {
		taskdef_free(def);
		return;
	}
	taskdef_free(t->def);
	t->def = def;
	t->assigned = 1;
	if (task_set_containers(t, a->cfg->stop_timeout_s, &err) < 0)
		agent_log("task %s: %s", id, err.msg);
	if (fresh && def->desired == DESIRED_RUNNING)
		transition(a, t, TASK_PENDING, REASON_NONE);
	tasks_step(a, t);
}

void tasks_unassign(struct agent *a, const char *id)
{
	struct task *t = tasks_find(a, id);

	if (!t)
		return;
	t->assigned = 0;
	tasks_step(a, t);
}

static void signal_all(struct agent *a, struct task *t, int sig)
{
	struct sk_err err = {0};

	for (int i = 0; i < t->n; i++)
		if (t->c[i].status == CONTAINER_RUNNING || t->c[i].status == CONTAINER_CREATED)
			if (driver_kill(a->drv, t->c[i].id, sig, &err) < 0)
				agent_log("task %s: %s", t->id, err.msg);
}

static void begin_stop(struct agent *a, struct task *t, enum stop_reason r)
{
	int grace = 0;

	for (int i = 0; i < t->n; i++)
		if (t->c[i].stop_timeout_s > grace)
			grace = t->c[i].stop_timeout_s;
	if (a->stopping && grace > a->cfg->stop_timeout_s)
		grace = a->cfg->stop_timeout_s;
	t->stop_deadline = agent_now_ms() + (int64_t)grace * 1000;
	t->termed = t->killed = 0;
	if (t->worker > 0)
		kill(t->worker, SIGKILL);
	transition(a, t, TASK_STOPPING, r);
}

/* Removes the containers once all have stopped; returns 1 when done. */
static int finish_stop(struct agent *a, struct task *t)
{
	struct sk_err err = {0};

	if (t->worker > 0)
		return 0;
	reconcile_poll(a, t);
	if (!t->termed) {
		signal_all(a, t, SIGTERM);
		t->termed = 1;
		reconcile_poll(a, t);
	}
	for (int i = 0; i < t->n; i++)
		if (t->c[i].status == CONTAINER_RUNNING || t->c[i].status == CONTAINER_CREATED)
			return 0;
	for (int i = 0; i < t->n; i++)
		if (driver_remove(a->drv, t->c[i].id, &err) < 0)
			agent_log("task %s: %s", t->id, err.msg);
	transition(a, t, TASK_STOPPED, REASON_USER);
	return 1;
}

static void step_running(struct agent *a, struct task *t)
{
	reconcile_poll(a, t);
	for (int i = 0; i < t->n; i++) {
		const struct task_container *c = &t->c[i];
		if (!c->essential ||
		    (c->status != CONTAINER_STOPPED && c->status != CONTAINER_ABSENT))
			continue;
		begin_stop(a, t, c->oom_killed ? REASON_OOM : REASON_ESSENTIAL_EXITED);
		return;
	}
	if (!wanted(a, t) && (a->synced || a->stopping))
		begin_stop(a, t, REASON_USER);
}

static void step_once(struct agent *a, struct task *t)
{
	struct sk_err err = {0};

	switch (t->state) {
	case TASK_PENDING:
		if (!wanted(a, t)) {
			transition(a, t, TASK_STOPPED, REASON_USER);
		} else if (worker_spawn(a, t, &err) < 0) {
			snprintf(t->detail, sizeof t->detail, "%.255s", err.msg);
			transition(a, t, TASK_STOPPED, REASON_FAILED_TO_START);
		} else {
			transition(a, t, TASK_PULLING, REASON_NONE);
		}
		break;
	case TASK_PULLING:
		if (!wanted(a, t))
			begin_stop(a, t, REASON_USER);
		break;
	case TASK_RUNNING:
		step_running(a, t);
		break;
	case TASK_STOPPING:
		if (finish_stop(a, t))
			break;
		if (!t->killed && agent_now_ms() >= t->stop_deadline) {
			agent_log("task %s: grace period over, SIGKILL", t->id);
			signal_all(a, t, SIGKILL);
			t->killed = 1;
		}
		break;
	case TASK_STOPPED:
		if (!t->assigned && a->synced && t->reported == t->version)
			forget(t);
		break;
	}
}

void tasks_step(struct agent *a, struct task *t)
{
	/* Each pass may move the task on; a few are enough for any chain. */
	for (int i = 0; i < 4 && t->used; i++) {
		enum task_state before = t->state;
		step_once(a, t);
		if (!t->used || t->state == before)
			break;
	}
}

void tasks_step_all(struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++)
		if (a->tasks[i].used)
			tasks_step(a, &a->tasks[i]);
}
