/* The scheduler's picture of the cluster (see cluster.h): one event at a
 * time, each key parsed once. An assignment or status attaches to its task
 * when the task is on that node; until then (keys come in key order, so
 * assign/ and status/ before tasks/) it waits among the loose ones. */
#define _GNU_SOURCE
#include "cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "taskdef.h"

#define REL_MAX 512

/* ---- interned names ---- */

static struct sym *sym_get(struct hmap *tab, const char *name)
{
	struct sym *s = hmap_get(tab, name);
	if (!s) {
		if (!(s = calloc(1, sizeof *s)) || !(s->name = strdup(name)) ||
		    hmap_put(tab, s->name, s) < 0) {
			if (s)
				free(s->name);
			free(s);
			return NULL;
		}
	}
	s->refs++;
	return s;
}

static void sym_put(struct hmap *tab, struct sym *s)
{
	if (!s || --s->refs > 0)
		return;
	hmap_del(tab, s->name);
	free(s->name);
	free(s);
}

/* ---- small parsers ---- */

static time_t parse_time(const char *s)
{
	struct tm tm = {0};
	if (!*s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	return timegm(&tm);
}

static enum c_status status_of(const char *s)
{
	if (!*s)
		return ST_ACTIVE;
	if (strcmp(s, "RUNNING") == 0)
		return ST_RUNNING;
	return strcmp(s, "STOPPED") == 0 ? ST_STOPPED : ST_ACTIVE;
}

static char *dup_or_null(const char *s)
{
	return *s ? strdup(s) : NULL;
}

/* "<node>/<task>" of assign/ and status/ keys; 0 if malformed. */
static int split_pair(const char *name, char *node, char *task)
{
	const char *slash = strchr(name, '/');
	if (!slash || slash == name || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - name) >= REL_MAX || strlen(slash + 1) >= REL_MAX)
		return 0;
	memcpy(node, name, slash - name);
	node[slash - name] = '\0';
	strcpy(task, slash + 1);
	return 1;
}

/* ---- nodes ---- */

static struct c_node *node_get(struct cluster *c, const char *id)
{
	struct sym *s = sym_get(&c->node_syms, id);
	if (!s)
		return NULL;
	if (s->obj) {
		s->refs--; /* the node holds one already */
		return s->obj;
	}
	struct c_node *n = calloc(1, sizeof *n);
	if (!n) {
		sym_put(&c->node_syms, s);
		return NULL;
	}
	n->id = s;
	n->cand = -1;
	s->obj = n;
	c->nnodes++;
	return n;
}

static void node_forget_if_gone(struct cluster *c, struct c_node *n)
{
	if (n->rev || n->meta_rev)
		return;
	cJSON_Delete(n->labels);
	cJSON_Delete(n->attributes);
	cJSON_Delete(n->os);
	n->id->obj = NULL;
	sym_put(&c->node_syms, n->id);
	free(n);
	c->nnodes--;
}

static int node_record(struct cluster *c, const char *id, const struct etcd_kv *kv, cJSON *j)
{
	struct c_node *n = node_get(c, id);
	if (!n)
		return -1;
	cJSON_Delete(n->labels);
	cJSON_Delete(n->attributes);
	cJSON_Delete(n->os);
	n->labels = n->attributes = n->os = NULL;
	if (!j) {
		n->rev = 0;
		node_forget_if_gone(c, n);
		return 0;
	}
	n->rev = kv->mod_revision;
	n->cpu = json_record_int(j, "cpu", 0);
	n->memory = json_record_int(j, "memory", 0);
	n->labels = cJSON_DetachItemFromObjectCaseSensitive(j, "labels");
	n->attributes = cJSON_DetachItemFromObjectCaseSensitive(j, "attributes");
	n->os = cJSON_DetachItemFromObjectCaseSensitive(j, "os");
	return 0;
}

