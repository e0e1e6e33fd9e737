/* The task state machine, and the one place that changes a task's state:
 * workers (worker.c) and the runtime (containers_poll) only say what
 * happened. Each step looks at what is wanted (assigned, desiredStatus
 * RUNNING, not shutting down) and what is (the state, the workers, the
 * containers) and moves the task on:
 *
 *   PENDING    --wanted-----------------> PULLING (host ports chosen; a worker
 *                                          pulls and sets up what is shared)
 *   PENDING    --not wanted-------------> STOPPED UserInitiated
 *   PULLING    --worker ok--------------> ACTIVATING
 *   PULLING    --worker failed----------> STOPPED TaskFailedToStart (the worker
 *                                          removed what it had set up)
 *   ACTIVATING --all containers started-> RUNNING (containers.c: in dependency order)
 *   ACTIVATING --a container cannot-----> stopping TaskFailedToStart
 *   RUNNING    --essential exited-------> stopping EssentialContainerExited | OutOfMemory
 *                                          (unless its restartPolicy restarts it)
 *   any        --not wanted-------------> stopping UserInitiated
 *   stopping   --all containers stopped-> a stop worker deletes the containers,
 *                                          then what they shared
 *   stopping   --stop worker ended------> STOPPED
 *   STOPPED    --unassigned and reported-> forgotten
 *
 * Every transition is logged and reported at once; a report that cannot
 * be written (etcd away) is retried with the latest state. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "cleanup.h"
#include "clock.h"

struct task *tasks_find(struct agent *a, const char *id)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++)
		if (a->tasks[i].used && !strcmp(a->tasks[i].id, id))
			return &a->tasks[i];
	return NULL;
}

static void clear(struct task *t)
{
	memset(t, 0, sizeof *t);
	t->worker_fd = -1;
	for (int i = 0; i < TD_MAX_CONTAINERS; i++)
		t->c[i].worker_fd = -1;
}

struct task *tasks_add(struct agent *a, const char *id)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (t->used)
			continue;
		clear(t);
		t->used = 1;
		snprintf(t->id, sizeof t->id, "%s", id);
		t->version = 1;
		return t;
	}
	agent_log("task %s: more than %d tasks on this node, ignored", id, AGENT_MAX_TASKS);
	return NULL;
}

static void forget(struct task *t)
{
	assign_free(t->def);
	free(t->ports);
	clear(t);
}

static int wanted(const struct agent *a, const struct task *t)
{
	return t->assigned && t->def && t->def->desired == DESIRED_RUNNING && !a->stopping;
}

static int exit_code_of(const struct task *t)
{
	for (int i = 0; i < t->n; i++)
		if (t->c[i].essential && t->c[i].has_exit)
			return t->c[i].exit_code;
	return -1;
}

void tasks_transition(struct agent *a, struct task *t, enum task_state s, enum stop_reason r)
{
	t->state = s;
	if (r != REASON_NONE && t->reason == REASON_NONE)
		t->reason = r;
	t->version++;
	if (s == TASK_STOPPED)
		agent_log("task %s STOPPED (%s, exit %d)", t->id, task_reason_name(t->reason),
			  exit_code_of(t));
	else if (s == TASK_STOPPING)
		agent_log("task %s stopping (%s)", t->id, task_reason_name(t->reason));
	else
		agent_log("task %s %s", t->id, task_state_name(s));
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

static int64_t container_due(const struct task *t, const struct task_container *c)
{
	if (t->state == TASK_STOPPING)
		return c->termed && !c->killed ? c->kill_at_ms : INT64_MAX;
	if (t->state != TASK_ACTIVATING && t->state != TASK_RUNNING)
		return INT64_MAX;
	if (c->probe > 0)
		return c->probe_deadline_ms;
	if (c->phase == PHASE_RUNNING && c->health != HEALTH_NONE)
		return c->next_probe_ms;
	return INT64_MAX;
}

int64_t tasks_next_due(const struct agent *a)
{
	int64_t due = INT64_MAX;

	for (int i = 0; i < AGENT_MAX_TASKS; i++)
		for (int k = 0; a->tasks[i].used && k < a->tasks[i].n; k++) {
			int64_t d = container_due(&a->tasks[i], &a->tasks[i].c[k]);
			due = d < due ? d : due;
		}
	return due;
}

int tasks_all_stopped(const struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++)
		if (a->tasks[i].used && a->tasks[i].state != TASK_STOPPED)
			return 0;
	return 1;
}

/* A restarted agent adopted this task's containers: what the task shared
 * and its host ports are read back from its directory. */
