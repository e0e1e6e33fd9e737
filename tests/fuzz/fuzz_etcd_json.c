/* etcd's JSON replies (lib/etcd_json.c, etcd_kv.c, etcd_conn.c): the body
 * of a 200 answer to range, txn and lease calls, a watch message, and the
 * body of an error answer. Every decoder is handed the same input, as a
 * confused or hostile endpoint could answer any call with anything. */
#include "fuzz.h"
#include "etcd_internal.h"

static void kv_calls(const cJSON *j)
{
	struct sk_err err = {0};
	struct etcd_range_resp range;
	struct etcd_txn_resp txn;
	int rc = etcd_range_resp_from_json(j, &range, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0) {
		for (size_t i = 0; i < range.nkvs; i++)
			FUZZ_REQUIRE(range.kvs[i].key && range.kvs[i].value, "kv %zu half decoded",
				     i);
		etcd_range_resp_free(&range);
	}
	rc = etcd_txn_resp_from_json(j, &txn, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0)
		etcd_txn_resp_free(&txn);
}

static void lease_and_watch(const cJSON *j)
{
	struct sk_err err = {0};
	struct etcd_watch_resp w;
	etcd_json_i64(j, "ID");
	etcd_json_i64(j, "TTL");
	etcd_json_i64(j, "grantedTTL");
	etcd_json_i64(cJSON_GetObjectItemCaseSensitive(j, "result"), "TTL");
	int rc = etcd_watch_resp_from_json(j, &w, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0)
		etcd_watch_resp_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	/* etcd_call parses the body http_body_read_all NUL-terminated */
	char *body = fuzz_text(data, len);
	cJSON *j = cJSON_Parse(body);
	if (j) {
		kv_calls(j);
		lease_and_watch(j);
		cJSON_Delete(j);
	}
	int rc = etcd_error_from_json(body, 400, &err);
	FUZZ_REQUIRE(rc < 0 && err.msg[0], "error answer %d without a message", rc);
	free(body);
	return 0;
}
