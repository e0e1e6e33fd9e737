/* Builds the in-memory model of a cluster from its keys. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "model.h"
#include "taskdef.h"

static int grow(void **arr, size_t n, size_t size)
{
	if (n & (n - 1) && n) /* grow at powers of two */
		return 0;
	void *p = realloc(*arr, (n ? n * 2 : 8) * size);
	if (!p)
		return -1;
	*arr = p;
	return 0;
}

static struct m_node *node_add(struct model *m, const char *id)
{
	struct m_node *x = model_node(m, id);
	if (x)
		return x;
	if (grow((void **)&m->nodes, m->nnodes, sizeof *m->nodes) < 0)
		return NULL;
	x = &m->nodes[m->nnodes++];
	memset(x, 0, sizeof *x);
	x->id = strdup(id);
	return x;
}

static int add_orphan(struct model *m, const char *key, int64_t rev)
{
	if (grow((void **)&m->orphans, m->norphans, sizeof *m->orphans) < 0)
		return -1;
	m->orphans[m->norphans].key = strdup(key);
	m->orphans[m->norphans++].rev = rev;
	return 0;
}

static int take(struct model *m, const char *rel, const struct etcd_kv *kv, cJSON *j)
{
	const char *slash = strchr(rel, '/');
	if (!slash)
		return 0;
	const char *name = slash + 1;
	size_t kind = (size_t)(slash - rel);
#define IS(s) (kind == strlen(s) && strncmp(rel, s, kind) == 0)
	if (IS("nodes") && !strchr(name, '/')) {
		struct m_node *n = node_add(m, name);
		if (!n)
			return -1;
		n->rec = j, n->rev = kv->mod_revision;
		return 1;
	}
	if (IS("nodemeta") && !strchr(name, '/')) {
		struct m_node *n = node_add(m, name);
		if (!n)
			return -1;
		n->meta = j, n->meta_rev = kv->mod_revision;
		return 1;
	}
	if (IS("tasks") && !strchr(name, '/')) {
		if (grow((void **)&m->tasks, m->ntasks, sizeof *m->tasks) < 0)
			return -1;
		struct m_task *t = &m->tasks[m->ntasks++];
		memset(t, 0, sizeof *t);
		t->id = strdup(name), t->rec = j, t->rev = kv->mod_revision;
		return 1;
	}
	if (IS("services") && !strchr(name, '/')) {
		if (grow((void **)&m->services, m->nservices, sizeof *m->services) < 0)
			return -1;
		struct m_service *s = &m->services[m->nservices++];
		s->name = strdup(name), s->rec = j, s->rev = kv->mod_revision;
		return 1;
	}
	if (IS("secrets")) {
		if (grow((void **)&m->secrets, m->nsecrets, sizeof *m->secrets) < 0)
			return -1;
		struct m_secret *s = &m->secrets[m->nsecrets++];
		s->name = strdup(name), s->rec = j;
		return 1;
	}
	if (IS("taskdefs")) {
		if (grow((void **)&m->taskdefs, m->ntaskdefs, sizeof *m->taskdefs) < 0)
			return -1;
		struct m_taskdef *d = &m->taskdefs[m->ntaskdefs++];
		d->ref = strdup(name), d->rec = j;
		char *s = strchr(d->ref, '/');
		if (s)
			*s = ':';
		return 1;
	}
	return 0;
#undef IS
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct m_node *)a)->id, ((const struct m_node *)b)->id);
}
static int cmp_task(const void *a, const void *b)
{
	return strcmp(((const struct m_task *)a)->id, ((const struct m_task *)b)->id);
}
static int cmp_service(const void *a, const void *b)
{
	return strcmp(((const struct m_service *)a)->name, ((const struct m_service *)b)->name);
}
static int cmp_secret(const void *a, const void *b)
{
	return strcmp(((const struct m_secret *)a)->name, ((const struct m_secret *)b)->name);
}
static int cmp_taskdef(const void *a, const void *b)
{
	return strcmp(((const struct m_taskdef *)a)->ref, ((const struct m_taskdef *)b)->ref);
}

