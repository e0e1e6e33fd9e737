/* A join request as the approver reads it (ctl/join.c join_request_read):
 * anyone holding a bootstrap token may write any key below join/<tid>/
 * and any value there. Line 1 is the key below /skiff/demo/, the rest its
 * value. A request read as well formed must name a node the agent would
 * accept (so printable), hold a P-256 point, and give an answer key
 * (joinanswers/<tid>/<node>, which only the approver writes) that leads
 * back to its request key, as the approver's sweep of collected answers
 * expects; a refused one says why in
 * printable text (its name may be any bytes: shown with '?' for them). */
#include "ctl/join.h"
#include "fuzz.h"

#define PREFIX "/skiff/demo/"

static void check_printable(const char *s, size_t cap, const char *what)
{
	size_t n = strnlen(s, cap);
	FUZZ_REQUIRE(n < cap, "%s is not terminated", what);
	for (size_t i = 0; i < n; i++)
		FUZZ_REQUIRE((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f,
			     "%s holds 0x%02x", what, (unsigned char)s[i]);
}

static void check_accepted(const char *key, const struct join_request *r)
{
	static const char name_chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
	FUZZ_REQUIRE(strlen(r->token) == 6 &&
			 strspn(r->token, "abcdefghijklmnopqrstuvwxyz0123456789") == 6,
		     "token id \"%s\"", r->token);
	size_t n = strlen(r->node);
	FUZZ_REQUIRE(n > 0 && n < sizeof r->node && r->node[0] != '.' &&
			 strspn(r->node, name_chars) == n,
		     "node name \"%s\" accepted", r->node);
	FUZZ_REQUIRE(r->pub[0] == 0x04, "public key is not an uncompressed point");
	unsigned char again[JOIN_PUBKEY_LEN];
	struct sk_err err = {0};
	FUZZ_REQUIRE(join_pubkey_decode(r->public_key, again, &err) == 0 &&
			 !memcmp(again, r->pub, sizeof again),
		     "public key \"%s\" does not read back", r->public_key);
	/* where the approver answers, and the request the sweep finds for it */
	char answer[600], back[700];
	snprintf(answer, sizeof answer, PREFIX "joinanswers/%s/%s", r->token, r->node);
	snprintf(back, sizeof back, PREFIX "join/%s/request",
		 answer + strlen(PREFIX "joinanswers/"));
	FUZZ_REQUIRE(!strcmp(back, key), "answer %s leads to %s, not to request %s", answer, back,
		     key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const uint8_t *nl = memchr(data, '\n', len);
	size_t klen = nl ? (size_t)(nl - data) : len;
	char *key = malloc(sizeof PREFIX + klen);
	FUZZ_REQUIRE(key, "malloc");
	memcpy(key, PREFIX, sizeof PREFIX - 1);
	memcpy(key + sizeof PREFIX - 1, data, klen);
	key[sizeof PREFIX - 1 + klen] = '\0';
	char *value = nl ? fuzz_text(nl + 1, len - klen - 1) : fuzz_text(data, 0);
	struct join_request r;
	int rc = join_request_read(PREFIX, key, value, &r);
	FUZZ_REQUIRE(rc == 0 || rc == 1, "returned %d", rc);
	if (rc == 1) {
		check_printable(r.why, sizeof r.why, "refusal");
		FUZZ_REQUIRE(memchr(r.node, 0, sizeof r.node), "node not terminated");
		check_printable(r.shown, sizeof r.shown, "node as shown");
		if (!r.why[0])
			check_accepted(key, &r);
		else
			FUZZ_REQUIRE(strlen(r.token) == 6, "refused without a token id");
	}
	free(key);
	free(value);
	return 0;
}
