/* KV calls: range, put, delete and transactions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_internal.h"

static void json_freep(cJSON **j)
{
	cJSON_Delete(*j);
}
#define AUTOJSON __attribute__((cleanup(json_freep)))

int etcd_range(struct etcd *e, const struct etcd_range_req *req, struct etcd_range_resp *resp,
	       struct sk_err *err)
{
	AUTOJSON cJSON *body = etcd_range_req_to_json(req);
	AUTOJSON cJSON *ans = NULL;
	if (!body)
		return sk_fail(err, ENOMEM, "range %s", req->key);
	int rc = etcd_call(e, "/v3/kv/range", body, &ans, err);
	if (rc < 0)
		return sk_wrap(err, "range %s", req->key), rc;
	if (etcd_range_resp_from_json(ans, resp, err) < 0)
		return sk_wrap(err, "range %s", req->key);
	return 0;
}

int etcd_get(struct etcd *e, const char *key, struct etcd_kv *kv, int64_t *rev, struct sk_err *err)
{
	struct etcd_range_req req = {.key = key};
	struct etcd_range_resp r;
	int rc = etcd_range(e, &req, &r, err);
	if (rc < 0)
		return rc;
	if (rev)
		*rev = r.revision;
	int found = r.nkvs > 0;
	if (found) {
		*kv = r.kvs[0];
		memset(&r.kvs[0], 0, sizeof r.kvs[0]);
	} else {
		memset(kv, 0, sizeof *kv);
	}
	etcd_range_resp_free(&r);
	return found;
}

int etcd_put(struct etcd *e, const char *key, const void *value, size_t value_len, int64_t lease,
	     struct etcd_kv *prev, int64_t *rev, struct sk_err *err)
{
	AUTOJSON cJSON *body = cJSON_CreateObject();
	AUTOJSON cJSON *ans = NULL;
	if (!body || etcd_json_add_bytes(body, "key", key, strlen(key)) < 0 ||
	    etcd_json_add_bytes(body, "value", value, value_len) < 0 ||
	    (lease && etcd_json_add_i64(body, "lease", lease) < 0) ||
	    (prev && !cJSON_AddTrueToObject(body, "prev_kv")))
		return sk_fail(err, ENOMEM, "put %s", key);
	int rc = etcd_call(e, "/v3/kv/put", body, &ans, err);
	if (rc < 0)
		return sk_wrap(err, "put %s", key), rc;
	if (rev)
		*rev = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(ans, "header"), "revision");
	if (prev) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(ans, "prev_kv");
		memset(prev, 0, sizeof *prev);
		if (p && etcd_kv_from_json(p, prev, err) < 0)
			return sk_wrap(err, "put %s", key);
	}
	return 0;
}

int etcd_delete(struct etcd *e, const char *key, int prefix, int64_t *deleted, int64_t *rev,
		struct sk_err *err)
{
	AUTOJSON cJSON *body = cJSON_CreateObject();
	AUTOJSON cJSON *ans = NULL;
	if (!body || etcd_json_add_range(body, key, NULL, prefix) < 0)
		return sk_fail(err, ENOMEM, "delete %s", key);
	int rc = etcd_call(e, "/v3/kv/deleterange", body, &ans, err);
	if (rc < 0)
		return sk_wrap(err, "delete %s", key), rc;
	if (deleted)
		*deleted = etcd_json_i64(ans, "deleted");
	if (rev)
		*rev = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(ans, "header"), "revision");
	return 0;
}

/* ---- transactions ---- */

static const char *const cmp_targets[] = {"VERSION", "CREATE", "MOD", "VALUE", "LEASE"};
static const char *const cmp_fields[] = {"version", "create_revision", "mod_revision", "value",
					 "lease"};
static const char *const cmp_results[] = {"EQUAL", "NOT_EQUAL", "GREATER", "LESS"};

static cJSON *cmp_to_json(const struct etcd_cmp *c)
{
	cJSON *j = cJSON_CreateObject();
	if (!j || etcd_json_add_bytes(j, "key", c->key, strlen(c->key)) < 0 ||
	    !cJSON_AddStringToObject(j, "target", cmp_targets[c->target]) ||
	    !cJSON_AddStringToObject(j, "result", cmp_results[c->result]))
		goto fail;
	if (c->target == ETCD_CMP_VALUE) {
		size_t n = c->value_len ? c->value_len : strlen(c->value ? c->value : "");
		if (etcd_json_add_bytes(j, "value", c->value ? c->value : "", n) < 0)
			goto fail;
	} else if (etcd_json_add_i64(j, cmp_fields[c->target], c->number) < 0) {
		goto fail;
	}
	return j;
fail:
	cJSON_Delete(j);
	return NULL;
}