static void restore(struct agent *a, struct task *t)
{
	struct task_shared sh;

	for (int i = 0; i < t->n; i++) /* not started before the restart */
		if (t->c[i].phase == PHASE_WAITING && !t->c[i].since_ms)
			t->c[i].since_ms = sk_now_ms();
	if (t->state != TASK_RUNNING || t->n_ports || t->address[0])
		return;
	ports_load(a, t);
	if (driver_shared_load(a->drv, t->id, &sh) == 0) {
		snprintf(t->address, sizeof t->address, "%s", sh.address);
		t->pause = sh.pause;
	}
}

static void fail_assignment(struct agent *a, struct task *t, const char *msg)
{
	t->assigned = 1;
	if (t->state != TASK_PENDING)
		return;
	snprintf(t->detail, sizeof t->detail, "%.255s", msg);
	tasks_transition(a, t, TASK_STOPPED, REASON_FAILED_TO_START);
}

void tasks_assign(struct agent *a, const char *id, const char *value)
{
	struct task *t = tasks_find(a, id);
	struct assignment *def = NULL;
	struct sk_err err = {0};
	int fresh = !t;

	if (assign_parse(value, id, &def, &err) < 0) {
		agent_log("%s", err.msg);
		if (t || (t = tasks_add(a, id)))
			fail_assignment(a, t, err.msg);
		return;
	}
	if (!t && !(t = tasks_add(a, id))) {
		assign_free(def);
		return;
	}
	assign_free(t->def);
	t->def = def;
	t->assigned = 1;
	if (task_set_containers(t, a->cfg->stop_timeout_s, &err) < 0)
		agent_log("task %s: %s", id, err.msg);
	restore(a, t);
	if (fresh && def->desired == DESIRED_RUNNING)
		tasks_transition(a, t, TASK_PENDING, REASON_NONE);
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

static void kill_children(struct task *t)
{
	if (t->worker > 0)
		kill(t->worker, SIGKILL);
	for (int i = 0; i < t->n; i++) {
		if (t->c[i].worker > 0)
			kill(t->c[i].worker, SIGKILL);
		if (t->c[i].probe > 0)
			kill(-t->c[i].probe, SIGKILL);
	}
}

void tasks_begin_stop(struct agent *a, struct task *t, enum stop_reason r)
{
	kill_children(t);
	for (int i = 0; i < t->n; i++)
		t->c[i].termed = t->c[i].killed = 0;
	tasks_transition(a, t, TASK_STOPPING, r);
}

static void stopped(struct agent *a, struct task *t)
{
	free(t->ports);
	t->ports = NULL;
	t->n_ports = 0;
	tasks_transition(a, t, TASK_STOPPED, REASON_USER);
}

/* Everything of the task goes once its containers have stopped, in a
 * worker: deleting a container blocks (see worker.c). */
static void finish_stop(struct agent *a, struct task *t)
{
	struct sk_err err = {0};

	if (worker_stop(a, t, &err) == 0)
		return;
	agent_log("task %s: %s; removing it in the loop", t->id, err.msg);
	worker_remove_task(a, t);
	stopped(a, t);
}

/* Containers that ended: restarted by their policy, or (essential) the
 * end of the task. */
static int check_exits(struct agent *a, struct task *t)
{
	for (int i = 0; i < t->n; i++) {
		struct task_container *c = &t->c[i];
		if (c->phase != PHASE_RUNNING || !c->has_exit)
			continue;
		c->phase = PHASE_EXITED;
		c->since_ms = sk_now_ms();
		t->version++;
		if (wanted(a, t) && containers_restart(a, t, c))
			continue;
		if (c->essential) {
			tasks_begin_stop(a, t,
					 c->oom_killed ? REASON_OOM : REASON_ESSENTIAL_EXITED);
			return 1;
		}
	}
	return 0;
}

static void step_active(struct agent *a, struct task *t)
{
	int r;

	if (!wanted(a, t) && (a->synced || a->stopping)) {
		tasks_begin_stop(a, t, REASON_USER);
		return;
	}
	containers_poll(a, t);
	if (check_exits(a, t))
		return;
	health_step(a, t);
	tasks_report(a, t);
	if (!wanted(a, t))
		return;
	if ((r = containers_start_ready(a, t)) < 0)
		tasks_begin_stop(a, t, REASON_FAILED_TO_START);
	else if (r == 1 && t->state == TASK_ACTIVATING)
		tasks_transition(a, t, TASK_RUNNING, REASON_NONE);
}

static void step_pending(struct agent *a, struct task *t)
{
	struct sk_err err = {0};

	if (!wanted(a, t)) {
		tasks_transition(a, t, TASK_STOPPED, REASON_USER);
	} else if (ports_allocate(a, t, &err) < 0 || worker_prepare(a, t, &err) < 0) {
		snprintf(t->detail, sizeof t->detail, "%.255s", err.msg);
		agent_log("task %s: %s", t->id, err.msg);
		tasks_transition(a, t, TASK_STOPPED, REASON_FAILED_TO_START);
	} else {
		tasks_transition(a, t, TASK_PULLING, REASON_NONE);
	}
}

static void step_once(struct agent *a, struct task *t)
{
	switch (t->state) {
	case TASK_PENDING:
		step_pending(a, t);
		break;
	case TASK_PULLING:
		if (!wanted(a, t))
			tasks_begin_stop(a, t, REASON_USER);
		break;
	case TASK_ACTIVATING:
	case TASK_RUNNING:
		step_active(a, t);
		break;
	case TASK_STOPPING:
		if (containers_stop_step(a, t))
			finish_stop(a, t);
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

/* The prepare worker ended: what the task shares is known (or, after a
 * failure, gone again). */
static void prepared(struct agent *a, struct task *t, const struct worker_outcome *o)
{
	struct task_shared sh;

	if (driver_shared_load(a->drv, t->id, &sh) == 0) {
		snprintf(t->address, sizeof t->address, "%s", sh.address);
		t->pause = sh.pause;
	}
	if (t->state != TASK_PULLING)
		return;
	if (!o->ok) {
		snprintf(t->detail, sizeof t->detail, "%.255s", o->msg);
		agent_log("task %s: %s", t->id, t->detail);
		tasks_transition(a, t, TASK_STOPPED, REASON_FAILED_TO_START);
		return;
	}
	containers_reset(t);
	tasks_transition(a, t, TASK_ACTIVATING, REASON_NONE);
}

void tasks_worker_done(struct agent *a, const struct worker_outcome *o)
{
	struct task *t = o->t;

	switch (o->kind) {
	case WORKER_PREPARE:
		prepared(a, t, o);
		break;
	case WORKER_START:
		if (containers_started(a, t, o->c, o->ok, o->msg) < 0 &&
		    (t->state == TASK_ACTIVATING || t->state == TASK_RUNNING)) {
			snprintf(t->detail, sizeof t->detail, "%.255s", o->msg);
			tasks_begin_stop(a, t, REASON_FAILED_TO_START);
		}
		break;
	case WORKER_PROBE:
		health_result(a, t, o->c, o->ok);
		tasks_report(a, t);
		break;
	case WORKER_STOP:
		if (t->state == TASK_STOPPING)
			stopped(a, t);
		break;
	}
	tasks_step(a, t);
}

/* A container a previous agent left: its task, RUNNING as far as this
 * agent knows until containers_poll says otherwise. Not reported: what
 * etcd holds is the previous agent's report. */
struct task *tasks_adopt(struct agent *a, const char *id)
{
	struct task *t = tasks_find(a, id);

	if (t || !(t = tasks_add(a, id)))
		return t;
	t->state = TASK_RUNNING;
	return t;
}
