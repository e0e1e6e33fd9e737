/* The containers of a task: started in dependency order (dependsOn with
 * START, COMPLETE, SUCCESS or HEALTHY, and links and volumesFrom, which
 * wait for START as in ECS), each waiting at most its dependency's
 * startTimeout; restarted in place by a restartPolicy; stopped in the
 * reverse order, each with its own stopTimeout between SIGTERM and
 * SIGKILL. What the agent believes of each is checked against the
 * runtime's state directory (containers_poll: every reconcile period and
 * on SIGCHLD). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "agent_internal.h"
#include "clock.h"

#define RESTART_PERIOD_S    300 /* ECS's default restartAttemptPeriod */
#define UNRECORDED_GRACE_MS 5000

/* Whether container K meets COND for a dependent: 1 yes, 0 not yet, -1
 * never (it ended without meeting it). */
static int met(const struct task_container *k, enum td_condition cond)
{
	int ended = k->phase == PHASE_EXITED || k->phase == PHASE_SKIPPED;

	switch (cond) {
	case TD_DEP_START:
		return k->phase == PHASE_RUNNING || k->phase == PHASE_EXITED ? 1
		       : k->phase == PHASE_SKIPPED			     ? -1
									     : 0;
	case TD_DEP_COMPLETE:
		return k->phase == PHASE_EXITED ? 1 : k->phase == PHASE_SKIPPED ? -1 : 0;
	case TD_DEP_SUCCESS:
		return k->phase == PHASE_EXITED ? (k->exit_code == 0 ? 1 : -1) : ended ? -1 : 0;
	case TD_DEP_HEALTHY:
		return k->health == HEALTH_HEALTHY		? 1
		       : ended || k->health == HEALTH_UNHEALTHY ? -1
								: 0;
	}
	return -1;
}

/* One dependency of container I on K: 1 met, 0 wait, -1 never (why says). */
static int dependency(struct task *t, int i, int k, enum td_condition cond, char *why, size_t size)
{
	const struct td_container *kd = &t->def->td->containers[k];
	int64_t limit = kd->start_timeout != TD_UNSET ? kd->start_timeout : TD_DEFAULT_START_S;
	int r = met(&t->c[k], cond);

	if (r < 0)
		snprintf(why, size, "dependency %.100s can no longer be %s", kd->name,
			 td_condition_names[cond]);
	if (r == 0 && sk_now_ms() - t->c[i].since_ms > limit * 1000) {
		snprintf(why, size, "dependency %.100s was not %s within its startTimeout (%llds)",
			 kd->name, td_condition_names[cond], (long long)limit);
		r = -1;
	}
	return r;
}

/* All dependencies of container I: 1 met, 0 wait, -1 never. */
static int ready(struct task *t, int i, char *why, size_t size)
{
	const struct taskdef *td = t->def->td;
	const struct td_container *c = &td->containers[i];
	int worst = 1, r;

	for (size_t j = 0; j < c->n_depends_on; j++) {
		int k = taskdef_index(td, c->depends_on[j].container_name);
		if (k >= 0 &&
		    (r = dependency(t, i, k, c->depends_on[j].condition, why, size)) < worst)
			worst = r;
	}
	for (size_t k = 0; k < td->n_containers; k++) /* links, volumesFrom: START */
		if ((int)k != i && taskdef_waits_for(td, (size_t)i, k) &&
		    (r = dependency(t, i, (int)k, TD_DEP_START, why, size)) < worst)
			worst = r;
	return worst;
}

static int start_one(struct agent *a, struct task *t, struct task_container *c)
{
	struct sk_err err = {0};

	if (worker_start(a, t, c, &err) < 0) {
		snprintf(t->detail, sizeof t->detail, "container %.64s: %.170s", c->name, err.msg);
		return -1;
	}
	c->phase = PHASE_STARTING;
	c->since_ms = sk_now_ms();
	return 0;
}

int containers_start_ready(struct agent *a, struct task *t)
{
	int pending = 0;

	if (!t->def)
		return 0;
	for (int i = 0; i < t->n; i++) {
		struct task_container *c = &t->c[i];
		int r;
		if (c->phase == PHASE_STARTING)
			pending++;
		if (c->phase != PHASE_WAITING)
			continue;
		if ((r = ready(t, i, c->why, sizeof c->why)) > 0) {
			if (start_one(a, t, c) < 0)
				return -1;
			pending++;
		} else if (r < 0) {
			c->phase = PHASE_SKIPPED;
			t->version++;
			agent_log("task %s container %s not started: %s", t->id, c->name, c->why);
			if (c->essential) {
				snprintf(t->detail, sizeof t->detail, "container %.64s: %.170s",
					 c->name, c->why);
				return -1;
			}
		} else {
			pending++;
		}
	}
	return pending ? 0 : 1;
}

