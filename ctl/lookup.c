/* Reads of cluster state for the verbs. */
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "taskdef.h"

int ctl_load_model(struct ctl *c, struct model *m, struct sk_err *err)
{
	int rc = ctl_connect(c, err);
	if (rc < 0)
		return rc;
	struct etcd_range_req req = {.key = c->prefix, .prefix = 1};
	struct etcd_range_resp r;
	if ((rc = etcd_range(c->etcd, &req, &r, err)) < 0)
		return rc;
	rc = model_build(m, c->prefix, r.kvs, r.nkvs, r.revision, err);
	etcd_range_resp_free(&r);
	return rc;
}

long ctl_taskdef_latest(struct ctl *c, const char *family, int active_only, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_range_req req = {
	    .key = ctl_key(c, key, "taskdefs/%s/", family), .prefix = 1, .keys_only = !active_only};
	struct etcd_range_resp r;
	int rc = etcd_range(c->etcd, &req, &r, err);
	if (rc < 0)
		return rc;
	long best = 0;
	for (size_t i = 0; i < r.nkvs; i++) {
		long rev = strtol(r.kvs[i].key + strlen(key), NULL, 10);
		if (rev <= best)
			continue;
		cJSON *j = active_only ? cJSON_Parse(r.kvs[i].value) : NULL;
		if (!active_only || strcmp(json_record_str(j, "status"), "INACTIVE") != 0)
			best = rev;
		cJSON_Delete(j);
	}
	etcd_range_resp_free(&r);
	return best;
}

int ctl_resolve_taskdef(struct ctl *c, const char *ref, int allow_inactive, char *ref_out,
			cJSON **td, struct sk_err *err)
{
	char family[FAMILY_MAX], key[KEY_MAX];
	long rev;
	int rc;
	if (taskdef_parse_ref(ref, family, &rev, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	if ((rc = ctl_connect(c, err)) < 0)
		return rc;
	if (!rev && (rev = ctl_taskdef_latest(c, family, 1, err)) < 0)
		return (int)rev;
	if (!rev)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "task definition %s: no active revision",
				family);
	rc = ctl_get_json(c, ctl_key(c, key, "taskdefs/%s/%ld", family, rev), td, NULL, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "task definition %s:%ld: not found",
				family, rev);
	if (!allow_inactive && strcmp(json_record_str(*td, "status"), "INACTIVE") == 0) {
		cJSON_Delete(*td);
		return sk_failc(err, SK_ERR_USAGE, 0, "task definition %s:%ld: deregistered",
				family, rev);
	}
	sprintf(ref_out, "%s:%ld", family, rev);
	return 0;
}

int ctl_load_task(struct ctl *c, const char *id, struct model *m, struct m_task **t,
		  struct sk_err *err)
{
	int rc = ctl_load_model(c, m, err);
	if (rc < 0)
		return rc;
	*t = model_task(m, id);
	if (!*t) {
		model_free(m);
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "task %s: not found", id);
	}
	return 0;
}
