/* One pass of the leader over a consistent snapshot: clean up, replace
 * lost and stopped tasks, keep services at their desired count (with
 * backoff for crash loops, replacement before removal when draining or
 * deploying), and place pending tasks. Every write is one guarded txn; a
 * failed guard just means the next pass sees newer state. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "placement.h"
#include "scheduler.h"
#include "tasks.h"

#define BACKOFF_BASE_MS	 1000
#define BACKOFF_MAX_MS	 60000
#define HEALTHY_RESET_MS 30000

static void wrote(struct sched *s, int64_t rev)
{
	if (rev > s->min_rev)
		s->min_rev = rev;
}

static int64_t check(struct sched *s, int64_t rev, struct sk_err *err, const char *what)
{
	if (rev < 0)
		sched_log(s, "%s: %s", what, err->msg);
	wrote(s, rev);
	return rev;
}

static struct svc_backoff *backoff_of(struct sched *s, const char *name)
{
	for (size_t i = 0; i < s->nbackoff; i++)
		if (strcmp(s->backoff[i].name, name) == 0)
			return &s->backoff[i];
	struct svc_backoff *b = realloc(s->backoff, (s->nbackoff + 1) * sizeof *b);
	if (!b)
		return NULL;
	s->backoff = b;
	b = &b[s->nbackoff++];
	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "%s", name);
	return b;
}

static void note_failure(struct sched *s, const char *service)
{
	struct svc_backoff *b = *service ? backoff_of(s, service) : NULL;
	if (!b)
		return;
	int shift = b->failures < 6 ? b->failures : 6;
	int64_t delay = (int64_t)BACKOFF_BASE_MS << shift;
	b->failures++;
	b->next_ms = ctl_now_ms() + (delay > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay);
	b->healthy_since = 0;
	sched_log(s, "service %s: task failed (%d in a row), next start in %lld ms", service,
		  b->failures, (long long)(b->next_ms - ctl_now_ms()));
}

static int is_user_stop(const char *reason)
{
	return strcmp(reason, "UserInitiated") == 0 || strncmp(reason, "Scal", 4) == 0 ||
	       strcmp(reason, "NodeLost") == 0 || strncmp(reason, "Service", 7) == 0 ||
	       strncmp(reason, "Drain", 5) == 0 || strncmp(reason, "Replaced", 8) == 0;
}

static time_t parse_time(const char *s)
{
	struct tm tm = {0};
	if (!*s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	return timegm(&tm);
}

/* Tasks whose node died, whose run ended, or that are long gone. */
static void task_lifecycle(struct sched *s, const struct model *m, struct m_task *t,
			   struct sk_err *err)
{
	struct ctl *c = s->ctl;
	struct m_node *n = *t->node ? model_node(m, t->node) : NULL;
	int node_alive = n && n->rec;
	int running = strcmp(t->desired, "STOPPED") != 0;
	if (running && *t->node && !node_alive) {
		check(s, task_stop(c, t, "NodeLost", 1, s->fence, err), err, "stop lost task");
		sched_log(s, "task %s: node %s lost", t->id, t->node);
		return;
	}
	if (running && strcmp(t->last_status, "STOPPED") == 0) {
		const char *why = json_str(t->status, "stoppedReason");
		if (check(
			s,
			task_stop(c, t, *why ? why : "EssentialContainerExited", 1, s->fence, err),
			err, "stop ended task") > 0 &&
		    !is_user_stop(why))
			note_failure(s, t->service);
		return;
	}
	/* As ECS does for a service: an unhealthy essential container gets its
	 * task replaced. */
	if (running && *t->service && strcmp(t->last_status, "RUNNING") == 0 &&
	    strcmp(json_str(t->status, "healthStatus"), "UNHEALTHY") == 0) {
		if (check(s, task_stop(c, t, "Task failed container health checks", 0, s->fence, err),
			  err, "stop unhealthy task") > 0) {
			sched_log(s, "task %s: UNHEALTHY, replaced", t->id);
			note_failure(s, t->service);
		}
		return;
	}
	if (!running && t->assign && (!node_alive || strcmp(t->last_status, "STOPPED") == 0)) {
		char key[KEY_MAX];
		ctl_key(c, key, "assign/%s/%s", t->node, t->id);
		check(s, key_delete_if(c, key, t->assign_rev, s->fence, err), err,
		      "drop assignment");
		return;
	}
	time_t stopped = parse_time(json_str(t->rec, "stoppedAt"));
	if (!running && !t->assign && stopped &&
	    (int64_t)(time(NULL) - stopped) * 1000 > s->retention_ms) {
		char key[KEY_MAX];
		ctl_key(c, key, "tasks/%s", t->id);
		if (check(s, key_delete_if(c, key, t->rev, s->fence, err), err, "forget task") >
			0 &&
		    *t->node) /* the agent never deletes its status records */
			check(s,
			      key_delete_if(c, ctl_key(c, key, "status/%s/%s", t->node, t->id), 0,
					    s->fence, err),
			      err, "forget task status");
	}
}

