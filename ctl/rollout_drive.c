/* The scheduler leader's side of a rollout (rollout.h): in each pass, at
 * most one step of the document at rollout/current, written together with
 * what the step does (drain or undrain a node in nodemeta/, tell it the
 * image in updates/<node>) in one unit guarded by the document's revision,
 * so a cancel from skiffctl, or a new leader, never crosses a step. Every
 * fact the next step needs (since when a node is gone, whether it was
 * drained before) is in the document, not in this process. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollout.h"
#include "scheduler.h"

struct step {
	struct sched *s;
	struct cluster *c;
	struct rollout *r;
	time_t now;
	struct rollout_write *w;
};

static struct c_node *node_of(struct cluster *c, const char *name)
{
	struct sym *y = hmap_get(&c->node_syms, name);
	return y ? y->obj : NULL;
}

static void add_op(struct step *st, const char *fmt, const char *node, cJSON *value)
{
	struct unit *u = &st->w->u;
	char *k = st->w->keys[u->nop];
	snprintf(k, KEY_MAX, "%s", st->c->prefix);
	snprintf(k + strlen(k), KEY_MAX - strlen(k), fmt, node);
	u->op[u->nop++] =
	    (struct etcd_op){.type = ETCD_OP_PUT, .key = k, .value = cJSON_PrintUnformatted(value)};
	cJSON_Delete(value);
}

static void set_meta(struct step *st, const char *node, const char *status)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "status", status);
	add_op(st, "nodemeta/%s", node, j);
}

static void logf_step(struct step *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_step(struct step *st, const char *fmt, ...)
{
	char *log = st->w->u.log;
	size_t n = (size_t)snprintf(log, sizeof st->w->u.log, "rollout %s: ", st->r->id);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(log + n, sizeof st->w->u.log - n, fmt, ap);
	va_end(ap);
}

static void duration(char *buf, size_t size, long s)
{
	if (s >= 60)
		snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, size, "%lds", s);
}

/* The node leaves the rollout: it is undrained (unless someone drained it
 * before) and, when it failed, the rollout halts naming it. */
static void finish(struct step *st, struct ro_node *n, enum ro_node_state state, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
static void finish(struct step *st, struct ro_node *n, enum ro_node_state state, const char *fmt,
		   ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n->reason, sizeof n->reason, fmt, ap);
	va_end(ap);
	n->state = state;
	n->since = st->now;
	n->gone_at = 0;
	if (!n->was_draining)
		set_meta(st, n->name, "ACTIVE");
	logf_step(st, "node %s %s: %s", n->name, rollout_node_state_name(state), n->reason);
	if (state != RN_FAILED || st->r->state != RO_RUNNING)
		return;
	st->r->state = RO_HALTED;
	/* the node's reason is shortened if need be: the name must show */
	snprintf(st->r->reason, sizeof st->r->reason, "node %s: %.360s", n->name, n->reason);
}

/* Service tasks still held by the node: drained means none (standalone
 * tasks have nowhere to go; the node stops them before it reboots). */
static size_t service_tasks_on(struct cluster *c, const char *node)
{
	size_t n = 0;
	for (size_t i = 0; i < c->tasks.cap; i++) {
		const struct c_task *t = c->tasks.slots[i].val;
		if (c->tasks.slots[i].key && t->node && t->service &&
		    strcmp(t->node->name, node) == 0 && c_task_active(t))
			n++;
	}
	return n;
}

static int drained(struct step *st, struct ro_node *n)
{
	if (st->r->state != RO_RUNNING) {
		finish(st, n, RN_SKIPPED, "the rollout stopped before the node was told to update");
		return 1;
	}
	if (service_tasks_on(st->c, n->name) > 0)
		return 0;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "image", st->r->image);
	cJSON_AddStringToObject(j, "rollout", st->r->id);
	add_op(st, "updates/%s", n->name, j);
	n->state = RN_UPDATING;
	n->since = st->now;
	logf_step(st, "node %s drained, told to update to %s", n->name, st->r->image);
	return 1;
}

/* The node's record tells how its update went (os.update, written by its
 * agent, for this rollout only). */
