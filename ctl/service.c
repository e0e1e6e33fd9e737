/* Service records: their creation, the guarded read-modify-write that
 * updates and drains them, and their view with the tasks of the model. */
#include "service.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "lookup.h"

#define MODIFY_TRIES 10

int service_name_check(const char *name, struct sk_err *err)
{
	for (const char *p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return ctl_usage_error(err, "service name `%s`: letters, digits, - and _",
					       name);
	return 0;
}

static char *record(const struct service_spec *s, const char *ref)
{
	char now[32];
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", s->name);
	cJSON_AddStringToObject(j, "taskDefinition", ref);
	cJSON_AddNumberToObject(j, "desiredCount", (double)s->desired);
	cJSON *a = cJSON_AddArrayToObject(j, "placementStrategy");
	for (size_t i = 0; i < s->nstrats; i++)
		cJSON_AddItemToArray(a, strategy_to_json(&s->strats[i]));
	cJSON *k = cJSON_AddArrayToObject(j, "placementConstraints");
	for (size_t i = 0; i < s->ncons; i++)
		cJSON_AddItemToArray(k, constraint_to_json(&s->cons[i]));
	cJSON_AddStringToObject(j, "status", "ACTIVE");
	cJSON_AddStringToObject(j, "createdAt", now);
	char *v = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return v;
}

/* The task definition S names, as "family:rev" in ref_out. */
static int resolve(struct ctl *c, const char *taskdef, char *ref_out, struct sk_err *err)
{
	cJSON *td;
	int rc = ctl_resolve_taskdef(c, taskdef, 0, ref_out, &td, err);
	if (rc < 0)
		return rc;
	cJSON_Delete(td);
	return 0;
}

int service_create(struct ctl *c, const struct service_spec *s, char *ref_out, struct sk_err *err)
{
	char key[KEY_MAX];
	int rc = resolve(c, s->taskdef, ref_out, err);
	if (rc < 0)
		return rc;
	char *v = record(s, ref_out);
	ctl_key(c, key, "services/%s", s->name);
	struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = v};
	rc = etcd_txn(c->etcd, &cmp, 1, &put, 1, NULL, 0, NULL, err);
	free(v);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return sk_fail(err, 0, "service %s: already exists", s->name);
	return 0;
}

/* What a change sets on the record: the count (deleting: 0), the task
 * definition (NULL: kept), the status (NULL: kept). */
struct change {
	int has_desired;
	long desired;
	const char *ref, *status;
};

static char *changed(cJSON *j, const struct change *ch)
{
	if (ch->has_desired)
		cJSON_ReplaceItemInObjectCaseSensitive(j, "desiredCount",
						       cJSON_CreateNumber((double)ch->desired));
	if (ch->ref)
		cJSON_ReplaceItemInObjectCaseSensitive(j, "taskDefinition",
						       cJSON_CreateString(ch->ref));
	if (ch->status)
		cJSON_ReplaceItemInObjectCaseSensitive(j, "status", cJSON_CreateString(ch->status));
	char *v = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return v;
}

/* Read-modify-write of a service record guarded by its mod revision. */
static int modify(struct ctl *c, const char *name, const struct change *ch, struct sk_err *err)
{
	char key[KEY_MAX];
	ctl_key(c, key, "services/%s", name);
	for (int attempt = 0; attempt < MODIFY_TRIES; attempt++) {
		cJSON *j;
		int64_t rev;
		int rc = ctl_get_json(c, key, &j, &rev, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return sk_failc(err, SK_ERR_NOTFOUND, 0, "service %s: not found", name);
		char *v = changed(j, ch);
		struct etcd_cmp cmp = {
		    .key = key, .target = ETCD_CMP_MOD, .result = ETCD_CMP_EQUAL, .number = rev};
		struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = v};
		rc = etcd_txn(c->etcd, &cmp, 1, &put, 1, NULL, 0, NULL, err);
		free(v);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	return sk_fail(err, 0, "service %s: changed too often, try again", name);
}

int service_update(struct ctl *c, const struct service_spec *s, struct sk_err *err)
{
	char ref[FAMILY_MAX + 24];
	struct change ch = {.has_desired = s->has_desired, .desired = s->desired};
	int rc = ctl_connect(c, err);
	if (rc < 0)
		return rc;
	if (s->taskdef && (rc = resolve(c, s->taskdef, ref, err)) < 0)
		return rc;
	ch.ref = s->taskdef ? ref : NULL;
	return modify(c, s->name, &ch, err);
}

int service_drain(struct ctl *c, const char *name, struct sk_err *err)
{
	struct change ch = {.has_desired = 1, .desired = 0, .status = "DRAINING"};
	int rc = ctl_connect(c, err);
	if (rc < 0)
		return rc;
	return modify(c, name, &ch, err);
}

int service_wait_gone(struct ctl *c, const char *name, int timeout_ms, struct sk_err *err)
{
	char key[KEY_MAX];
	ctl_key(c, key, "services/%s", name);
	for (int waited = 0; waited < timeout_ms; waited += 100) {
		struct etcd_kv kv;
		int rc = etcd_get(c->etcd, key, &kv, NULL, err);
		if (rc < 0)
			return rc;
		etcd_kv_clear(&kv);
		if (rc == 0)
			return 1;
		usleep(100000);
	}
	return 0;
}

cJSON *service_json(const struct model *m, const struct m_service *s, int *running, int *pending)
{
	cJSON *j = cJSON_Duplicate(s->rec, 1), *ids = cJSON_CreateArray();
	*running = *pending = 0;
	for (size_t i = 0; i < m->ntasks; i++) {
		const struct m_task *t = &m->tasks[i];
		if (strcmp(t->service, s->name) != 0 || !model_task_active(t))
			continue;
		cJSON_AddItemToArray(ids, cJSON_CreateString(t->id));
		if (strcmp(t->desired, "RUNNING") != 0)
			continue; /* being stopped */
		if (strcmp(t->last_status, "RUNNING") == 0)
			++*running;
		else
			++*pending;
	}
	cJSON_AddNumberToObject(j, "runningCount", *running);
	cJSON_AddNumberToObject(j, "pendingCount", *pending);
	cJSON_AddItemToObject(j, "tasks", ids);
	return j;
}