static int is_current(const struct model *m, const struct m_task *t, const char *taskdef)
{
	struct m_node *n = *t->node ? model_node(m, t->node) : NULL;
	return strcmp(t->taskdef, taskdef) == 0 && !(n && n->draining);
}

static int newer_first(const void *a, const void *b)
{
	const struct m_task *x = *(struct m_task *const *)a, *y = *(struct m_task *const *)b;
	int px = !*x->node, py = !*y->node; /* pending ones go first */
	if (px != py)
		return py - px;
	return strcmp(json_str(y->rec, "createdAt"), json_str(x->rec, "createdAt"));
}

/* Service tasks that should run, split into current and old (other task
 * definition, or on a draining node). */
static size_t service_tasks(const struct model *m, const char *name, const char *taskdef,
			    struct m_task **cur, size_t *ncur, struct m_task **old, size_t *nold)
{
	*ncur = *nold = 0;
	size_t running = 0;
	for (size_t i = 0; i < m->ntasks; i++) {
		struct m_task *t = &m->tasks[i];
		if (strcmp(t->service, name) != 0 || strcmp(t->desired, "STOPPED") == 0)
			continue;
		if (is_current(m, t, taskdef)) {
			cur[(*ncur)++] = t;
			running += strcmp(t->last_status, "RUNNING") == 0;
		} else {
			old[(*nold)++] = t;
		}
	}
	if (*ncur)
		qsort(cur, *ncur, sizeof *cur, newer_first);
	if (*nold)
		qsort(old, *nold, sizeof *old, newer_first);
	return running;
}

static void scale_up(struct sched *s, const struct m_service *svc, const char *taskdef,
		     long missing, struct sk_err *err)
{
	struct svc_backoff *b = backoff_of(s, svc->name);
	if (b && b->next_ms > ctl_now_ms())
		return;
	for (long k = 0; k < missing; k++) {
		char id[33];
		if (check(s, task_create(s->ctl, taskdef, svc->name, s->fence, id, err), err,
			  "create task") <= 0)
			return;
		sched_log(s, "service %s: started task %s", svc->name, id);
	}
}

static void track_health(struct sched *s, const char *name, size_t running, long desired)
{
	struct svc_backoff *b = backoff_of(s, name);
	if (!b || !b->failures)
		return;
	if ((long)running < desired) {
		b->healthy_since = 0;
		return;
	}
	if (!b->healthy_since)
		b->healthy_since = ctl_now_ms();
	else if (ctl_now_ms() - b->healthy_since > HEALTHY_RESET_MS)
		b->failures = 0;
}

static void service_reconcile(struct sched *s, const struct model *m, const struct m_service *svc,
			      struct sk_err *err)
{
	const char *taskdef = json_str(svc->rec, "taskDefinition");
	long desired = (long)json_int(svc->rec, "desiredCount");
	int deleting = strcmp(json_str(svc->rec, "status"), "DRAINING") == 0;
	struct m_task **cur = calloc(m->ntasks + 1, sizeof *cur);
	struct m_task **old = calloc(m->ntasks + 1, sizeof *old);
	size_t ncur, nold;
	if (!cur || !old)
		goto out;
	if (deleting)
		desired = 0;
	size_t running = service_tasks(m, svc->name, taskdef, cur, &ncur, old, &nold);
	track_health(s, svc->name, running, desired);
	if ((long)ncur < desired)
		scale_up(s, svc, taskdef, desired - (long)ncur, err);
	for (size_t i = 0; (long)(ncur - i) > desired; i++)
		check(s, task_stop(s->ctl, cur[i], "Scaling activity", 0, s->fence, err), err,
		      "scale down");
	/* old tasks go once enough current ones run (pending old ones at once) */
	long can_stop = (long)running + (long)nold - desired;
	for (size_t i = 0; i < nold; i++) {
		int serving = strcmp(old[i]->last_status, "RUNNING") == 0;
		if (serving && can_stop <= 0)
			continue;
		can_stop -= serving;
		check(s,
		      task_stop(s->ctl, old[i], "Replaced (drain or new task definition)", 0,
				s->fence, err),
		      err, "replace task");
	}
	if (deleting && ncur + nold == 0) {
		char key[KEY_MAX];
		ctl_key(s->ctl, key, "services/%s", svc->name);
		if (check(s, key_delete_if(s->ctl, key, svc->rev, s->fence, err), err,
			  "delete service") > 0)
			sched_log(s, "service %s: deleted", svc->name);
	}
out:
	free(cur);
	free(old);
}

static void orphan_tasks(struct sched *s, const struct model *m, struct sk_err *err)
{
	for (size_t i = 0; i < m->ntasks; i++) {
		struct m_task *t = &m->tasks[i];
		if (*t->service && strcmp(t->desired, "STOPPED") != 0 &&
		    !model_service(m, t->service))
			check(s, task_stop(s->ctl, t, "Service deleted", 0, s->fence, err), err,
			      "stop orphan task");
	}
	for (size_t i = 0; i < m->norphans; i++)
		check(s, key_delete_if(s->ctl, m->orphans[i].key, m->orphans[i].rev, s->fence, err),
		      err, "drop stale assignment");
}

