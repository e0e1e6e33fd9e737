#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "etcd_internal.h"

TEST(prefix_end_increments_last_byte)
{
	char *end;
	size_t n;
	CHECK(etcd_prefix_end("/skiff/a/", 9, &end, &n, NULL) == 0);
	CHECK(n == 9 && memcmp(end, "/skiff/a0", 9) == 0);
	free(end);
	CHECK(etcd_prefix_end("a\xff\xff", 3, &end, &n, NULL) == 0);
	CHECK(n == 1 && end[0] == 'b');
	free(end);
	CHECK(etcd_prefix_end("\xff", 1, &end, &n, NULL) == 0);
	CHECK(n == 1 && end[0] == '\0'); /* every key */
	free(end);
}

TEST(range_request_encodes_base64_and_int64_strings)
{
	struct etcd_range_req r = {
	    .key = "/skiff/c/", .prefix = 1, .limit = 5, .revision = 42, .keys_only = 1};
	cJSON *j = etcd_range_req_to_json(&r);
	char *s = cJSON_PrintUnformatted(j);
	CHECK_STREQ(s, "{\"key\":\"L3NraWZmL2Mv\",\"range_end\":\"L3NraWZmL2Mw\",\"limit\":\"5\","
		       "\"revision\":\"42\",\"keys_only\":true}");
	free(s);
	cJSON_Delete(j);
}

TEST(range_answer_decodes_kvs_and_omitted_zeros)
{
	const char *ans = "{\"header\":{\"revision\":\"9\"},\"kvs\":[{\"key\":\"Zm9v\","
			  "\"create_revision\":\"2\",\"mod_revision\":\"7\",\"version\":\"3\","
			  "\"value\":\"YmFy\"},{\"key\":\"ZW1wdHk=\"}],\"count\":\"2\"}";
	cJSON *j = cJSON_Parse(ans);
	struct etcd_range_resp r;
	CHECK(etcd_range_resp_from_json(j, &r, NULL) == 0);
	CHECK(r.revision == 9 && r.count == 2 && r.nkvs == 2 && !r.more);
	CHECK_STREQ(r.kvs[0].key, "foo");
	CHECK_STREQ(r.kvs[0].value, "bar");
	CHECK(r.kvs[0].value_len == 3 && r.kvs[0].mod_revision == 7 && r.kvs[0].version == 3);
	CHECK_STREQ(r.kvs[1].value, "");
	CHECK(r.kvs[1].value_len == 0 && r.kvs[1].lease == 0);
	etcd_range_resp_free(&r);
	cJSON_Delete(j);
}

TEST(bad_base64_in_answer_is_an_error)
{
	cJSON *j = cJSON_Parse("{\"kvs\":[{\"key\":\"!!\"}]}");
	struct etcd_range_resp r;
	struct sk_err err = {0};
	CHECK(etcd_range_resp_from_json(j, &r, &err) < 0);
	CHECK(strstr(err.msg, "base64") != NULL);
	cJSON_Delete(j);
}

TEST(error_answers_map_to_classes)
{
	struct sk_err err = {0};
	CHECK(
	    etcd_error_from_json("{\"error\":\"etcdserver: requested lease not found\",\"code\":5}",
				 404, &err) == -1);
	CHECK(err.cls == SK_ERR_GONE);
	CHECK(etcd_error_from_json("{\"error\":\"etcdserver: mvcc: required revision has been "
				   "compacted\",\"code\":11}",
				   400, &err) == -1);
	CHECK(err.cls == SK_ERR_COMPACTED);
	CHECK(etcd_error_from_json("{\"error\":\"etcdserver: permission denied\",\"code\":7}", 403,
				   &err) == -1);
	CHECK(err.cls == SK_ERR_FAIL);
	CHECK_STREQ(err.msg, "etcd: etcdserver: permission denied");
	CHECK(etcd_error_from_json("{\"error\":\"etcdserver: leader changed\",\"code\":14}", 503,
				   &err) == -1);
	CHECK(err.cls == SK_ERR_NET);
	CHECK(etcd_error_from_json("garbage", 502, &err) == -1);
	CHECK(err.cls == SK_ERR_FAIL);
	CHECK_STREQ(err.msg, "etcd: HTTP status 502");
}

/* int64 fields arrive as strings; a number outside int64_t's range (found
 * by fuzzing) reads as absent rather than as whatever the cast gives. */
