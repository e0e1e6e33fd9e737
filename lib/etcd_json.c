/* JSON codec for etcd's v3 gateway: base64 keys and values, int64 as
 * strings, zero values omitted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "etcd_internal.h"

int etcd_json_add_bytes(cJSON *obj, const char *name, const void *data, size_t len)
{
	char *s = malloc(BASE64_ENCODED_SIZE(len));
	if (!s)
		return -1;
	base64_encode(data, len, s);
	cJSON *item = cJSON_AddStringToObject(obj, name, s);
	free(s);
	return item ? 0 : -1;
}

int etcd_json_add_i64(cJSON *obj, const char *name, int64_t v)
{
	char s[24];
	snprintf(s, sizeof s, "%lld", (long long)v);
	return cJSON_AddStringToObject(obj, name, s) ? 0 : -1;
}

int64_t etcd_json_i64(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (cJSON_IsString(v))
		return strtoll(v->valuestring, NULL, 10);
	/* a double outside int64_t's range has no value here (converting it is undefined) */
	if (cJSON_IsNumber(v) && v->valuedouble >= -0x1p63 && v->valuedouble < 0x1p63)
		return (int64_t)v->valuedouble;
	return 0;
}

int etcd_json_bytes(const cJSON *obj, const char *name, char **out, size_t *len, struct sk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	const char *s = cJSON_IsString(v) ? v->valuestring : "";
	size_t cap = strlen(s) / 4 * 3 + 3;
	char *p = malloc(cap + 1);
	if (!p)
		return sk_fail(err, ENOMEM, "decode %s", name);
	long got = base64_decode(s, p, cap);
	if (got < 0) {
		free(p);
		return sk_fail(err, 0, "etcd answer: %s: bad base64", name);
	}
	p[got] = '\0';
	*out = p;
	if (len)
		*len = (size_t)got;
	return 0;
}

void etcd_kv_clear(struct etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof *kv);
}

int etcd_kv_from_json(const cJSON *j, struct etcd_kv *kv, struct sk_err *err)
{
	memset(kv, 0, sizeof *kv);
	if (!cJSON_IsObject(j))
		return sk_fail(err, 0, "etcd answer: kv is not an object");
	if (etcd_json_bytes(j, "key", &kv->key, NULL, err) < 0 ||
	    etcd_json_bytes(j, "value", &kv->value, &kv->value_len, err) < 0) {
		etcd_kv_clear(kv);
		return -1;
	}
	kv->create_revision = etcd_json_i64(j, "create_revision");
	kv->mod_revision = etcd_json_i64(j, "mod_revision");
	kv->version = etcd_json_i64(j, "version");
	kv->lease = etcd_json_i64(j, "lease");
	return 0;
}

int etcd_kvs_from_json(const cJSON *arr, struct etcd_kv **kvs, size_t *n, struct sk_err *err)
{
	int count = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;
	*kvs = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	struct etcd_kv *v = calloc(count, sizeof *v);
	if (!v)
		return sk_fail(err, ENOMEM, "etcd answer");
	const cJSON *it;
	size_t i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		if (etcd_kv_from_json(it, &v[i], err) < 0) {
			while (i--)
				etcd_kv_clear(&v[i]);
			free(v);
			return -1;
		}
		i++;
	}
	*kvs = v;
	*n = i;
	return 0;
}

void etcd_range_resp_free(struct etcd_range_resp *r)
{
	for (size_t i = 0; i < r->nkvs; i++)
		etcd_kv_clear(&r->kvs[i]);
	free(r->kvs);
	memset(r, 0, sizeof *r);
}

static int64_t header_revision(const cJSON *j)
{
	return etcd_json_i64(cJSON_GetObjectItemCaseSensitive(j, "header"), "revision");
}

int etcd_range_resp_from_json(const cJSON *j, struct etcd_range_resp *r, struct sk_err *err)
{
	memset(r, 0, sizeof *r);
	r->revision = header_revision(j);
	r->count = etcd_json_i64(j, "count");
	r->more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "more"));
	return etcd_kvs_from_json(cJSON_GetObjectItemCaseSensitive(j, "kvs"), &r->kvs, &r->nkvs,
				  err);
}