struct m_node *model_node(const struct model *m, const char *id)
{
	for (size_t i = 0; i < m->nnodes; i++) /* small; also used while unsorted */
		if (strcmp(m->nodes[i].id, id) == 0)
			return &m->nodes[i];
	return NULL;
}

struct m_task *model_task(const struct model *m, const char *id)
{
	struct m_task key = {.id = (char *)id};
	return m->tasks ? bsearch(&key, m->tasks, m->ntasks, sizeof key, cmp_task) : NULL;
}

struct m_service *model_service(const struct model *m, const char *name)
{
	struct m_service key = {.name = (char *)name};
	return m->services ? bsearch(&key, m->services, m->nservices, sizeof key, cmp_service)
			   : NULL;
}

const cJSON *model_taskdef(const struct model *m, const char *ref)
{
	struct m_taskdef key = {.ref = (char *)ref};
	struct m_taskdef *d =
	    m->taskdefs ? bsearch(&key, m->taskdefs, m->ntaskdefs, sizeof key, cmp_taskdef) : NULL;
	return d ? d->rec : NULL;
}

const char *model_secret(const struct model *m, const char *name)
{
	struct m_secret key = {.name = (char *)name};
	struct m_secret *s =
	    m->secrets ? bsearch(&key, m->secrets, m->nsecrets, sizeof key, cmp_secret) : NULL;
	const cJSON *v = s ? cJSON_GetObjectItemCaseSensitive(s->rec, "value") : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int model_task_active(const struct m_task *t)
{
	if (strcmp(t->desired, "STOPPED") != 0)
		return 1;
	return *t->node && strcmp(t->last_status, "STOPPED") != 0 && t->assign;
}

/* assign/<node>/<task> and status/<node>/<task>, once tasks are sorted. */
static int attach(struct model *m, const char *rel, const struct etcd_kv *kv, cJSON **j)
{
	int is_assign = strncmp(rel, "assign/", 7) == 0;
	if (!is_assign && strncmp(rel, "status/", 7) != 0)
		return 0;
	const char *node = rel + 7, *slash = strchr(node, '/');
	if (!slash)
		return 0;
	struct m_task *t = model_task(m, slash + 1);
	int same = t && strlen(t->node) == (size_t)(slash - node) &&
		   strncmp(t->node, node, slash - node) == 0;
	if (!same)
		return is_assign ? add_orphan(m, kv->key, kv->mod_revision) : 0;
	if (is_assign)
		t->assign = *j, t->assign_rev = kv->mod_revision;
	else
		t->status = *j;
	*j = NULL;
	return 0;
}

/* The most a node is believed to have (1 Ti CPU units or MiB): sums of
 * what tasks reserve on it stay far inside int64_t. */
#define NODE_CAPACITY_MAX (INT64_C(1) << 40)

/* What a node record says it has; a node claiming less than nothing or
 * more than the bound gets nothing placed on it. */
static int64_t capacity(const cJSON *rec, const char *name)
{
	int64_t v = json_record_int(rec, name, 0);
	return v >= 0 && v <= NODE_CAPACITY_MAX ? v : 0;
}

static void derive(struct model *m)
{
	for (size_t i = 0; i < m->nnodes; i++) {
		struct m_node *n = &m->nodes[i];
		n->cpu = capacity(n->rec, "cpu");
		n->memory = capacity(n->rec, "memory");
		n->draining = strcmp(json_record_str(n->meta, "status"), "DRAINING") == 0;
	}
	for (size_t i = 0; i < m->ntasks; i++) {
		struct m_task *t = &m->tasks[i];
		t->taskdef = json_record_str(t->rec, "taskDefinition");
		t->service = json_record_str(t->rec, "service");
		t->node = json_record_str(t->rec, "node");
		t->desired = json_record_str(t->rec, "desiredStatus");
		t->td = model_taskdef(m, t->taskdef);
		if (t->td)
			taskdef_record_resources(t->td, &t->cpu, &t->memory);
	}
}

static void account(struct model *m)
{
	for (size_t i = 0; i < m->ntasks; i++) {
		struct m_task *t = &m->tasks[i];
		t->last_status = json_record_str(t->status, "status");
		struct m_node *n = *t->node ? model_node(m, t->node) : NULL;
		if (!n || !model_task_active(t))
			continue;
		n->used_cpu += t->cpu;
		n->used_mem += t->memory;
		n->ntasks++;
	}
}

int model_build(struct model *m, const char *prefix, const struct etcd_kv *kvs, size_t n,
		int64_t revision, struct sk_err *err)
{
	size_t plen = strlen(prefix);
	memset(m, 0, sizeof *m);
	m->revision = revision;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			const char *rel = kvs[i].key + plen;
			if (strncmp(kvs[i].key, prefix, plen) != 0)
				continue;
			if (pass == 0 && strcmp(rel, "leader/scheduler") == 0) {
				free(m->leader);
				m->leader = strdup(kvs[i].value);
				m->leader_create_rev = kvs[i].create_revision;
				m->leader_lease = kvs[i].lease;
				continue;
			}
			int orphan = strncmp(rel, "assign/", 7) == 0;
			cJSON *j = cJSON_ParseWithLength(kvs[i].value, kvs[i].value_len);
			int rc = 0;
			if (!j && pass == 1 && orphan) /* unreadable assignment: clean it up */
				rc = add_orphan(m, kvs[i].key, kvs[i].mod_revision);
			else if (j)
				rc = pass == 0 ? take(m, rel, &kvs[i], j)
					       : attach(m, rel, &kvs[i], &j);
			if (rc <= 0)
				cJSON_Delete(j);
			if (rc < 0)
				return sk_fail(err, ENOMEM, "cluster model");
		}
		if (pass == 0) {
			if (m->nnodes)
				qsort(m->nodes, m->nnodes, sizeof *m->nodes, cmp_node);
			if (m->ntasks)
				qsort(m->tasks, m->ntasks, sizeof *m->tasks, cmp_task);
			if (m->nservices)
				qsort(m->services, m->nservices, sizeof *m->services, cmp_service);
			if (m->ntaskdefs)
				qsort(m->taskdefs, m->ntaskdefs, sizeof *m->taskdefs, cmp_taskdef);
			if (m->nsecrets)
				qsort(m->secrets, m->nsecrets, sizeof *m->secrets, cmp_secret);
			derive(m);
		}
	}
	account(m);
	return 0;
}