TEST(out_of_range_numbers_read_as_zero)
{
	cJSON *j = cJSON_Parse("{\"a\":1e300,\"b\":-1e19,\"c\":9007199254740992,\"d\":\"-7\","
			       "\"e\":9223372036854775808}");
	CHECK(etcd_json_i64(j, "a") == 0);
	CHECK(etcd_json_i64(j, "b") == 0);
	CHECK(etcd_json_i64(j, "c") == 9007199254740992LL);
	CHECK(etcd_json_i64(j, "d") == -7);
	CHECK(etcd_json_i64(j, "e") == 0);
	cJSON_Delete(j);
}

struct seen {
	int messages, events, created, canceled;
	int64_t compact, last_rev;
	char keys[8][32];
};

static int collect(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err)
{
	struct seen *s = ctx;
	s->messages++;
	s->created += r->created;
	s->canceled += r->canceled;
	if (r->compact_revision)
		s->compact = r->compact_revision;
	for (size_t i = 0; i < r->nevents && s->events < 8; i++) {
		snprintf(s->keys[s->events++], 32, "%c%s=%s",
			 r->events[i].type == ETCD_EV_DELETE ? '-' : '+', r->events[i].kv.key,
			 r->events[i].prev_kv.key ? r->events[i].prev_kv.value : "");
		s->last_rev = r->events[i].kv.mod_revision;
	}
	return 0;
}

static const char stream[] =
    "{\"result\":{\"header\":{\"revision\":\"3\"},\"created\":true}}\n"
    "{\"result\":{\"header\":{\"revision\":\"4\"},\"events\":[{\"kv\":{\"key\":\"Zm9v\","
    "\"mod_revision\":\"4\",\"value\":\"YnJhY2V7fQ==\"}}]}}\n"
    "{\"result\":{\"header\":{\"revision\":\"5\"},\"events\":[{\"type\":\"DELETE\",\"kv\":"
    "{\"key\":\"Zm9v\",\"mod_revision\":\"5\"},\"prev_kv\":{\"key\":\"Zm9v\",\"value\":"
    "\"YnJhY2V7fQ==\"}}]}}\n";

TEST(watch_stream_parses_whole)
{
	struct seen s = {0};
	struct etcd_watch_parser p;
	etcd_watch_parser_init(&p, collect, &s);
	CHECK(etcd_watch_parser_feed(&p, stream, strlen(stream), NULL) == 0);
	CHECK(s.messages == 3 && s.created == 1 && s.events == 2 && s.last_rev == 5);
	CHECK_STREQ(s.keys[0], "+foo=");
	CHECK_STREQ(s.keys[1], "-foo=brace{}");
	etcd_watch_parser_free(&p);
}

TEST(watch_stream_parses_any_split)
{
	size_t len = strlen(stream);
	for (size_t a = 1; a < len; a += 7) {
		for (size_t b = a; b < len; b += 13) {
			struct seen s = {0};
			struct etcd_watch_parser p;
			etcd_watch_parser_init(&p, collect, &s);
			CHECK(etcd_watch_parser_feed(&p, stream, a, NULL) == 0);
			CHECK(etcd_watch_parser_feed(&p, stream + a, b - a, NULL) == 0);
			CHECK(etcd_watch_parser_feed(&p, stream + b, len - b, NULL) == 0);
			CHECK(s.messages == 3 && s.events == 2);
			etcd_watch_parser_free(&p);
		}
	}
	/* one byte at a time, and no newline between objects */
	struct seen s = {0};
	struct etcd_watch_parser p;
	etcd_watch_parser_init(&p, collect, &s);
	const char *two = "{\"result\":{\"created\":true}}{\"result\":{\"canceled\":true,"
			  "\"compact_revision\":\"17\"}}";
	for (size_t i = 0; two[i]; i++)
		CHECK(etcd_watch_parser_feed(&p, two + i, 1, NULL) == 0);
	CHECK(s.messages == 2 && s.canceled == 1 && s.compact == 17);
	etcd_watch_parser_free(&p);
}