int etcd_prefix_end(const char *prefix, size_t prefix_len, char **out, size_t *len,
		    struct sk_err *err)
{
	char *end = malloc(prefix_len + 1);
	if (!end)
		return sk_fail(err, ENOMEM, "prefix end");
	memcpy(end, prefix, prefix_len);
	size_t n = prefix_len;
	while (n > 0 && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (n == 0) {
		end[0] = '\0';
		n = 1;
	} else {
		end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	}
	end[n] = '\0';
	*out = end;
	*len = n;
	return 0;
}

int etcd_json_add_range(cJSON *obj, const char *key, const char *range_end, int prefix)
{
	size_t klen = strlen(key);
	if (prefix && klen == 0)
		key = "\0", klen = 1; /* with range_end "\0": every key */
	if (etcd_json_add_bytes(obj, "key", key, klen) < 0)
		return -1;
	if (range_end)
		return etcd_json_add_bytes(obj, "range_end", range_end, strlen(range_end));
	if (!prefix)
		return 0;
	char *end;
	size_t elen;
	if (etcd_prefix_end(key, strlen(key), &end, &elen, NULL) < 0)
		return -1;
	int r = etcd_json_add_bytes(obj, "range_end", end, elen);
	free(end);
	return r;
}

cJSON *etcd_range_req_to_json(const struct etcd_range_req *req)
{
	cJSON *j = cJSON_CreateObject();
	if (!j || etcd_json_add_range(j, req->key, req->range_end, req->prefix) < 0)
		goto fail;
	if (req->limit && etcd_json_add_i64(j, "limit", req->limit) < 0)
		goto fail;
	if (req->revision && etcd_json_add_i64(j, "revision", req->revision) < 0)
		goto fail;
	if (req->keys_only && !cJSON_AddTrueToObject(j, "keys_only"))
		goto fail;
	if (req->count_only && !cJSON_AddTrueToObject(j, "count_only"))
		goto fail;
	if (req->sort_by_key && (!cJSON_AddStringToObject(j, "sort_order", "ASCEND") ||
				 !cJSON_AddStringToObject(j, "sort_target", "KEY")))
		goto fail;
	return j;
fail:
	cJSON_Delete(j);
	return NULL;
}

void etcd_watch_resp_free(struct etcd_watch_resp *r)
{
	for (size_t i = 0; i < r->nevents; i++) {
		etcd_kv_clear(&r->events[i].kv);
		etcd_kv_clear(&r->events[i].prev_kv);
	}
	free(r->events);
	free(r->cancel_reason);
	memset(r, 0, sizeof *r);
}

static int event_from_json(const cJSON *j, struct etcd_event *ev, struct sk_err *err)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
	ev->type = cJSON_IsString(type) && strcmp(type->valuestring, "DELETE") == 0 ? ETCD_EV_DELETE
										    : ETCD_EV_PUT;
	if (etcd_kv_from_json(cJSON_GetObjectItemCaseSensitive(j, "kv"), &ev->kv, err) < 0)
		return -1;
	const cJSON *prev = cJSON_GetObjectItemCaseSensitive(j, "prev_kv");
	if (prev && etcd_kv_from_json(prev, &ev->prev_kv, err) < 0)
		return -1;
	return 0;
}

int etcd_watch_resp_from_json(const cJSON *j, struct etcd_watch_resp *r, struct sk_err *err)
{
	memset(r, 0, sizeof *r);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (!cJSON_IsObject(res)) {
		/* a stream error: {"error":{"grpc_code":N,"http_code":N,"message":"…"}} */
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
		return sk_fail(err, 0, "watch: %s",
			       cJSON_IsString(msg) ? msg->valuestring : "message without result");
	}
	r->revision = header_revision(res);
	r->watch_id = etcd_json_i64(res, "watch_id");
	r->created = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "created"));
	r->canceled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "canceled"));
	r->compact_revision = etcd_json_i64(res, "compact_revision");
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(res, "cancel_reason");
	if (cJSON_IsString(reason) && !(r->cancel_reason = strdup(reason->valuestring)))
		return sk_fail(err, ENOMEM, "watch");
	const cJSON *evs = cJSON_GetObjectItemCaseSensitive(res, "events");
	int n = cJSON_IsArray(evs) ? cJSON_GetArraySize(evs) : 0;
	if (n == 0)
		return 0;
	if (!(r->events = calloc(n, sizeof *r->events)))
		return sk_fail(err, ENOMEM, "watch");
	const cJSON *it;
	cJSON_ArrayForEach(it, evs)
	{
		int rc = event_from_json(it, &r->events[r->nevents], err);
		r->nevents++;
		if (rc < 0) {
			etcd_watch_resp_free(r);
			return -1;
		}
	}
	return 0;
}
