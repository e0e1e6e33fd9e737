/* Bootstrap tokens: their shape, TTLs and labels as skiffctl reads them. */
#include <cjson/cJSON.h>
#include <string.h>

#include "../../ctl/join.h"
#include "../../ctl/token.h"
#include "check.h"

TEST(token_shape)
{
	char id[TOKEN_ID_LEN + 1], secret[TOKEN_SECRET_LEN + 1];
	struct sk_err err = {0};

	CHECK(token_parse("abcdef.0123456789abcdef", id, secret, &err) == 0);
	CHECK_STREQ(id, "abcdef");
	CHECK_STREQ(secret, "0123456789abcdef");
	CHECK(token_parse("abcdef0123456789abcdefg", id, secret, &err) < 0);
	CHECK(err.cls == SK_ERR_USAGE);
	CHECK(token_parse("abcdef.0123456789abcde", id, secret, &err) < 0);
	CHECK(strstr(err.msg, "got 22 characters") != NULL);
	CHECK(token_parse("abcDef.0123456789abcdef", id, secret, &err) < 0);
	CHECK(strstr(err.msg, "character 4 is not one of [a-z0-9]") != NULL);
	/* the secret is never echoed back */
	CHECK(token_parse("abcdef.0123456789abcdeF", id, secret, &err) < 0);
	CHECK(strstr(err.msg, "0123456789abcde") == NULL);
}

TEST(ttl)
{
	int64_t s = -1;
	struct sk_err err = {0};

	CHECK(token_parse_ttl("90s", &s, &err) == 0 && s == 90);
	CHECK(token_parse_ttl("30m", &s, &err) == 0 && s == 1800);
	CHECK(token_parse_ttl("24h", &s, &err) == 0 && s == 86400);
	CHECK(token_parse_ttl("7d", &s, &err) == 0 && s == 7 * 86400);
	CHECK(token_parse_ttl("0", &s, &err) == 0 && s == 0);
	CHECK(token_parse_ttl("3w", &s, &err) < 0);
	CHECK(strstr(err.msg, "--ttl 3w") != NULL);
	CHECK(token_parse_ttl("", &s, &err) < 0);
	CHECK(token_parse_ttl("-1h", &s, &err) < 0);
	CHECK(token_parse_ttl("5", &s, &err) < 0);
	CHECK(token_parse_ttl("3651d", &s, &err) < 0);
	CHECK(token_parse_ttl("99999999999999999999h", &s, &err) < 0);
}

TEST(labels)
{
	struct sk_err err = {0};
	cJSON *l = cJSON_CreateObject();

	CHECK(token_parse_labels(l, "zone=a,tier=web,zone=b", &err) == 0);
	CHECK(cJSON_GetArraySize(l) == 2);
	CHECK_STREQ(cJSON_GetObjectItemCaseSensitive(l, "zone")->valuestring, "b");
	CHECK(token_parse_labels(l, "empty=", &err) == 0);
	CHECK_STREQ(cJSON_GetObjectItemCaseSensitive(l, "empty")->valuestring, "");
	CHECK(token_parse_labels(l, "ok=1,novalue", &err) < 0);
	CHECK(strstr(err.msg, "`novalue`: expected KEY=VALUE") != NULL);
	CHECK(token_parse_labels(l, "=v", &err) < 0);
	CHECK(token_parse_labels(l, "a b=v", &err) < 0);
	cJSON_Delete(l);
}

TEST(expiry)
{
	cJSON *r = cJSON_Parse("{\"expiresAt\":\"2026-01-01T00:00:00Z\"}");
	CHECK(token_expires_at(r) == 1767225600);
	CHECK(token_expired(r, 1767225599) == 0);
	CHECK(token_expired(r, 1767225600) == 1);
	cJSON_Delete(r);
	r = cJSON_Parse("{}");
	CHECK(token_expired(r, 4000000000) == 0);
	cJSON_Delete(r);
	r = cJSON_Parse("{\"expiresAt\":\"soon\"}");
	CHECK(token_expired(r, 1000) == 1); /* unreadable: long passed */
	cJSON_Delete(r);
}

/* Join requests are written by anyone holding the token: a bad one is
 * refused (answered), never an error that would stop the others' approval. */
TEST(join_requests)
{
	static const char pub[] =
	    "BAHVbZaTSh6xUd2C/O7aE1/4LsPonkTEUfWVE5KAd7T1v4xeEOCaa68M5jVKNfyPBT//"
	    "JMiOTNZ+go3uz6QZwz8=";
	char value[300];
	struct join_request r;

	snprintf(value, sizeof value, "{\"node\":\"node-1\",\"publicKey\":\"%s\"}", pub);
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/node-1/request", value, &r) ==
	      1);
	CHECK_STREQ(r.why, "");
	CHECK_STREQ(r.token, "abcdef");
	CHECK_STREQ(r.node, "node-1");
	CHECK_STREQ(r.public_key, pub);
	CHECK(r.pub[0] == 4);
	/* not requests: answers, other prefixes, a token id of the wrong shape */
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/node-1/answer", value, &r) == 0);
	CHECK(join_request_read("/skiff/c/", "/skiff/d/join/abcdef/node-1/request", value, &r) ==
	      0);
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcDef/node-1/request", value, &r) ==
	      0);
	/* a name with a slash, or one the agent would refuse: refused, said why */
	snprintf(value, sizeof value, "{\"node\":\"a/b\",\"publicKey\":\"%s\"}", pub);
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/a/b/request", value, &r) == 1);
	CHECK_STREQ(r.node, "a/b");
	CHECK(strstr(r.why, "not a node name") != NULL);
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/a\033[2J/request", value, &r) ==
	      1);
	CHECK(strstr(r.why, "not a node name") != NULL);
	CHECK_STREQ(r.shown, "a?[2J"); /* the writer's bytes, printable for the log */
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/.x/request", value, &r) == 1);
	CHECK(strstr(r.why, "not a node name") != NULL);
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/node-1/request", "[1]", &r) ==
	      1);
	CHECK_STREQ(r.why, "the request is not a JSON object");
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/node-2/request", value, &r) ==
	      1);
	CHECK_STREQ(r.why, "the request names another node");
	CHECK(join_request_read("/skiff/c/", "/skiff/c/join/abcdef/node-1/request",
				"{\"node\":\"node-1\",\"publicKey\":\"BAAA\"}", &r) == 1);
	CHECK(strstr(r.why, "public key") != NULL);
}

int main(void)
{
	RUN(token_shape);
	RUN(ttl);
	RUN(labels);
	RUN(expiry);
	RUN(join_requests);
	return check_summary();
}
