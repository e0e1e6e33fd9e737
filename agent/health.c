/* Container health checks, as Docker runs them for ECS: the command runs
 * inside the container every `interval` seconds (the first one `interval`
 * after the start); a check that takes longer than `timeout` fails;
 * `retries` failures in a row make the container UNHEALTHY, one success
 * HEALTHY; failures during `startPeriod` do not count until the first
 * success. The task's health follows its essential containers (task.h). */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "agent_internal.h"
#include "clock.h"

static const struct td_health_check *check_of(const struct task *t, const struct task_container *c)
{
	const struct td_container *d = t->def ? taskdef_container(t->def->td, c->name) : NULL;
	return d ? d->health_check : NULL;
}

static void set_health(struct agent *a, struct task *t, struct task_container *c, enum health h)
{
	if (c->health == h)
		return;
	c->health = h;
	t->version++;
	agent_log("task %s container %s %s", t->id, c->name, task_health_name(h));
}

static void probe_due(struct agent *a, struct task *t, struct task_container *c,
		      const struct td_health_check *h, int64_t now)
{
	struct sk_err err = {0};

	if (worker_probe(a, t, c, &err) < 0) {
		agent_log("task %s container %s: health check: %s", t->id, c->name, err.msg);
		c->next_probe_ms = now + h->interval * 1000;
		return;
	}
	c->probe_deadline_ms = now + h->timeout * 1000;
}

void health_step(struct agent *a, struct task *t)
{
	int64_t now = sk_now_ms();

	for (int i = 0; i < t->n; i++) {
		struct task_container *c = &t->c[i];
		const struct td_health_check *h = check_of(t, c);
		if (!h || c->phase != PHASE_RUNNING)
			continue;
		if (c->health == HEALTH_NONE) {
			c->health = HEALTH_UNKNOWN;
			c->failures = 0;
			c->next_probe_ms = c->ran_ms + h->interval * 1000;
			t->version++;
		}
		if (c->probe > 0 && now >= c->probe_deadline_ms) {
			kill(-c->probe, SIGKILL); /* the result is a failure */
			c->probe_deadline_ms = INT64_MAX;
		} else if (c->probe <= 0 && now >= c->next_probe_ms)
			probe_due(a, t, c, h, now);
	}
}

void health_result(struct agent *a, struct task *t, struct task_container *c, int ok)
{
	const struct td_health_check *h = check_of(t, c);
	int64_t now = sk_now_ms();

	if (!h || c->phase != PHASE_RUNNING)
		return;
	c->next_probe_ms = now + h->interval * 1000;
	if (ok) {
		c->failures = 0;
		set_health(a, t, c, HEALTH_HEALTHY);
		return;
	}
	if (c->health != HEALTH_HEALTHY && now - c->ran_ms < h->start_period * 1000)
		return; /* still starting up */
	if (++c->failures >= h->retries)
		set_health(a, t, c, HEALTH_UNHEALTHY);
}