static int node_meta(struct cluster *c, const char *id, const struct etcd_kv *kv, cJSON *j)
{
	struct c_node *n = node_get(c, id);
	if (!n)
		return -1;
	n->meta_rev = j ? kv->mod_revision : 0;
	n->draining = j && strcmp(json_record_str(j, "status"), "DRAINING") == 0;
	node_forget_if_gone(c, n);
	return 0;
}

/* ---- assignments and statuses ---- */

static struct c_loose *loose_take(struct hmap *m, const char *node, const char *task)
{
	char key[2 * REL_MAX];
	snprintf(key, sizeof key, "%s/%s", node, task);
	return hmap_del(m, key);
}

static void loose_free(struct c_loose *l)
{
	if (!l)
		return;
	free(l->key);
	free(l->stop_reason);
	free(l);
}

static int loose_put(struct hmap *m, const char *node, const char *task, const struct c_loose *v)
{
	struct c_loose *l = malloc(sizeof *l);
	if (!l)
		return -1;
	*l = *v;
	if (asprintf(&l->key, "%s/%s", node, task) < 0) {
		free(l);
		return -1;
	}
	loose_free(hmap_del(m, l->key));
	if (hmap_put(m, l->key, l) < 0) {
		loose_free(l);
		return -1;
	}
	return 0;
}

/* A task leaves its node (deleted, or moved): what it held waits loose. */
static int detach(struct cluster *c, struct c_task *t)
{
	int rc = 0;
	if (t->node && t->assign_rev)
		rc |= loose_put(
		    &c->loose_assigns, t->node->name, t->id,
		    &(struct c_loose){.rev = t->assign_rev, .stopped = t->assign_stopped});
	if (t->node && t->status != ST_NONE)
		rc |= loose_put(&c->loose_statuses, t->node->name, t->id,
				&(struct c_loose){.status = t->status,
						  .stop_reason = t->stop_reason,
						  .unhealthy = t->unhealthy});
	else
		free(t->stop_reason);
	t->assign_rev = 0;
	t->status = ST_NONE;
	t->stop_reason = NULL;
	t->unhealthy = 0;
	return rc;
}

static void attach(struct cluster *c, struct c_task *t)
{
	char key[2 * REL_MAX];
	if (!t->node)
		return;
	snprintf(key, sizeof key, "%s/%s", t->node->name, t->id);
	struct c_loose *a = hmap_get(&c->loose_assigns, key);
	if (a && !a->bad) { /* a bad one stays loose: it is an orphan */
		t->assign_rev = a->rev;
		t->assign_stopped = a->stopped;
		loose_free(hmap_del(&c->loose_assigns, key));
	}
	struct c_loose *st = hmap_del(&c->loose_statuses, key);
	if (st) {
		t->status = st->status;
		t->stop_reason = st->stop_reason;
		t->unhealthy = st->unhealthy;
		st->stop_reason = NULL;
	}
	loose_free(st);
}

static int assignment(struct cluster *c, const char *name, const struct etcd_kv *kv, cJSON *j,
		      int deleted)
{
	char node[REL_MAX], task[REL_MAX];
	if (!split_pair(name, node, task))
		return 0;
	struct c_task *t = hmap_get(&c->tasks, task);
	int mine = t && t->node && strcmp(t->node->name, node) == 0;
	loose_free(loose_take(&c->loose_assigns, node, task)); /* its last word is this one */
	if (deleted) {
		if (mine)
			t->assign_rev = 0;
		return 0;
	}
	int stopped = strcmp(json_record_str(j, "desiredStatus"), "STOPPED") == 0;
	if (mine && j) {
		t->assign_rev = kv->mod_revision;
		t->assign_stopped = stopped;
		return 0;
	}
	if (mine)
		t->assign_rev = 0;
	return loose_put(&c->loose_assigns, node, task,
			 &(struct c_loose){.rev = kv->mod_revision, .bad = !j, .stopped = stopped});
}