int containers_restart(struct agent *a, struct task *t, struct task_container *c)
{
	const struct td_container *d = t->def ? taskdef_container(t->def->td, c->name) : NULL;
	const struct td_restart_policy *rp = d ? d->restart_policy : NULL;
	int64_t period;

	if (!rp || rp->enabled != 1)
		return 0;
	for (size_t i = 0; i < rp->n_ignored_exit_codes; i++)
		if (rp->ignored_exit_codes[i] == c->exit_code)
			return 0;
	period =
	    rp->restart_attempt_period != TD_UNSET ? rp->restart_attempt_period : RESTART_PERIOD_S;
	if (sk_now_ms() - c->ran_ms < period * 1000)
		return 0;
	agent_log("task %s container %s exited %d: restarting (restartPolicy)", t->id, c->name,
		  c->exit_code);
	c->has_exit = c->oom_killed = 0;
	c->unrecorded_ms = 0;
	c->health = HEALTH_NONE;
	c->failures = 0;
	c->restarts++;
	return start_one(a, t, c) == 0;
}

int containers_busy(const struct task *t)
{
	if (t->worker > 0)
		return 1;
	for (int i = 0; i < t->n; i++)
		if (t->c[i].worker > 0 || t->c[i].probe > 0)
			return 1;
	return 0;
}

static int live(const struct task_container *c)
{
	return c->status == CONTAINER_RUNNING || c->status == CONTAINER_CREATED;
}

/* Container I may get SIGTERM once no live container waits for it. */
static int dependents_gone(const struct task *t, int i)
{
	if (!t->def)
		return 1;
	for (int j = 0; j < t->n; j++)
		if (j != i && live(&t->c[j]) && !t->c[j].killed &&
		    taskdef_waits_for(t->def->td, (size_t)j, (size_t)i))
			return 0;
	return 1;
}

static void signal_container(struct agent *a, struct task *t, struct task_container *c, int sig)
{
	struct sk_err err = {0};

	if (driver_kill(a->drv, c->id, sig, &err) < 0)
		agent_log("task %s: %s", t->id, err.msg);
}

int containers_stop_step(struct agent *a, struct task *t)
{
	int64_t now = sk_now_ms();
	int alive = 0;

	if (containers_busy(t))
		return 0;
	containers_poll(a, t);
	for (int i = 0; i < t->n; i++) {
		struct task_container *c = &t->c[i];
		int grace = c->stop_timeout_s;
		if (!live(c))
			continue;
		alive++;
		if (a->stopping && grace > a->cfg->stop_timeout_s)
			grace = a->cfg->stop_timeout_s;
		if (!c->termed && dependents_gone(t, i)) {
			signal_container(a, t, c, SIGTERM);
			c->termed = 1;
			c->kill_at_ms = now + (int64_t)grace * 1000;
		} else if (c->termed && !c->killed && now >= c->kill_at_ms) {
			agent_log("task %s container %s: grace period over, SIGKILL", t->id,
				  c->name);
			signal_container(a, t, c, SIGKILL);
			c->killed = 1;
		}
	}
	if (alive)
		containers_poll(a, t);
	for (int i = 0; i < t->n; i++)
		if (live(&t->c[i]))
			return 0;
	return 1;
}

void containers_poll(struct agent *a, struct task *t)
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

void containers_reset(struct task *t)
{
	for (int i = 0; i < t->n; i++) {
		t->c[i].phase = PHASE_WAITING;
		t->c[i].since_ms = sk_now_ms();
	}
}

int containers_started(struct agent *a, struct task *t, struct task_container *c, int ok,
		       const char *msg)
{
	c->since_ms = c->ran_ms = sk_now_ms();
	t->version++;
	if (!ok) {
		c->phase = PHASE_EXITED;
		c->has_exit = 0;
		agent_log("task %s: %s", t->id, msg);
		return -1;
	}
	snprintf(c->address, sizeof c->address, "%.47s", t->address[0] ? t->address : msg);
	c->phase = PHASE_RUNNING;
	c->status = CONTAINER_RUNNING;
	agent_log("task %s container %s started%s%s", t->id, c->name, c->address[0] ? " at " : "",
		  c->address);
	return 0;
}