static cJSON *op_body(const struct etcd_op *op)
{
	cJSON *j = cJSON_CreateObject();
	if (!j)
		return NULL;
	int bad;
	if (op->type == ETCD_OP_PUT) {
		const char *v = op->value ? op->value : "";
		size_t n = op->value_len ? op->value_len : strlen(v);
		bad = etcd_json_add_bytes(j, "key", op->key, strlen(op->key)) < 0 ||
		      etcd_json_add_bytes(j, "value", v, n) < 0 ||
		      (op->lease && etcd_json_add_i64(j, "lease", op->lease) < 0);
	} else {
		bad = etcd_json_add_range(j, op->key, NULL, op->prefix) < 0;
	}
	if (bad) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

static cJSON *op_to_json(const struct etcd_op *op)
{
	static const char *const names[] = {"request_range", "request_put", "request_delete_range"};
	cJSON *j = cJSON_CreateObject();
	cJSON *b = op_body(op);
	if (!j || !b) {
		cJSON_Delete(j);
		cJSON_Delete(b);
		return NULL;
	}
	cJSON_AddItemToObject(j, names[op->type], b);
	return j;
}

static int add_array(cJSON *body, const char *name, const void *items, size_t n, int cmp)
{
	cJSON *arr = cJSON_AddArrayToObject(body, name);
	if (!arr)
		return -1;
	for (size_t i = 0; i < n; i++) {
		cJSON *it = cmp ? cmp_to_json(&((const struct etcd_cmp *)items)[i])
				: op_to_json(&((const struct etcd_op *)items)[i]);
		if (!it)
			return -1;
		cJSON_AddItemToArray(arr, it);
	}
	return 0;
}

void etcd_txn_resp_free(struct etcd_txn_resp *r)
{
	for (size_t i = 0; i < r->nresps; i++)
		etcd_range_resp_free(&r->resps[i].range);
	free(r->resps);
	memset(r, 0, sizeof *r);
}

static int op_resp_from_json(const cJSON *j, struct etcd_op_resp *r, struct sk_err *err)
{
	const cJSON *v;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "response_range"))) {
		r->type = ETCD_OP_RANGE;
		return etcd_range_resp_from_json(v, &r->range, err);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "response_delete_range"))) {
		r->type = ETCD_OP_DELETE;
		r->deleted = etcd_json_i64(v, "deleted");
		return 0;
	}
	r->type = ETCD_OP_PUT;
	return 0;
}

int etcd_txn_resp_from_json(const cJSON *ans, struct etcd_txn_resp *r, struct sk_err *err)
{
	memset(r, 0, sizeof *r);
	r->succeeded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "succeeded"));
	r->revision = etcd_json_i64(cJSON_GetObjectItemCaseSensitive(ans, "header"), "revision");
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(ans, "responses");
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	if (n == 0)
		return 0;
	if (!(r->resps = calloc(n, sizeof *r->resps)))
		return sk_fail(err, ENOMEM, "txn");
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
	{
		if (op_resp_from_json(it, &r->resps[r->nresps++], err) < 0) {
			etcd_txn_resp_free(r);
			return -1;
		}
	}
	return 0;
}

int etcd_txn(struct etcd *e, const struct etcd_cmp *cmp, size_t ncmp, const struct etcd_op *success,
	     size_t nsuccess, const struct etcd_op *failure, size_t nfailure,
	     struct etcd_txn_resp *resp, struct sk_err *err)
{
	AUTOJSON cJSON *body = cJSON_CreateObject();
	AUTOJSON cJSON *ans = NULL;
	if (!body || add_array(body, "compare", cmp, ncmp, 1) < 0 ||
	    add_array(body, "success", success, nsuccess, 0) < 0 ||
	    add_array(body, "failure", failure, nfailure, 0) < 0)
		return sk_fail(err, ENOMEM, "txn");
	int rc = etcd_call(e, "/v3/kv/txn", body, &ans, err);
	if (rc < 0)
		return sk_wrap(err, "txn"), rc;
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "succeeded"));
	if (resp && etcd_txn_resp_from_json(ans, resp, err) < 0)
		return sk_wrap(err, "txn");
	return ok;
}