static int status(struct cluster *c, const char *name, cJSON *j, int deleted)
{
	char node[REL_MAX], task[REL_MAX];
	if (!split_pair(name, node, task))
		return 0;
	struct c_task *t = hmap_get(&c->tasks, task);
	int mine = t && t->node && strcmp(t->node->name, node) == 0;
	loose_free(loose_take(&c->loose_statuses, node, task));
	if (mine) {
		free(t->stop_reason);
		t->stop_reason = NULL;
		t->status = ST_NONE;
		t->unhealthy = 0;
	}
	if (deleted || !j)
		return 0;
	enum c_status st = status_of(json_record_str(j, "status"));
	char *why = dup_or_null(json_record_str(j, "stoppedReason"));
	int unhealthy = strcmp(json_record_str(j, "healthStatus"), "UNHEALTHY") == 0;
	if (mine) {
		t->status = st;
		t->stop_reason = why;
		t->unhealthy = unhealthy;
		return 0;
	}
	return loose_put(
	    &c->loose_statuses, node, task,
	    &(struct c_loose){.status = st, .stop_reason = why, .unhealthy = unhealthy});
}

/* ---- tasks ---- */

static int set_sym(struct hmap *tab, struct sym **slot, const char *name)
{
	struct sym *s = *name ? sym_get(tab, name) : NULL;
	if (*name && !s)
		return -1;
	sym_put(tab, *slot);
	*slot = s;
	return 0;
}

static void task_free(struct cluster *c, struct c_task *t)
{
	sym_put(&c->taskdef_syms, t->taskdef);
	sym_put(&c->service_syms, t->service);
	sym_put(&c->node_syms, t->node);
	free(t->stop_reason);
	free(t->rec);
	free(t->id);
	free(t);
}

static int task_delete(struct cluster *c, const char *id)
{
	struct c_task *t = hmap_del(&c->tasks, id);
	if (!t)
		return 0;
	int rc = detach(c, t);
	task_free(c, t);
	return rc;
}

static struct c_task *task_get(struct cluster *c, const char *id)
{
	struct c_task *t = hmap_get(&c->tasks, id);
	if (t)
		return t;
	if (!(t = calloc(1, sizeof *t)) || !(t->id = strdup(id)) ||
	    hmap_put(&c->tasks, t->id, t) < 0) {
		if (t)
			free(t->id);
		free(t);
		return NULL;
	}
	return t;
}

static int task_record(struct cluster *c, const char *id, const struct etcd_kv *kv, cJSON *j)
{
	if (!j)
		return task_delete(c, id);
	struct c_task *t = task_get(c, id);
	char *rec = malloc(kv->value_len + 1);
	if (!t || !rec) {
		free(rec);
		return -1;
	}
	memcpy(rec, kv->value, kv->value_len + 1);
	free(t->rec);
	t->rec = rec;
	t->rec_len = kv->value_len;
	t->rev = kv->mod_revision;
	t->stopped = strcmp(json_record_str(j, "desiredStatus"), "STOPPED") == 0;
	t->created = parse_time(json_record_str(j, "createdAt"));
	t->stopped_at = parse_time(json_record_str(j, "stoppedAt"));
	const char *node = json_record_str(j, "node");
	int moved = strcmp(t->node ? t->node->name : "", node) != 0;
	if ((moved && detach(c, t) < 0) ||
	    set_sym(&c->taskdef_syms, &t->taskdef, json_record_str(j, "taskDefinition")) < 0 ||
	    set_sym(&c->service_syms, &t->service, json_record_str(j, "service")) < 0 ||
	    (moved && set_sym(&c->node_syms, &t->node, node) < 0))
		return -1;
	if (moved)
		attach(c, t);
	return 0;
}

int c_task_active(const struct c_task *t)
{
	if (!t->stopped)
		return 1;
	return t->node && t->status != ST_STOPPED && t->assign_rev;
}

/* ---- services and task definitions ---- */