static int outcome(struct step *st, struct ro_node *n, const struct c_node *cn)
{
	const cJSON *os = cn->os, *u = cJSON_GetObjectItemCaseSensitive(os, "update");
	const char *state = json_record_str(u, "state"), *target = json_record_str(u, "target");
	const char *version = json_record_str(os, "version"), *why = json_record_str(u, "reason");
	if (strcmp(json_record_str(u, "rollout"), st->r->id) != 0)
		return 0;
	if (strcmp(state, "done") == 0 && *target && strcmp(version, target) == 0) {
		finish(st, n, RN_DONE, "now on version %s", version);
		return 1;
	}
	if (strcmp(state, "failed") == 0) {
		finish(st, n, RN_FAILED,
		       "update to version %s failed: %s; it is back on version %s",
		       *target ? target : "?", *why ? why : "no reason given", version);
		return 1;
	}
	if (strcmp(state, "refused") == 0) {
		finish(st, n, RN_FAILED, "refused the update: %s; it stays on version %s",
		       *why ? why : "no reason given", version);
		return 1;
	}
	return 0;
}

static int updating(struct step *st, struct ro_node *n)
{
	const struct c_node *cn = node_of(st->c, n->name);
	char gone[32], at[32];
	if (!cn || !cn->rev) { /* rebooting, or lost */
		if (!n->gone_at) {
			n->gone_at = st->now;
			return 1;
		}
		if (st->now - n->gone_at < st->r->node_timeout_s)
			return 0;
		duration(gone, sizeof gone, (long)(st->now - n->gone_at));
		duration(at, sizeof at, st->r->node_timeout_s);
		finish(st, n, RN_FAILED, "gone for %s, longer than the rollout's node timeout (%s)",
		       gone, at);
		return 1;
	}
	int back = n->gone_at != 0;
	n->gone_at = 0;
	return outcome(st, n, cn) || back;
}

static int start_next(struct step *st)
{
	size_t busy = 0;
	struct ro_node *next = NULL;
	for (size_t i = 0; i < st->r->nnodes; i++) {
		busy += rollout_node_busy(&st->r->nodes[i]);
		if (!next && st->r->nodes[i].state == RN_PENDING)
			next = &st->r->nodes[i];
	}
	if (!next && !busy) {
		st->r->state = RO_DONE;
		snprintf(st->r->reason, sizeof st->r->reason, "%zu node%s updated to %.480s",
			 st->r->nnodes, st->r->nnodes == 1 ? "" : "s", st->r->image);
		logf_step(st, "done: %s", st->r->reason);
		return 1;
	}
	if (!next || busy >= (size_t)st->r->max_unavailable)
		return 0;
	const struct c_node *cn = node_of(st->c, next->name);
	next->was_draining = cn && cn->draining;
	next->state = RN_DRAINING;
	next->since = st->now;
	if (!next->was_draining)
		set_meta(st, next->name, "DRAINING");
	logf_step(st, "draining node %s", next->name);
	return 1;
}

/* One step: 1 when it changed the document (and maybe more). */
static int decide(struct step *st)
{
	for (size_t i = 0; i < st->r->nnodes; i++) {
		struct ro_node *n = &st->r->nodes[i];
		if ((n->state == RN_DRAINING && drained(st, n)) ||
		    (n->state == RN_UPDATING && updating(st, n)))
			return 1;
	}
	return st->r->state == RO_RUNNING && start_next(st);
}

int rollout_drive(struct sched *s, struct cluster *c, time_t now, struct rollout_write *w)
{
	struct rollout r;
	struct sk_err err = {0};
	static int64_t complained; /* the revision of a document we cannot read */
	memset(w, 0, sizeof *w);
	if (!c->rollout)
		return 0;
	if (rollout_from_json(c->rollout, &r, &err) < 0) {
		if (complained != c->rollout_rev)
			sched_log(s, "%s%s: %s", c->prefix, ROLLOUT_KEY, err.msg);
		complained = c->rollout_rev;
		return 0;
	}
	struct step st = {.s = s, .c = c, .r = &r, .now = now, .w = w};
	int changed = decide(&st);
	if (changed) {
		r.updated = now;
		cJSON *j = rollout_to_json(&r);
		snprintf(w->rollout_key, sizeof w->rollout_key, "%s%s", c->prefix, ROLLOUT_KEY);
		w->u.cmp[w->u.ncmp++] = (struct etcd_cmp){.key = w->rollout_key,
							  .target = ETCD_CMP_MOD,
							  .result = ETCD_CMP_EQUAL,
							  .number = c->rollout_rev};
		w->u.op[w->u.nop++] = (struct etcd_op){
		    .type = ETCD_OP_PUT, .key = w->rollout_key, .value = cJSON_PrintUnformatted(j)};
		cJSON_Delete(j);
	}
	rollout_free(&r);
	return changed;
}