TEST(watch_stream_rejects_garbage_and_oversize)
{
	struct seen s = {0};
	struct etcd_watch_parser p;
	struct sk_err err = {0};
	etcd_watch_parser_init(&p, collect, &s);
	CHECK(etcd_watch_parser_feed(&p, "xyz", 3, &err) < 0);
	etcd_watch_parser_free(&p);
	etcd_watch_parser_init(&p, collect, &s);
	p.max = 16;
	CHECK(etcd_watch_parser_feed(&p, "{\"result\":{\"created\":true}}", 27, &err) < 0);
	CHECK(strstr(err.msg, "larger") != NULL);
	etcd_watch_parser_free(&p);
	etcd_watch_parser_init(&p, collect, &s);
	const char *e = "{\"error\":{\"grpc_code\":14,\"message\":\"no leader\"}}";
	CHECK(etcd_watch_parser_feed(&p, e, strlen(e), &err) < 0);
	CHECK(strstr(err.msg, "no leader") != NULL);
	etcd_watch_parser_free(&p);
}

static int stop_at_second(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err)
{
	return ++*(int *)ctx == 2 ? 7 : 0;
}

TEST(watch_callback_stops_the_stream)
{
	int n = 0;
	struct etcd_watch_parser p;
	etcd_watch_parser_init(&p, stop_at_second, &n);
	CHECK(etcd_watch_parser_feed(&p, stream, strlen(stream), NULL) == 7);
	CHECK(n == 2 && p.stopped == 7);
	etcd_watch_parser_free(&p);
}

TEST(watch_response_decodes_prev_kv)
{
	cJSON *j =
	    cJSON_Parse("{\"result\":{\"header\":{\"revision\":\"8\"},\"watch_id\":\"1\","
			"\"events\":[{\"kv\":{\"key\":\"YQ==\",\"value\":\"Mg==\","
			"\"mod_revision\":\"8\",\"lease\":\"99\"},\"prev_kv\":{\"key\":\"YQ==\","
			"\"value\":\"MQ==\"}}]}}");
	struct etcd_watch_resp r;
	CHECK(etcd_watch_resp_from_json(j, &r, NULL) == 0);
	CHECK(r.revision == 8 && r.watch_id == 1 && r.nevents == 1);
	CHECK(r.events[0].type == ETCD_EV_PUT && r.events[0].kv.lease == 99);
	CHECK_STREQ(r.events[0].kv.value, "2");
	CHECK_STREQ(r.events[0].prev_kv.value, "1");
	etcd_watch_resp_free(&r);
	cJSON_Delete(j);
}

TEST(new_client_checks_endpoints)
{
	struct etcd *e;
	struct sk_err err = {0};
	struct etcd_opts o = {.endpoints = "http://127.0.0.1:2379, https://h:2379/"};
	CHECK(etcd_new(&o, &e, &err) == 0);
	CHECK_STREQ(etcd_endpoint(e), "http://127.0.0.1:2379");
	struct etcd *d;
	CHECK(etcd_dup(e, &d, &err) == 0);
	CHECK_STREQ(etcd_endpoint(d), "http://127.0.0.1:2379");
	etcd_free(d);
	etcd_free(e);
	o.endpoints = "";
	CHECK(etcd_new(&o, &e, &err) < 0);
	o.endpoints = "ftp://x";
	CHECK(etcd_new(&o, &e, &err) < 0);
	CHECK(strstr(err.msg, "ftp://x") != NULL);
}

TEST(unreachable_endpoints_give_enet)
{
	struct etcd *e;
	struct sk_err err = {0};
	struct etcd_opts o = {.endpoints = "http://127.0.0.1:1,http://127.0.0.1:2",
			      .timeout_ms = 500};
	CHECK(etcd_new(&o, &e, &err) == 0);
	struct etcd_kv kv;
	CHECK(etcd_get(e, "/x", &kv, NULL, &err) == -1);
	CHECK(err.cls == SK_ERR_NET);
	etcd_free(e);
}

int main(void)
{
	RUN(prefix_end_increments_last_byte);
	RUN(range_request_encodes_base64_and_int64_strings);
	RUN(range_answer_decodes_kvs_and_omitted_zeros);
	RUN(bad_base64_in_answer_is_an_error);
	RUN(error_answers_map_to_classes);
	RUN(out_of_range_numbers_read_as_zero);
	RUN(watch_stream_parses_whole);
	RUN(watch_stream_parses_any_split);
	RUN(watch_stream_rejects_garbage_and_oversize);
	RUN(watch_callback_stops_the_stream);
	RUN(watch_response_decodes_prev_kv);
	RUN(new_client_checks_endpoints);
	RUN(unreachable_endpoints_give_enet);
	return check_summary();
}