static int service_record(struct cluster *c, const char *name, const struct etcd_kv *kv, cJSON *j)
{
	struct sym *s = sym_get(&c->service_syms, name);
	if (!s)
		return -1;
	struct c_service *v = s->obj;
	if (!j) {
		if (v) {
			cJSON_Delete(v->rec);
			free(v->tasks);
			free(v);
			s->obj = NULL;
			sym_put(&c->service_syms, s); /* the record's own reference */
		}
		sym_put(&c->service_syms, s);
		return 0;
	}
	if (!v) {
		if (!(v = calloc(1, sizeof *v))) {
			sym_put(&c->service_syms, s);
			return -1;
		}
		v->name = s;
		s->obj = v;
	} else {
		sym_put(&c->service_syms, s);
	}
	cJSON_Delete(v->rec);
	v->rec = j;
	v->rev = kv->mod_revision;
	return 1; /* j is kept */
}

static int count_one(void *ctx, const struct td_secret_ref *ref)
{
	(*(size_t *)ctx)++;
	return 0;
}

static size_t count_secrets(const cJSON *td)
{
	struct taskdef *def = NULL;
	size_t n = 0;
	if (taskdef_from_json(td, &def, NULL, NULL) == 0)
		taskdef_each_secret(def, count_one, &n);
	taskdef_free(def);
	return n;
}

/* ---- secrets ---- */

static void secret_free(struct c_secret *x)
{
	if (!x)
		return;
	free(x->name);
	free(x->value);
	free(x);
}

static int secret_record(struct cluster *c, const char *name, cJSON *j)
{
	secret_free(hmap_del(&c->secrets, name));
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
	if (!j || !cJSON_IsString(v))
		return 0;
	struct c_secret *x = calloc(1, sizeof *x);
	if (!x || !(x->name = strdup(name)) || !(x->value = strdup(v->valuestring)) ||
	    hmap_put(&c->secrets, x->name, x) < 0) {
		secret_free(x);
		return -1;
	}
	return 0;
}

const char *cluster_secret(void *ctx, const char *name)
{
	const struct c_secret *x = hmap_get(&((struct cluster *)ctx)->secrets, name);
	return x ? x->value : NULL;
}

static int taskdef_record(struct cluster *c, const char *name, cJSON *j)
{
	char ref[REL_MAX];
	snprintf(ref, sizeof ref, "%s", name);
	char *slash = strchr(ref, '/');
	if (!slash || strchr(slash + 1, '/'))
		return 0;
	*slash = ':';
	struct sym *s = sym_get(&c->taskdef_syms, ref);
	if (!s)
		return -1;
	struct c_taskdef *d = s->obj;
	if (d) {
		cJSON_Delete(d->rec);
		free(d->text);
		free(d);
		s->obj = NULL;
		sym_put(&c->taskdef_syms, s);
	}
	if (!j) {
		sym_put(&c->taskdef_syms, s);
		return 0;
	}
	if (!(d = calloc(1, sizeof *d)) || !(d->text = cJSON_PrintUnformatted(j))) {
		free(d);
		sym_put(&c->taskdef_syms, s);
		return -1;
	}
	d->ref = s;
	d->rec = j;
	taskdef_record_resources(j, &d->cpu, &d->memory);
	d->nsecrets = count_secrets(j);
	s->obj = d;
	return 1;
}

/* ---- events ---- */

static int leader_key(struct cluster *c, const struct etcd_kv *kv, int deleted)
{
	c->leader_create_rev = deleted ? 0 : kv->create_revision;
	c->leader_lease = deleted ? 0 : kv->lease;
	return 0;
}

/* Kept as JSON: rollout_drive.c reads it into a struct rollout. */
static int rollout_key(struct cluster *c, const struct etcd_kv *kv, cJSON *j)
{
	cJSON_Delete(c->rollout);
	c->rollout = j;
	c->rollout_rev = j ? kv->mod_revision : 0;
	return j ? 1 : 0;
}