/* ---- placement ---- */

static size_t candidates(const struct model *m, struct place_node *pn, struct m_node **idx)
{
	size_t k = 0;
	for (size_t i = 0; i < m->nnodes; i++) {
		struct m_node *n = &m->nodes[i];
		if (!n->rec || n->draining)
			continue;
		idx[k] = n;
		pn[k] = (struct place_node){.id = n->id,
					    .cpu_free = n->cpu - n->used_cpu,
					    .mem_free = n->memory - n->used_mem,
					    .ntasks = n->ntasks,
					    .labels =
						cJSON_GetObjectItemCaseSensitive(n->rec, "labels"),
					    .attributes = cJSON_GetObjectItemCaseSensitive(
						n->rec, "attributes")};
		k++;
	}
	return k;
}

static void count_group(const struct model *m, struct place_node *pn, struct m_node **idx, size_t k,
			const char *service)
{
	for (size_t j = 0; j < k; j++)
		pn[j].ngroup = 0;
	if (!*service)
		return;
	for (size_t i = 0; i < m->ntasks; i++) {
		const struct m_task *t = &m->tasks[i];
		if (strcmp(t->service, service) != 0 || !*t->node || !model_task_active(t))
			continue;
		for (size_t j = 0; j < k; j++)
			pn[j].ngroup += strcmp(idx[j]->id, t->node) == 0;
	}
}

static void place_one(struct sched *s, const struct model *m, struct m_task *t,
		      struct place_node *pn, struct m_node **idx, size_t k, struct sk_err *err)
{
	struct strategy strats[PLACEMENT_MAX];
	struct constraint cons[PLACEMENT_MAX];
	size_t ns = 0, nc = 0;
	const struct m_service *svc = *t->service ? model_service(m, t->service) : NULL;
	if ((svc && placement_from_json(svc->rec, strats, &ns, cons, &nc, err) < 0) ||
	    placement_taskdef(t->td, cons, &nc, PLACEMENT_MAX, err) < 0) {
		sched_log(s, "task %s: %s", t->id, err->msg);
		return;
	}
	count_group(m, pn, idx, k, t->service);
	struct place_req req = {.cpu = t->cpu,
				.memory = t->memory,
				.strategies = strats,
				.nstrategies = ns,
				.constraints = cons,
				.nconstraints = nc};
	char why[256];
	int i = place_choose(pn, k, &req, &s->seed, why, sizeof why);
	if (i < 0) {
		if (ctl_now_ms() - s->last_placement_log_ms > 10000) {
			sched_log(s, "task %s: %s", t->id, why);
			s->last_placement_log_ms = ctl_now_ms();
		}
		return;
	}
	cJSON *secrets;
	char missing[TD_SECRET_NAME_MAX + 1];
	if (task_secrets(m, t->td, &secrets, missing, sizeof missing) < 0) {
		char why[400];
		snprintf(why, sizeof why,
			 "ResourceInitializationError: secret %s is not in the cluster's store",
			 missing);
		check(s, task_stop(s->ctl, t, why, 0, s->fence, err), err, "stop task");
		return;
	}
	int64_t rev =
	    check(s, task_place(s->ctl, t, idx[i], secrets, s->fence, err), err, "place task");
	cJSON_Delete(secrets);
	if (rev <= 0)
		return;
	sched_log(s, "task %s: placed on %s", t->id, idx[i]->id);
	pn[i].cpu_free -= t->cpu;
	pn[i].mem_free -= t->memory;
	pn[i].ntasks++;
}

static void place_pending(struct sched *s, const struct model *m, struct sk_err *err)
{
	struct place_node *pn = calloc(m->nnodes + 1, sizeof *pn);
	struct m_node **idx = calloc(m->nnodes + 1, sizeof *idx);
	size_t k = pn && idx ? candidates(m, pn, idx) : 0;
	for (size_t i = 0; i < m->ntasks && pn && idx; i++) {
		struct m_task *t = &m->tasks[i];
		if (*t->node || strcmp(t->desired, "STOPPED") == 0)
			continue;
		if (!t->td) {
			check(s, task_stop(s->ctl, t, "TaskDefinitionNotFound", 0, s->fence, err),
			      err, "stop task");
			continue;
		}
		place_one(s, m, t, pn, idx, k, err);
	}
	free(pn);
	free(idx);
}

int reconcile(struct sched *s, const struct model *m, struct sk_err *err)
{
	for (size_t i = 0; i < m->ntasks; i++)
		task_lifecycle(s, m, &m->tasks[i], err);
	orphan_tasks(s, m, err);
	for (size_t i = 0; i < m->nservices; i++)
		service_reconcile(s, m, &m->services[i], err);
	place_pending(s, m, err);
	return 0;
}
