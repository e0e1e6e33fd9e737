/* Internals shared by the lib/etcd*.c files: the request transport and the
 * JSON codec. Not for callers outside the etcd client. */
#ifndef SK_ETCD_INTERNAL_H
#define SK_ETCD_INTERNAL_H

#include <cjson/cJSON.h>

#include "etcd.h"
#include "http.h"

/* When each endpoint last answered and last failed, shared by a client
 * and its etcd_dup copies: what one learns about a frozen member the
 * others use at once. */
struct etcd_health {
	int refs;
	int64_t ok_ms[ETCD_MAX_ENDPOINTS];
	int64_t fail_ms[ETCD_MAX_ENDPOINTS];
};

struct etcd {
	char *endpoints[ETCD_MAX_ENDPOINTS];
	size_t nendpoints;
	size_t current;	       /* the endpoint that answered last */
	struct etcd_opts opts; /* strings owned (copies) */
	char *token;
	struct http_client *http;
	struct etcd_health *health;
};

/* Records that an endpoint answered (ok) or failed just now. */
void etcd_endpoint_note(struct etcd *e, size_t ep, int ok);
/* Milliseconds since any client of the family last heard from ep. */
int64_t etcd_endpoint_silence_ms(const struct etcd *e, size_t ep);
/* ep failed after it last answered, lately: others go first. */
int etcd_endpoint_suspect(const struct etcd *e, size_t ep, int64_t now);

/* POSTs body to path (e.g. "/v3/kv/range") with failover and auth; *out
 * gets the parsed answer of a 200. Returns -1 on failure (err's class:
 * SK_ERR_NET when no endpoint answered, SK_ERR_GONE, SK_ERR_COMPACTED). */
int etcd_call(struct etcd *e, const char *path, const cJSON *body, cJSON **out, struct sk_err *err);
/* The same on one endpoint only, with its own I/O timeout (no failover). */
int etcd_call_at(struct etcd *e, size_t ep, int timeout_ms, const char *path, const cJSON *body,
		 cJSON **out, struct sk_err *err);
/* Opens a streaming POST on a fresh connection (for watch); the caller
 * reads the body from *http and frees it. *ep is the endpoint it went to. */
int etcd_stream_open(struct etcd *e, const char *path, const cJSON *body, struct http_client **http,
		     size_t *ep, struct sk_err *err);
/* An etcd error answer {"error","code"} (HTTP status) as an error of its
 * class. Returns -1. */
int etcd_error_from_json(const char *body, int status, struct sk_err *err);

/* JSON codec */
int etcd_json_add_bytes(cJSON *obj, const char *name, const void *data, size_t len);
int etcd_json_add_i64(cJSON *obj, const char *name, int64_t v);
int64_t etcd_json_i64(const cJSON *obj, const char *name);
int etcd_json_bytes(const cJSON *obj, const char *name, char **out, size_t *len,
		    struct sk_err *err);
int etcd_kv_from_json(const cJSON *j, struct etcd_kv *kv, struct sk_err *err);
int etcd_kvs_from_json(const cJSON *arr, struct etcd_kv **kvs, size_t *n, struct sk_err *err);
int etcd_range_resp_from_json(const cJSON *j, struct etcd_range_resp *r, struct sk_err *err);
int etcd_watch_resp_from_json(const cJSON *j, struct etcd_watch_resp *r, struct sk_err *err);
int etcd_txn_resp_from_json(const cJSON *j, struct etcd_txn_resp *r, struct sk_err *err);
cJSON *etcd_range_req_to_json(const struct etcd_range_req *req);
/* Adds key (and range_end for prefix / explicit end) to obj. */
int etcd_json_add_range(cJSON *obj, const char *key, const char *range_end, int prefix);

#endif