void model_free(struct model *m)
{
	for (size_t i = 0; i < m->nnodes; i++) {
		free(m->nodes[i].id);
		cJSON_Delete(m->nodes[i].rec);
		cJSON_Delete(m->nodes[i].meta);
	}
	for (size_t i = 0; i < m->ntasks; i++) {
		free(m->tasks[i].id);
		cJSON_Delete(m->tasks[i].rec);
		cJSON_Delete(m->tasks[i].assign);
		cJSON_Delete(m->tasks[i].status);
	}
	for (size_t i = 0; i < m->nservices; i++) {
		free(m->services[i].name);
		cJSON_Delete(m->services[i].rec);
	}
	for (size_t i = 0; i < m->ntaskdefs; i++) {
		free(m->taskdefs[i].ref);
		cJSON_Delete(m->taskdefs[i].rec);
	}
	for (size_t i = 0; i < m->nsecrets; i++) {
		free(m->secrets[i].name);
		cJSON_Delete(m->secrets[i].rec);
	}
	free(m->secrets);
	for (size_t i = 0; i < m->norphans; i++)
		free(m->orphans[i].key);
	free(m->nodes);
	free(m->tasks);
	free(m->services);
	free(m->taskdefs);
	free(m->orphans);
	free(m->leader);
	memset(m, 0, sizeof *m);
}
