/* Guarded writes of task records and assignments, and the records themselves. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "taskdef.h"
#include "tasks.h"
#include "clock.h"

struct txn {
	struct etcd_cmp cmp[4];
	size_t ncmp;
	struct etcd_op ops[4];
	size_t nops;
	char keys[4][KEY_MAX];
	char *values[4];
	char fence_key[KEY_MAX];
};

static void txn_free(struct txn *t)
{
	for (size_t i = 0; i < 4; i++)
		free(t->values[i]);
}

static void fence(struct ctl *c, struct txn *t, int64_t fence_rev)
{
	if (!fence_rev)
		return;
	t->cmp[t->ncmp++] = (struct etcd_cmp){.key = ctl_key(c, t->fence_key, "leader/scheduler"),
					      .target = ETCD_CMP_CREATE,
					      .result = ETCD_CMP_EQUAL,
					      .number = fence_rev};
}

static char *print_and_free(cJSON *j)
{
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	return s;
}

static void set_str(cJSON *j, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(j, name);
	cJSON_AddStringToObject(j, name, value);
}

char *task_record_new(const char *id, const char *taskdef, const char *service, const char *node)
{
	char now[32];
	cJSON *j = cJSON_CreateObject();
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "taskDefinition", taskdef);
	if (service && *service)
		cJSON_AddStringToObject(j, "service", service);
	cJSON_AddStringToObject(j, "desiredStatus", "RUNNING");
	cJSON_AddStringToObject(j, "createdAt", now);
	if (node)
		cJSON_AddStringToObject(j, "node", node);
	return print_and_free(j);
}

char *task_record_placed(const cJSON *rec, const char *node)
{
	cJSON *j = cJSON_Duplicate(rec, 1);
	if (j)
		set_str(j, "node", node);
	return print_and_free(j);
}

char *task_record_stopped(const cJSON *rec, const char *reason)
{
	char now[32];
	cJSON *j = cJSON_Duplicate(rec, 1);
	if (!j)
		return NULL;
	sk_now_rfc3339(now, sizeof now, 0);
	set_str(j, "desiredStatus", "STOPPED");
	if (!*json_record_str(j, "stoppedReason"))
		cJSON_AddStringToObject(j, "stoppedReason", reason);
	if (!*json_record_str(j, "stoppedAt"))
		cJSON_AddStringToObject(j, "stoppedAt", now);
	return print_and_free(j);
}

char *assign_record_new(const char *task, const char *taskdef_json, const cJSON *secrets)
{
	char *s = NULL;
	SK_AUTOFREE char *sec = secrets ? cJSON_PrintUnformatted(secrets) : NULL;
	if ((secrets && !sec) ||
	    asprintf(&s,
		     "{\"task\":\"%s\",\"taskDefinition\":%s,\"desiredStatus\":\"RUNNING\"%s%s}",
		     task, taskdef_json, sec ? ",\"secrets\":" : "", sec ? sec : "") < 0)
		return NULL;
	return s;
}

char *assign_record_stopped(const cJSON *assign)
{
	cJSON *a = cJSON_Duplicate(assign, 1);
	if (a)
		set_str(a, "desiredStatus", "STOPPED");
	return print_and_free(a);
}

/* Adds a put of value (taken over; NULL: out of memory). */
static int put(struct txn *t, const char *key, char *value)
{
	size_t i = t->nops;
	if (!(t->values[i] = value))
		return -1;
	snprintf(t->keys[i], KEY_MAX, "%s", key);
	t->ops[t->nops++] =
	    (struct etcd_op){.type = ETCD_OP_PUT, .key = t->keys[i], .value = t->values[i]};
	return 0;
}

static void del(struct txn *t, const char *key)
{
	size_t i = t->nops;
	snprintf(t->keys[i], KEY_MAX, "%s", key);
	t->ops[t->nops++] = (struct etcd_op){.type = ETCD_OP_DELETE, .key = t->keys[i]};
}

/* Runs the txn: the revision it made, 0 when a compare failed. */
static int64_t run(struct ctl *c, struct txn *t, struct sk_err *err)
{
	struct etcd_txn_resp r;
	int rc = etcd_txn(c->etcd, t->cmp, t->ncmp, t->ops, t->nops, NULL, 0, &r, err);
	txn_free(t);
	if (rc < 0)
		return rc;
	int64_t rev = rc ? r.revision : 0;
	etcd_txn_resp_free(&r);
	return rev;
}

int64_t task_create(struct ctl *c, const char *taskdef, const char *service, int64_t fence_rev,
		    char id[33], struct sk_err *err)
{
	struct txn t = {0};
	char key[KEY_MAX];
	ctl_random_id(id, 33);
	ctl_key(c, key, "tasks/%s", id);
	t.cmp[t.ncmp++] = (struct etcd_cmp){
	    .key = t.keys[0], .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, .number = 0};
	fence(c, &t, fence_rev);
	if (put(&t, key, task_record_new(id, taskdef, service, NULL)) < 0)
		return txn_free(&t), sk_fail(err, ENOMEM, "create task");
	return run(c, &t, err);
}

