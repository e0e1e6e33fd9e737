/* Leases: grant, keepalive (one POST per renewal), revoke, time to live. */
#include <errno.h>

#include "etcd_internal.h"

static int lease_call(struct etcd *e, const char *path, cJSON *body, cJSON **ans,
		      struct sk_err *err)
{
	int rc = body ? etcd_call(e, path, body, ans, err) : sk_fail(err, ENOMEM, "%s", path);
	cJSON_Delete(body);
	return rc;
}

static cJSON *id_body(int64_t id)
{
	cJSON *j = cJSON_CreateObject();
	if (j && etcd_json_add_i64(j, "ID", id) < 0) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t id, int64_t *out_id, int64_t *out_ttl,
		     struct sk_err *err)
{
	cJSON *body = id_body(id), *ans = NULL;
	if (body && etcd_json_add_i64(body, "TTL", ttl) < 0) {
		cJSON_Delete(body);
		body = NULL;
	}
	int rc = lease_call(e, "/v3/lease/grant", body, &ans, err);
	if (rc < 0)
		return sk_wrap(err, "grant lease"), rc;
	int64_t got = etcd_json_i64(ans, "ID");
	if (out_ttl)
		*out_ttl = etcd_json_i64(ans, "TTL");
	cJSON_Delete(ans);
	if (!got)
		return sk_fail(err, 0, "grant lease: no ID in the answer");
	if (out_id)
		*out_id = got;
	return 0;
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl, struct sk_err *err)
{
	cJSON *ans = NULL;
	int rc = lease_call(e, "/v3/lease/keepalive", id_body(id), &ans, err);
	if (rc < 0)
		return sk_wrap(err, "keep lease %llx alive", (long long)id);
	/* a dead lease answers without TTL (zero values are omitted) */
	int64_t t = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(ans, "result"), "TTL");
	cJSON_Delete(ans);
	if (t <= 0)
		return sk_failc(err, SK_ERR_GONE, 0, "lease %llx expired", (long long)id);
	if (ttl)
		*ttl = t;
	return 0;
}

int etcd_lease_revoke(struct etcd *e, int64_t id, struct sk_err *err)
{
	cJSON *ans = NULL;
	int rc = lease_call(e, "/v3/lease/revoke", id_body(id), &ans, err);
	cJSON_Delete(ans);
	if (rc < 0)
		return sk_wrap(err, "revoke lease %llx", (long long)id);
	return 0;
}

int etcd_lease_timetolive(struct etcd *e, int64_t id, int64_t *ttl, int64_t *granted,
			  struct sk_err *err)
{
	cJSON *ans = NULL;
	int rc = lease_call(e, "/v3/lease/timetolive", id_body(id), &ans, err);
	if (rc < 0)
		return sk_wrap(err, "lease %llx", (long long)id);
	int64_t t = etcd_json_i64(ans, "TTL");
	if (granted)
		*granted = etcd_json_i64(ans, "grantedTTL");
	cJSON_Delete(ans);
	if (t < 0 || (t == 0 && !(granted && *granted)))
		return sk_failc(err, SK_ERR_GONE, 0, "lease %llx not found", (long long)id);
	if (ttl)
		*ttl = t;
	return 0;
}
