/* One pass of the leader over the cluster's picture: clean up, replace
 * lost and stopped tasks, keep services at their desired count (with
 * backoff for crash loops, replacement before removal when draining or
 * deploying), and place pending tasks. Every change is a unit of guarded
 * writes handed to the batcher (batch.c), which sends them in fenced
 * transactions while the pass goes on. A pass writes each task at most
 * once and makes at most pass_max changes; the next one starts when the
 * picture shows every write of this one, so no decision is taken twice.
 * New tasks of a service are placed as they are created, in one write. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "placement.h"
#include "scheduler.h"
#include "taskdef.h"
#include "tasks.h"
#include "clock.h"

#define BACKOFF_BASE_MS	 1000
#define BACKOFF_MAX_MS	 60000
#define HEALTHY_RESET_MS 30000
#define PLACEMENT_LOG_MS 10000

struct svc_rules {
	struct strategy strats[PLACEMENT_MAX];
	struct constraint cons[PLACEMENT_MAX];
	size_t ns, nc;
	int distinct; /* has distinctInstance */
};

struct pass {
	struct sched *s;
	struct cluster *c;
	unsigned stamp;
	size_t budget; /* changes left */
	int stop;      /* the fence was lost or the budget is spent */
	time_t now;
	/* placement */
	struct place_node *pn;
	struct c_node **pnode;
	size_t npn;
	struct place_index *index;
	struct c_service *group; /* whose tasks pn[].ngroup counts */
	/* this pass's placements, to count them for distinctInstance */
	struct placed {
		struct sym *service;
		int cand;
	} * placed;
	size_t nplaced, placed_cap;
};

/* ---- backoff of crash loops ---- */

static struct svc_backoff *backoff_of(struct sched *s, const char *name)
{
	struct svc_backoff *b = hmap_get(&s->backoff, name);
	if (b)
		return b;
	if (!(b = calloc(1, sizeof *b)) || !(b->name = strdup(name)) ||
	    hmap_put(&s->backoff, b->name, b) < 0) {
		if (b)
			free(b->name);
		free(b);
		return NULL;
	}
	return b;
}

static void note_failure(struct sched *s, const char *service)
{
	struct svc_backoff *b = backoff_of(s, service);
	if (!b)
		return;
	int shift = b->failures < 6 ? b->failures : 6;
	int64_t delay = (int64_t)BACKOFF_BASE_MS << shift;
	b->failures++;
	b->next_ms = sk_now_ms() + (delay > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay);
	b->healthy_since = 0;
	sched_log(s, "service %s: task failed (%d in a row), next start in %lld ms", service,
		  b->failures, (long long)(b->next_ms - sk_now_ms()));
}

static void track_health(struct sched *s, const char *name, size_t running, long desired)
{
	struct svc_backoff *b = hmap_get(&s->backoff, name);
	if (!b || !b->failures)
		return;
	if ((long)running < desired) {
		b->healthy_since = 0;
		return;
	}
	if (!b->healthy_since)
		b->healthy_since = sk_now_ms();
	else if (sk_now_ms() - b->healthy_since > HEALTHY_RESET_MS)
		b->failures = 0;
}

static int is_user_stop(const char *reason)
{
	return strcmp(reason, "UserInitiated") == 0 || strncmp(reason, "Scal", 4) == 0 ||
	       strcmp(reason, "NodeLost") == 0 || strncmp(reason, "Service", 7) == 0 ||
	       strncmp(reason, "Drain", 5) == 0 || strncmp(reason, "Replaced", 8) == 0;
}

/* ---- units ---- */