int64_t task_stop(struct ctl *c, const struct m_task *mt, const char *reason, int drop_assign,
		  int64_t fence_rev, struct sk_err *err)
{
	struct txn t = {0};
	char key[KEY_MAX];
	if (put(&t, ctl_key(c, key, "tasks/%s", mt->id), task_record_stopped(mt->rec, reason)) < 0)
		return txn_free(&t), sk_fail(err, ENOMEM, "stop task");
	t.cmp[t.ncmp++] = (struct etcd_cmp){
	    .key = t.keys[0], .target = ETCD_CMP_MOD, .result = ETCD_CMP_EQUAL, .number = mt->rev};
	fence(c, &t, fence_rev);
	if (*mt->node && mt->assign) {
		ctl_key(c, key, "assign/%s/%s", mt->node, mt->id);
		if (drop_assign)
			del(&t, key);
		else if (put(&t, key, assign_record_stopped(mt->assign)) < 0)
			return txn_free(&t), sk_fail(err, ENOMEM, "stop task");
	}
	return run(c, &t, err);
}

struct secret_ctx {
	const char *(*lookup)(void *ctx, const char *name);
	void *ctx;
	cJSON *out;
	char *missing;
	size_t size;
};

static int add_secret(void *ctx, const struct td_secret_ref *ref)
{
	struct secret_ctx *s = ctx;
	const char *v = s->lookup(s->ctx, ref->name);

	if (!v) {
		snprintf(s->missing, s->size, "%s", ref->name);
		return -1;
	}
	if (!s->out)
		s->out = cJSON_CreateObject();
	cJSON_AddStringToObject(s->out, ref->name, v);
	return 0;
}

int task_secrets_from(const cJSON *td, const char *(*lookup)(void *ctx, const char *name),
		      void *ctx, cJSON **out, char *missing, size_t size)
{
	struct secret_ctx s = {lookup, ctx, NULL, missing, size};
	struct taskdef *def = NULL;
	int rc = 0;

	*out = NULL;
	missing[0] = '\0';
	if (taskdef_from_json(td, &def, NULL, NULL) == 0)
		rc = taskdef_each_secret(def, add_secret, &s);
	taskdef_free(def);
	if (rc < 0) {
		cJSON_Delete(s.out);
		return -1;
	}
	*out = s.out;
	return 0;
}

static const char *model_lookup(void *m, const char *name)
{
	return model_secret(m, name);
}

int task_secrets(const struct model *m, const cJSON *td, cJSON **out, char *missing, size_t size)
{
	return task_secrets_from(td, model_lookup, (void *)m, out, missing, size);
}

int64_t task_place(struct ctl *c, const struct m_task *mt, const struct m_node *n,
		   const cJSON *secrets, int64_t fence_rev, struct sk_err *err)
{
	struct txn t = {0};
	char key[KEY_MAX], akey[KEY_MAX], nkey[KEY_MAX];
	SK_AUTOFREE char *td = cJSON_PrintUnformatted(mt->td);
	ctl_key(c, akey, "assign/%s/%s", n->id, mt->id);
	t.cmp[t.ncmp++] = (struct etcd_cmp){.key = ctl_key(c, key, "tasks/%s", mt->id),
					    .target = ETCD_CMP_MOD,
					    .result = ETCD_CMP_EQUAL,
					    .number = mt->rev};
	t.cmp[t.ncmp++] = (struct etcd_cmp){.key = ctl_key(c, nkey, "nodes/%s", n->id),
					    .target = ETCD_CMP_MOD,
					    .result = ETCD_CMP_EQUAL,
					    .number = n->rev};
	t.cmp[t.ncmp++] = (struct etcd_cmp){
	    .key = akey, .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, .number = 0};
	fence(c, &t, fence_rev);
	if (!td || put(&t, key, task_record_placed(mt->rec, n->id)) < 0 ||
	    put(&t, akey, assign_record_new(mt->id, td, secrets)) < 0)
		return txn_free(&t), sk_fail(err, ENOMEM, "place task");
	return run(c, &t, err);
}

int64_t key_delete_if(struct ctl *c, const char *key, int64_t rev, int64_t fence_rev,
		      struct sk_err *err)
{
	struct txn t = {0};
	del(&t, key);
	if (rev)
		t.cmp[t.ncmp++] = (struct etcd_cmp){.key = t.keys[0],
						    .target = ETCD_CMP_MOD,
						    .result = ETCD_CMP_EQUAL,
						    .number = rev};
	fence(c, &t, fence_rev);
	return run(c, &t, err);
}