/* Returns 1 when it kept j, 0 when not, -1 when out of memory. */
static int apply(struct cluster *c, const char *rel, const struct etcd_kv *kv, cJSON *j,
		 int deleted)
{
	const char *slash = strchr(rel, '/');
	if (!slash)
		return 0;
	const char *name = slash + 1;
	size_t kind = (size_t)(slash - rel);
	int flat = !strchr(name, '/');
#define IS(s) (kind == sizeof s - 1 && strncmp(rel, s, kind) == 0)
	if (IS("leader") && strcmp(name, "scheduler") == 0)
		return leader_key(c, kv, deleted);
	if (IS("rollout") && strcmp(name, "current") == 0)
		return rollout_key(c, kv, j);
	if (IS("assign"))
		return assignment(c, name, kv, j, deleted);
	if (!j && !deleted)
		return 0; /* not JSON: ignored, as when it is absent */
	if (IS("status"))
		return status(c, name, j, deleted);
	if (IS("taskdefs"))
		return taskdef_record(c, name, j);
	if (IS("secrets")) /* names may hold slashes: "app/db-pass" */
		return secret_record(c, name, j);
	if (!flat)
		return 0;
	if (IS("nodes"))
		return node_record(c, name, kv, j);
	if (IS("nodemeta"))
		return node_meta(c, name, kv, j);
	if (IS("tasks"))
		return task_record(c, name, kv, j);
	if (IS("services"))
		return service_record(c, name, kv, j);
	return 0;
#undef IS
}

int cluster_apply(struct cluster *c, const struct etcd_kv *kv, int deleted)
{
	if (strncmp(kv->key, c->prefix, c->plen) != 0)
		return 0;
	if (kv->mod_revision > c->revision)
		c->revision = kv->mod_revision;
	cJSON *j = deleted ? NULL : cJSON_ParseWithLength(kv->value, kv->value_len);
	int rc = apply(c, kv->key + c->plen, kv, j, deleted);
	if (rc <= 0)
		cJSON_Delete(j);
	return rc < 0 ? -1 : 0;
}

/* ---- life cycle ---- */

void cluster_init(struct cluster *c, const char *prefix)
{
	memset(c, 0, sizeof *c);
	snprintf(c->prefix, sizeof c->prefix, "%s", prefix);
	c->plen = strlen(c->prefix);
}

static void free_loose(struct hmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			loose_free(m->slots[i].val);
	hmap_free(m);
}

/* Frees every record of one table of names, then the names. */
static void free_syms(struct hmap *m, void (*free_obj)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		struct sym *s = m->slots[i].val;
		if (!m->slots[i].key)
			continue;
		if (s->obj)
			free_obj(s->obj);
		free(s->name);
		free(s);
	}
	hmap_free(m);
}

static void free_node(void *p)
{
	cJSON_Delete(((struct c_node *)p)->os);
	cJSON_Delete(((struct c_node *)p)->labels);
	cJSON_Delete(((struct c_node *)p)->attributes);
	free(p);
}

static void free_service(void *p)
{
	cJSON_Delete(((struct c_service *)p)->rec);
	free(((struct c_service *)p)->tasks);
	free(p);
}

static void free_taskdef(void *p)
{
	cJSON_Delete(((struct c_taskdef *)p)->rec);
	free(((struct c_taskdef *)p)->text);
	free(p);
}

void cluster_clear(struct cluster *c)
{
	for (size_t i = 0; i < c->tasks.cap; i++) {
		struct c_task *t = c->tasks.slots[i].val;
		if (!c->tasks.slots[i].key)
			continue;
		free(t->stop_reason);
		free(t->rec);
		free(t->id);
		free(t);
	}
	hmap_free(&c->tasks);
	free_loose(&c->loose_assigns);
	free_loose(&c->loose_statuses);
	for (size_t i = 0; i < c->secrets.cap; i++)
		if (c->secrets.slots[i].key)
			secret_free(c->secrets.slots[i].val);
	hmap_free(&c->secrets);
	free_syms(&c->node_syms, free_node);
	free_syms(&c->service_syms, free_service);
	free_syms(&c->taskdef_syms, free_taskdef);
	c->nnodes = 0;
	c->leader_create_rev = c->leader_lease = 0;
	cJSON_Delete(c->rollout);
	c->rollout = NULL;
	c->rollout_rev = 0;
	c->revision = 0;
	c->ready = 0;
}

void cluster_free(struct cluster *c)
{
	cluster_clear(c);
}
