/* Guarded writes of task records and assignments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "tasks.h"

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

static int put(struct txn *t, const char *key, cJSON *value)
{
	size_t i = t->nops;
	t->values[i] = cJSON_PrintUnformatted(value);
	cJSON_Delete(value);
	if (!t->values[i])
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
	char key[KEY_MAX], now[32];
	ctl_random_id(id, 33);
	ctl_now_rfc3339(now, sizeof now);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "taskDefinition", taskdef);
	if (service && *service)
		cJSON_AddStringToObject(j, "service", service);
	cJSON_AddStringToObject(j, "desiredStatus", "RUNNING");
	cJSON_AddStringToObject(j, "createdAt", now);
	ctl_key(c, key, "tasks/%s", id);
	t.cmp[t.ncmp++] = (struct etcd_cmp){
	    .key = t.keys[0], .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL, .number = 0};
	fence(c, &t, fence_rev);
	if (put(&t, key, j) < 0)
		return txn_free(&t), sk_fail(err, ENOMEM, "create task");
	return run(c, &t, err);
}

int64_t task_stop(struct ctl *c, const struct m_task *mt, const char *reason, int drop_assign,
		  int64_t fence_rev, struct sk_err *err)
{
	struct txn t = {0};
	char key[KEY_MAX], now[32];
	ctl_now_rfc3339(now, sizeof now);
	cJSON *j = cJSON_Duplicate(mt->rec, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "desiredStatus");
	cJSON_AddStringToObject(j, "desiredStatus", "STOPPED");
	if (!*json_str(j, "stoppedReason"))
		cJSON_AddStringToObject(j, "stoppedReason", reason);
	if (!*json_str(j, "stoppedAt"))
		cJSON_AddStringToObject(j, "stoppedAt", now);
	if (put(&t, ctl_key(c, key, "tasks/%s", mt->id), j) < 0)
		return txn_free(&t), sk_fail(err, ENOMEM, "stop task");
	t.cmp[t.ncmp++] = (struct etcd_cmp){
	    .key = t.keys[0], .target = ETCD_CMP_MOD, .result = ETCD_CMP_EQUAL, .number = mt->rev};
	fence(c, &t, fence_rev);
	if (*mt->node && mt->assign) {
		ctl_key(c, key, "assign/%s/%s", mt->node, mt->id);
		if (drop_assign) {
			del(&t, key);
		} else {
			cJSON *a = cJSON_Duplicate(mt->assign, 1);
			cJSON_DeleteItemFromObjectCaseSensitive(a, "desiredStatus");
			cJSON_AddStringToObject(a, "desiredStatus", "STOPPED");
			if (put(&t, key, a) < 0)
				return txn_free(&t), sk_fail(err, ENOMEM, "stop task");
		}
	}
	return run(c, &t, err);
}

struct secret_ctx {
	const struct model *m;
	cJSON *out;
	char *missing;
	size_t size;
};

static int add_secret(void *ctx, const struct td_secret_ref *ref)
{
	struct secret_ctx *s = ctx;
	const char *v = model_secret(s->m, ref->name);

	if (!v) {
		snprintf(s->missing, s->size, "%s", ref->name);
		return -1;
	}
	if (!s->out)
		s->out = cJSON_CreateObject();
	cJSON_AddStringToObject(s->out, ref->name, v);
	return 0;
}

int task_secrets(const struct model *m, const cJSON *td, cJSON **out, char *missing, size_t size)
{
	struct secret_ctx s = {m, NULL, missing, size};
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

int64_t task_place(struct ctl *c, const struct m_task *mt, const struct m_node *n,
		   const cJSON *secrets, int64_t fence_rev, struct sk_err *err)
{
	struct txn t = {0};
	char key[KEY_MAX], akey[KEY_MAX], nkey[KEY_MAX];
	cJSON *j = cJSON_Duplicate(mt->rec, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "node");
	cJSON_AddStringToObject(j, "node", n->id);
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "task", mt->id);
	cJSON_AddItemToObject(a, "taskDefinition", cJSON_Duplicate(mt->td, 1));
	cJSON_AddStringToObject(a, "desiredStatus", "RUNNING");
	if (secrets)
		cJSON_AddItemToObject(a, "secrets", cJSON_Duplicate(secrets, 1));
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
	if (put(&t, key, j) < 0 || put(&t, akey, a) < 0)
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