static const char *key(const struct pass *p, char *buf, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *key(const struct pass *p, char *buf, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(p->c->prefix);
	memcpy(buf, p->c->prefix, n);
	va_start(ap, fmt);
	vsnprintf(buf + n, KEY_MAX - n, fmt, ap);
	va_end(ap);
	return buf;
}

static void logf_unit(struct unit *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_unit(struct unit *u, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(u->log);
	if (n && n + 1 < sizeof u->log)
		u->log[n++] = '\n';
	va_start(ap, fmt);
	vsnprintf(u->log + n, sizeof u->log - n, fmt, ap);
	va_end(ap);
}

static void cmp(struct unit *u, const char *k, enum etcd_cmp_target target, int64_t number)
{
	u->cmp[u->ncmp++] = (struct etcd_cmp){
	    .key = k, .target = target, .result = ETCD_CMP_EQUAL, .number = number};
}

static void op(struct unit *u, enum etcd_op_type type, const char *k, char *value)
{
	u->op[u->nop++] = (struct etcd_op){.type = type, .key = k, .value = value};
}

/* Hands a unit to the batcher; 0 when the pass can go on. */
static int emit(struct pass *p, struct unit *u)
{
	if (p->stop || batcher_add(&p->s->batch, u) < 0) {
		p->stop = 1;
		return -1;
	}
	if (--p->budget == 0)
		p->stop = 1;
	return 0;
}

static char *with_rec(const struct c_task *t, char *(*edit)(const cJSON *, const char *),
		      const char *arg)
{
	cJSON *j = cJSON_ParseWithLength(t->rec, t->rec_len);
	char *v = j ? edit(j, arg) : NULL;
	cJSON_Delete(j);
	return v;
}

static size_t assignment_size(const struct c_task *t)
{
	const struct c_taskdef *d = t->taskdef ? t->taskdef->obj : NULL;
	return (d ? strlen(d->text) : 16384) + 256;
}

/* Marks a task STOPPED; its assignment is deleted (drop) or told STOPPED. */
static void stop_task(struct pass *p, struct c_task *t, const char *reason, int drop,
		      const char *failed_service, const char *log)
{
	char tkey[KEY_MAX], akey[KEY_MAX];
	struct unit u = {0};
	key(p, tkey, "tasks/%s", t->id);
	cmp(&u, tkey, ETCD_CMP_MOD, t->rev);
	op(&u, ETCD_OP_PUT, tkey, with_rec(t, task_record_stopped, reason));
	if (t->node && t->assign_rev) {
		key(p, akey, "assign/%s/%s", t->node->name, t->id);
		if (drop) {
			op(&u, ETCD_OP_DELETE, akey, NULL);
		} else {
			cmp(&u, akey, ETCD_CMP_MOD, t->assign_rev);
			op(&u, ETCD_OP_PUT, akey, NULL);
			u.rewrite_assign = akey;
			u.rewrite_bytes = assignment_size(t);
		}
	}
	u.failed_service = failed_service;
	if (log)
		logf_unit(&u, "%s", log);
	t->pass = p->stamp;
	emit(p, &u);
}

static void delete_key(struct pass *p, const char *k, int64_t rev, const char *log)
{
	struct unit u = {0};
	if (rev)
		cmp(&u, k, ETCD_CMP_MOD, rev);
	op(&u, ETCD_OP_DELETE, k, NULL);
	if (log)
		logf_unit(&u, "%s", log);
	emit(p, &u);
}

/* ---- the pass's accounting and candidates ---- */

static int by_id(const void *a, const void *b)
{
	return strcmp((*(struct c_node *const *)a)->id->name,
		      (*(struct c_node *const *)b)->id->name);
}

static const struct c_taskdef *taskdef_of(const struct c_task *t)
{
	return t->taskdef ? t->taskdef->obj : NULL;
}

static void account(struct pass *p)
{
	struct hmap *tasks = &p->c->tasks;
	for (size_t i = 0; i < tasks->cap; i++) {
		struct c_task *t = tasks->slots[i].val;
		if (!tasks->slots[i].key)
			continue;
		struct c_service *svc = t->service ? t->service->obj : NULL;
		if (svc && svc->ntasks < svc->cap)
			svc->tasks[svc->ntasks++] = t;
		struct c_node *n = t->node ? t->node->obj : NULL;
		const struct c_taskdef *d = taskdef_of(t);
		if (!n || !c_task_active(t))
			continue;
		n->used_cpu += d ? d->cpu : 0;
		n->used_mem += d ? d->memory : 0;
		n->ntasks++;
	}
}

/* Sizes each service's task list for account() (tasks per service). */
static int size_service_lists(struct pass *p)
{
	struct hmap *tasks = &p->c->tasks, *svcs = &p->c->service_syms;
	for (size_t i = 0; i < svcs->cap; i++) {
		struct sym *y = svcs->slots[i].val;
		struct c_service *svc = svcs->slots[i].key ? y->obj : NULL;
		if (svc)
			svc->ntasks = 0; /* counted first, filled in account() */
	}
	for (size_t i = 0; i < tasks->cap; i++) {
		struct c_task *t = tasks->slots[i].val;
		struct c_service *svc = tasks->slots[i].key && t->service ? t->service->obj : NULL;
		if (svc)
			svc->ntasks++;
	}
	for (size_t i = 0; i < svcs->cap; i++) {
		struct sym *y = svcs->slots[i].val;
		struct c_service *svc = svcs->slots[i].key ? y->obj : NULL;
		if (!svc)
			continue;
		if (svc->ntasks > svc->cap) {
			struct c_task **v = realloc(svc->tasks, svc->ntasks * sizeof *v);
			if (!v)
				return -1;
			svc->tasks = v;
			svc->cap = svc->ntasks;
		}
		svc->ntasks = 0;
	}
	return 0;
}

static int candidates(struct pass *p)
{
	struct hmap *nodes = &p->c->node_syms;
	size_t k = 0;
	p->pnode = calloc(p->c->nnodes + 1, sizeof *p->pnode);
	p->pn = calloc(p->c->nnodes + 1, sizeof *p->pn);
	if (!p->pnode || !p->pn)
		return -1;
	for (size_t i = 0; i < nodes->cap; i++) {
		struct sym *y = nodes->slots[i].val;
		struct c_node *n = nodes->slots[i].key ? y->obj : NULL;
		if (!n)
			continue;
		n->used_cpu = n->used_mem = n->ntasks = 0;
		n->cand = -1;
		if (n->rev && !n->draining)
			p->pnode[k++] = n;
	}
	qsort(p->pnode, k, sizeof *p->pnode, by_id);
	p->npn = k;
	return 0;
}

static int prepare(struct pass *p)
{
	if (candidates(p) < 0 || size_service_lists(p) < 0)
		return -1;
	account(p);
	for (size_t i = 0; i < p->npn; i++) {
		struct c_node *n = p->pnode[i];
		n->cand = (int)i;
		p->pn[i] = (struct place_node){.id = n->id->name,
					       .cpu_free = n->cpu - n->used_cpu,
					       .mem_free = n->memory - n->used_mem,
					       .ntasks = n->ntasks,
					       .labels = n->labels,
					       .attributes = n->attributes};
	}
	return (p->index = place_index_new(p->pn, p->npn)) ? 0 : -1;
}

/* ---- placement ---- */

/* The service's placement and the task definition's own constraints. */
static int rules_of(struct pass *p, const struct c_service *svc, const struct c_taskdef *d,
		    struct svc_rules *r)
{
	struct sk_err err = {0};
	memset(r, 0, sizeof *r);
	if ((svc && placement_from_json(svc->rec, r->strats, &r->ns, r->cons, &r->nc, &err) < 0) ||
	    placement_taskdef(d->rec, r->cons, &r->nc, PLACEMENT_MAX, &err) < 0) {
		sched_log(p->s, "%s %s: %s", svc ? "service" : "task definition",
			  svc ? svc->name->name : d->ref->name, err.msg);
		return -1;
	}
	for (size_t i = 0; i < r->nc; i++)
		r->distinct |= r->cons[i].type == CONS_DISTINCT_INSTANCE;
	return 0;
}

/* pn[].ngroup: the tasks of svc on each node, this pass's included. */
static void count_group(struct pass *p, struct c_service *svc)
{
	if (p->group == svc)
		return;
	p->group = svc;
	for (size_t i = 0; i < p->npn; i++)
		p->pn[i].ngroup = 0;
	for (size_t i = 0; i < svc->ntasks; i++) {
		const struct c_task *t = svc->tasks[i];
		const struct c_node *n = t->node ? t->node->obj : NULL;
		if (n && n->cand >= 0 && c_task_active(t))
			p->pn[n->cand].ngroup++;
	}
	for (size_t i = 0; i < p->nplaced; i++)
		if (p->placed[i].service == svc->name)
			p->pn[p->placed[i].cand].ngroup++;
}

static void remember(struct pass *p, struct c_service *svc, int i)
{
	if (p->nplaced == p->placed_cap) {
		size_t cap = p->placed_cap ? p->placed_cap * 2 : 256;
		struct placed *v = realloc(p->placed, cap * sizeof *v);
		if (!v)
			return;
		p->placed = v;
		p->placed_cap = cap;
	}
	p->placed[p->nplaced++] = (struct placed){svc->name, i};
}

static void explain(struct pass *p, const char *what, const struct place_req *req)
{
	char why[256];
	if (sk_now_ms() - p->s->last_placement_log_ms < PLACEMENT_LOG_MS)
		return;
	place_choose(p->pn, p->npn, req, &p->s->seed, why, sizeof why);
	sched_log(p->s, "%s: %s", what, why);
	p->s->last_placement_log_ms = sk_now_ms();
}

/* The node for a task of d under svc's rules, or NULL; takes its room. */
static struct c_node *choose(struct pass *p, struct c_service *svc, const struct svc_rules *r,
			     const struct c_taskdef *d, const char *what)
{
	struct place_req req = {.cpu = d->cpu,
				.memory = d->memory,
				.strategies = r->strats,
				.nstrategies = r->ns,
				.constraints = r->cons,
				.nconstraints = r->nc};
	if (svc && r->distinct)
		count_group(p, svc);
	int i = place_index_choose(p->index, &req, &p->s->seed);
	if (i < 0) {
		explain(p, what, &req);
		return NULL;
	}
	place_index_take(p->index, i, d->cpu, d->memory);
	if (svc) {
		remember(p, svc, i);
		if (p->group == svc)
			p->pn[i].ngroup++;
	}
	return p->pnode[i];
}

/* The values of the secrets d names (NULL: none), or -1 with the first
 * missing one in missing. */
static int secrets_for(struct pass *p, const struct c_taskdef *d, cJSON **out, char *missing,
		       size_t size)
{
	*out = NULL;
	if (!d->nsecrets)
		return 0;
	return task_secrets_from(d->rec, cluster_secret, p->c, out, missing, size);
}

static void place_task(struct pass *p, struct c_task *t, struct c_node *n,
		       const struct c_taskdef *d, const cJSON *secrets)
{
	char tkey[KEY_MAX], nkey[KEY_MAX], akey[KEY_MAX];
	struct unit u = {0};
	key(p, tkey, "tasks/%s", t->id);
	cmp(&u, tkey, ETCD_CMP_MOD, t->rev);
	cmp(&u, key(p, nkey, "nodes/%s", n->id->name), ETCD_CMP_MOD, n->rev);
	op(&u, ETCD_OP_PUT, tkey, with_rec(t, task_record_placed, n->id->name));
	op(&u, ETCD_OP_PUT, key(p, akey, "assign/%s/%s", n->id->name, t->id),
	   assign_record_new(t->id, d->text, secrets));
	logf_unit(&u, "task %s: placed on %s", t->id, n->id->name);
	t->pass = p->stamp;
	emit(p, &u);
}

/* A new task of a service, placed on n when it is not NULL. */
static void create_task(struct pass *p, const struct c_service *svc, const struct c_taskdef *d,
			const cJSON *secrets, struct c_node *n)
{
	char id[33], tkey[KEY_MAX], nkey[KEY_MAX], akey[KEY_MAX];
	struct unit u = {0};
	ctl_random_id(id, sizeof id);
	key(p, tkey, "tasks/%s", id);
	cmp(&u, tkey, ETCD_CMP_CREATE, 0);
	op(&u, ETCD_OP_PUT, tkey,
	   task_record_new(id, d->ref->name, svc->name->name, n ? n->id->name : NULL));
	logf_unit(&u, "service %s: started task %s", svc->name->name, id);
	if (n) {
		cmp(&u, key(p, nkey, "nodes/%s", n->id->name), ETCD_CMP_MOD, n->rev);
		op(&u, ETCD_OP_PUT, key(p, akey, "assign/%s/%s", n->id->name, id),
		   assign_record_new(id, d->text, secrets));
		logf_unit(&u, "task %s: placed on %s", id, n->id->name);
	}
	emit(p, &u);
}

static int pending_order(const void *a, const void *b)
{
	const struct c_task *x = *(struct c_task *const *)a, *y = *(struct c_task *const *)b;
	const char *sx = x->service ? x->service->name : "",
		   *sy = y->service ? y->service->name : "";
	int c = strcmp(sx, sy);
	if (c)
		return c;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void place_pending(struct pass *p)
{
	struct hmap *tasks = &p->c->tasks;
	struct c_task **v = malloc((tasks->n + 1) * sizeof *v);
	size_t n = 0;
	if (!v)
		return;
	for (size_t i = 0; i < tasks->cap; i++) {
		struct c_task *t = tasks->slots[i].val;
		if (tasks->slots[i].key && !t->node && !t->stopped && t->pass != p->stamp)
			v[n++] = t;
	}
	qsort(v, n, sizeof *v, pending_order); /* a service's tasks together, oldest first */
	struct c_service *svc = NULL;
	const struct c_taskdef *rules_d = NULL, *full = NULL; /* nothing fits a task of it */
	struct svc_rules r = {0};
	int rules_ok = 1;
	for (size_t i = 0; i < n && !p->stop; i++) {
		struct c_task *t = v[i];
		const struct c_taskdef *d = taskdef_of(t);
		struct c_service *ts = t->service ? t->service->obj : NULL;
		cJSON *secrets;
		char missing[TD_SECRET_NAME_MAX + 1], why[400], what[64];
		if (!d) {
			stop_task(p, t, "TaskDefinitionNotFound", 0, NULL, NULL);
			continue;
		}
		if (secrets_for(p, d, &secrets, missing, sizeof missing) < 0) {
			snprintf(
			    why, sizeof why,
			    "ResourceInitializationError: secret %s is not in the cluster's store",
			    missing);
			stop_task(p, t, why, 0, NULL, NULL);
			continue;
		}
		if (ts != svc || d != rules_d || i == 0) {
			rules_ok = rules_of(p, svc = ts, rules_d = d, &r) == 0;
			full = NULL;
		}
		snprintf(what, sizeof what, "task %s", t->id);
		/* nodes only fill up during a pass: what did not fit still does not */
		struct c_node *node = rules_ok && d != full ? choose(p, svc, &r, d, what) : NULL;
		if (node)
			place_task(p, t, node, d, secrets);
		else if (rules_ok)
			full = d;
		cJSON_Delete(secrets);
	}
	free(v);
}

/* ---- life cycle of each task ---- */

/* Tasks whose node died, whose run ended, or that are long gone. */
static void task_lifecycle(struct pass *p, struct c_task *t)
{
	const struct c_node *n = t->node ? t->node->obj : NULL;
	int node_alive = n && n->rev;
	if (!t->stopped && t->node && !node_alive) {
		char log[256];
		snprintf(log, sizeof log, "task %s: node %s lost", t->id, t->node->name);
		stop_task(p, t, "NodeLost", 1, NULL, log);
		return;
	}
	if (!t->stopped && t->status == ST_STOPPED) {
		const char *why = t->stop_reason ? t->stop_reason : "EssentialContainerExited";
		const char *svc = t->service && !is_user_stop(why) ? t->service->name : NULL;
		stop_task(p, t, why, 1, svc, NULL);
		return;
	}
	/* As ECS does for a service: an unhealthy essential container gets its
	 * task replaced. */
	if (!t->stopped && t->service && t->status == ST_RUNNING && t->unhealthy) {
		char log[256];
		snprintf(log, sizeof log, "task %s: UNHEALTHY, replaced", t->id);
		stop_task(p, t, "Task failed container health checks", 0, t->service->name, log);
		return;
	}
	if (t->stopped && t->assign_rev && (!node_alive || t->status == ST_STOPPED)) {
		char k[KEY_MAX];
		t->pass = p->stamp;
		delete_key(p, key(p, k, "assign/%s/%s", t->node->name, t->id), t->assign_rev, NULL);
		return;
	}
	if (t->stopped && !t->assign_rev && t->stopped_at &&
	    (int64_t)(p->now - t->stopped_at) * 1000 > p->s->retention_ms) {
		/* the agent never deletes its status records: forget both at once */
		char tkey[KEY_MAX], skey[KEY_MAX];
		struct unit u = {0};
		key(p, tkey, "tasks/%s", t->id);
		cmp(&u, tkey, ETCD_CMP_MOD, t->rev);
		op(&u, ETCD_OP_DELETE, tkey, NULL);
		if (t->node)
			op(&u, ETCD_OP_DELETE, key(p, skey, "status/%s/%s", t->node->name, t->id),
			   NULL);
		t->pass = p->stamp;
		emit(p, &u);
	}
}

/* Assignments no task owns any more, and tasks of deleted services. */
static void orphans(struct pass *p)
{
	struct hmap *loose = &p->c->loose_assigns, *tasks = &p->c->tasks;
	char k[KEY_MAX];
	for (size_t i = 0; i < loose->cap && !p->stop; i++) {
		const struct c_loose *l = loose->slots[i].val;
		if (loose->slots[i].key)
			delete_key(p, key(p, k, "assign/%s", l->key), l->rev, NULL);
	}
	for (size_t i = 0; i < tasks->cap && !p->stop; i++) {
		struct c_task *t = tasks->slots[i].val;
		if (tasks->slots[i].key && t->pass != p->stamp && t->service && !t->stopped &&
		    !t->service->obj)
			stop_task(p, t, "Service deleted", 0, NULL, NULL);
	}
}

/* ---- services ---- */

static int newer_first(const void *a, const void *b)
{
	const struct c_task *x = *(struct c_task *const *)a, *y = *(struct c_task *const *)b;
	int px = !x->node, py = !y->node; /* pending ones go first */
	if (px != py)
		return py - px;
	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

struct svc_view {
	struct c_task **cur, **old; /* should run: current definition and node, or not */
	size_t ncur, nold, running;
};

static int split(const struct c_service *svc, const char *taskdef, unsigned stamp,
		 struct svc_view *v)
{
	memset(v, 0, sizeof *v);
	v->cur = malloc((svc->ntasks + 1) * sizeof *v->cur);
	v->old = malloc((svc->ntasks + 1) * sizeof *v->old);
	if (!v->cur || !v->old)
		return -1;
	for (size_t i = 0; i < svc->ntasks; i++) {
		struct c_task *t = svc->tasks[i];
		const struct c_node *n = t->node ? t->node->obj : NULL;
		if (t->stopped || t->pass == stamp) /* stopping in this pass already */
			continue;
		if (t->taskdef && strcmp(t->taskdef->name, taskdef) == 0 && !(n && n->draining)) {
			v->cur[v->ncur++] = t;
			v->running += t->status == ST_RUNNING;
		} else {
			v->old[v->nold++] = t;
		}
	}
	qsort(v->cur, v->ncur, sizeof *v->cur, newer_first);
	qsort(v->old, v->nold, sizeof *v->old, newer_first);
	return 0;
}

static void scale_up(struct pass *p, struct c_service *svc, const char *taskdef, long missing)
{
	struct svc_backoff *b = hmap_get(&p->s->backoff, svc->name->name);
	struct sym *y = hmap_get(&p->c->taskdef_syms, taskdef);
	const struct c_taskdef *d = y ? y->obj : NULL;
	struct svc_rules r;
	char what[300];
	if (b && b->next_ms > sk_now_ms())
		return;
	if (!d) {
		if (sk_now_ms() - p->s->last_placement_log_ms >= PLACEMENT_LOG_MS) {
			sched_log(p->s, "service %s: task definition %s not found", svc->name->name,
				  taskdef);
			p->s->last_placement_log_ms = sk_now_ms();
		}
		return;
	}
	cJSON *secrets;
	char name[TD_SECRET_NAME_MAX + 1];
	if (secrets_for(p, d, &secrets, name, sizeof name) < 0) {
		/* a task would only be stopped at once: none until the secret is put */
		if (sk_now_ms() - p->s->last_placement_log_ms >= PLACEMENT_LOG_MS) {
			sched_log(p->s, "service %s: secret %s is not in the cluster's store",
				  svc->name->name, name);
			p->s->last_placement_log_ms = sk_now_ms();
		}
		return;
	}
	int fits = rules_of(p, svc, d, &r) == 0;
	snprintf(what, sizeof what, "service %s: new task", svc->name->name);
	for (long k = 0; k < missing && !p->stop; k++) {
		struct c_node *n = fits ? choose(p, svc, &r, d, what) : NULL;
		fits = n != NULL; /* once nothing fits, the rest are created pending */
		create_task(p, svc, d, secrets, n);
	}
	cJSON_Delete(secrets);
}

static void service_reconcile(struct pass *p, struct c_service *svc)
{
	const char *taskdef = json_record_str(svc->rec, "taskDefinition");
	long desired = (long)json_record_int(svc->rec, "desiredCount", 0);
	int deleting = strcmp(json_record_str(svc->rec, "status"), "DRAINING") == 0;
	struct svc_view v;
	if (deleting)
		desired = 0;
	if (split(svc, taskdef, p->stamp, &v) < 0)
		goto out;
	track_health(p->s, svc->name->name, v.running, desired);
	if ((long)v.ncur < desired)
		scale_up(p, svc, taskdef, desired - (long)v.ncur);
	for (size_t i = 0; (long)(v.ncur - i) > desired && !p->stop; i++)
		stop_task(p, v.cur[i], "Scaling activity", 0, NULL, NULL);
	/* old tasks go once enough current ones run (pending old ones at once) */
	long can_stop = (long)v.running + (long)v.nold - desired;
	for (size_t i = 0; i < v.nold && !p->stop; i++) {
		int serving = v.old[i]->status == ST_RUNNING;
		if (serving && can_stop <= 0)
			continue;
		can_stop -= serving;
		stop_task(p, v.old[i], "Replaced (drain or new task definition)", 0, NULL, NULL);
	}
	if (deleting && v.ncur + v.nold == 0 && !p->stop) {
		char k[KEY_MAX], log[300];
		snprintf(log, sizeof log, "service %s: deleted", svc->name->name);
		delete_key(p, key(p, k, "services/%s", svc->name->name), svc->rev, log);
	}
out:
	free(v.cur);
	free(v.old);
}

/* ---- the pass ---- */

/* The running OS rollout's next step (rollout_drive.c), one per pass: the
 * next pass sees it written before it decides the one after. */
static void rollout_step(struct pass *p)
{
	struct rollout_write w;
	if (rollout_drive(p->s, p->c, p->now, &w))
		emit(p, &w.u);
}

static void each_task(struct pass *p, void (*fn)(struct pass *, struct c_task *))
{
	struct hmap *tasks = &p->c->tasks;
	for (size_t i = 0; i < tasks->cap && !p->stop; i++)
		if (tasks->slots[i].key)
			fn(p, tasks->slots[i].val);
}

static void each_service(struct pass *p)
{
	struct hmap *svcs = &p->c->service_syms;
	for (size_t i = 0; i < svcs->cap && !p->stop; i++) {
		struct sym *y = svcs->slots[i].val;
		if (svcs->slots[i].key && y->obj)
			service_reconcile(p, y->obj);
	}
}

static void pass_free(struct pass *p)
{
	place_index_free(p->index);
	free(p->pn);
	free(p->pnode);
	free(p->placed);
}

void reconcile_settle(struct sched *s)
{
	struct batcher *b = &s->batch;
	if (b->txns)
		sched_log(s, "pass %u: %zu changes in %zu transactions, %lld ms", s->pass,
			  b->applied, b->txns, (long long)(sk_now_ms() - s->pass_started_ms));
	if (b->max_rev > s->min_rev)
		s->min_rev = b->max_rev;
	for (size_t i = 0; i < b->nfailed; i++)
		note_failure(s, b->failed_services[i]);
	if (b->fence_lost)
		election_step_down(
		    s, "the fence no longer holds (another leader, or our lease expired)");
	if (b->conflicts && !b->fence_lost)
		sched_log(s,
			  "%zu changes not applied: the cluster changed meanwhile; deciding again",
			  b->conflicts);
	if (b->unsent)
		sched_log(s, "%zu changes not sent: no longer leading", b->unsent);
}

int reconcile(struct sched *s)
{
	struct pass p = {
	    .s = s, .c = &s->cl, .stamp = ++s->pass, .budget = s->pass_max, .now = time(NULL)};
	s->pass_started_ms = sk_now_ms();
	if (prepare(&p) < 0) {
		sched_log(s, "pass: out of memory");
		pass_free(&p);
		return -1;
	}
	batcher_begin(&s->batch, s->acting_fence);
	rollout_step(&p);
	each_task(&p, task_lifecycle);
	orphans(&p);
	each_service(&p);
	if (!p.stop)
		place_pending(&p);
	batcher_submit(&s->batch);
	pass_free(&p);
	return 0;
}
