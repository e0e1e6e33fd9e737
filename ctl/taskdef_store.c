/* Task definition records: revisions are handed out by a create-only
 * transaction on the next free key (revisions are never reused, so the
 * highest stored one, active or not, decides), retried on contention. */
#include "taskdef_store.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "lookup.h"

#define REGISTER_TRIES 20

static void set_field(cJSON *o, const char *key, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddItemToObject(o, key, v);
}

static void stamp(struct ctl *c, cJSON *td)
{
	char now[32];
	sk_now_rfc3339(now, sizeof now, 0);
	set_field(td, "status", cJSON_CreateString("ACTIVE"));
	set_field(td, "registeredAt", cJSON_CreateString(now));
	if (c->opts.user)
		set_field(td, "registeredBy", cJSON_CreateString(c->opts.user));
	else
		cJSON_DeleteItemFromObjectCaseSensitive(td, "registeredBy");
}

/* 1 stored as REV, 0 someone took REV first. */
static int store_as(struct ctl *c, cJSON *td, const char *family, long rev, struct sk_err *err)
{
	char key[KEY_MAX];
	set_field(td, "revision", cJSON_CreateNumber((double)rev));
	char *v = cJSON_PrintUnformatted(td);
	ctl_key(c, key, "taskdefs/%s/%ld", family, rev);
	struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = v};
	int rc = etcd_txn(c->etcd, &cmp, 1, &put, 1, NULL, 0, NULL, err);
	free(v);
	return rc;
}

int taskdef_store_register(struct ctl *c, cJSON *td, long *rev_out, struct sk_err *err)
{
	const char *family = json_record_str(td, "family");
	int rc = ctl_connect(c, err);
	if (rc < 0)
		return rc;
	stamp(c, td);
	for (int attempt = 0; attempt < REGISTER_TRIES; attempt++) {
		long rev = ctl_taskdef_latest(c, family, 0, err);
		if (rev < 0)
			return (int)rev;
		if ((rc = store_as(c, td, family, rev + 1, err)) < 0)
			return rc;
		if (rc == 1) {
			*rev_out = rev + 1;
			return 0;
		}
	}
	return sk_fail(err, 0, "register %s: too much contention", family);
}

int taskdef_store_deregister(struct ctl *c, const char *ref, char *ref_out, struct sk_err *err)
{
	char key[KEY_MAX], family[FAMILY_MAX];
	cJSON *td;
	long rev;
	int rc;
	if (taskdef_parse_ref(ref, family, &rev, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	if (!rev)
		return ctl_usage_error(err, "deregister: give FAMILY:REVISION");
	if ((rc = ctl_resolve_taskdef(c, ref, 1, ref_out, &td, err)) < 0)
		return rc;
	set_field(td, "status", cJSON_CreateString("INACTIVE"));
	rc = ctl_put_json(c, ctl_key(c, key, "taskdefs/%s/%ld", family, rev), td, err);
	cJSON_Delete(td);
	return rc;
}
