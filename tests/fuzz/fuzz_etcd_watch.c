/* etcd watch streams (lib/etcd_watch.c): the gateway's chunked stream of
 * JSON messages, arriving in reads of any size. The stream is parsed once
 * in one piece and once in pieces whose sizes come from the first byte;
 * both must deliver the same messages and reach the same verdict. */
#include "fuzz.h"
#include "etcd.h"

struct log {
	char *p;
	size_t len;
};

/* Appends a summary of each delivered message. */
static int record(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err)
{
	struct log *l = ctx;
	char line[160];
	int n = snprintf(line, sizeof line, "rev=%lld id=%lld c=%d x=%d compact=%lld n=%zu\n",
			 (long long)r->revision, (long long)r->watch_id, r->created, r->canceled,
			 (long long)r->compact_revision, r->nevents);
	for (size_t i = 0; i < r->nevents; i++)
		FUZZ_REQUIRE(r->events[i].kv.key, "event %zu without a key", i);
	char *p = realloc(l->p, l->len + n);
	FUZZ_REQUIRE(p, "realloc");
	memcpy(p + l->len, line, n);
	l->p = p;
	l->len += n;
	return 0;
}

static int parse(const char *in, size_t len, unsigned step_seed, struct log *l)
{
	struct sk_err err = {0};
	struct etcd_watch_parser p;
	unsigned step = step_seed;
	int rc = 0;
	etcd_watch_parser_init(&p, record, l);
	for (size_t at = 0; at < len && rc == 0;) {
		size_t n = len - at;
		if (step_seed) {
			step = step * 1103515245u + 12345u;
			n = 1 + (step >> 16) % 97;
			n = n > len - at ? len - at : n;
		}
		rc = etcd_watch_parser_feed(&p, in + at, n, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
		at += n;
	}
	etcd_watch_parser_free(&p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct log whole = {0}, pieces = {0};
	if (len < 1)
		return 0;
	const char *stream = (const char *)data + 1;
	int a = parse(stream, len - 1, 0, &whole);
	int b = parse(stream, len - 1, data[0] | 1u, &pieces);
	FUZZ_REQUIRE((a < 0) == (b < 0), "verdict %d vs %d", a, b);
	FUZZ_REQUIRE(
	    whole.len == pieces.len && (!whole.len || !memcmp(whole.p, pieces.p, whole.len)),
	    "messages differ:\n%.*s---\n%.*s", (int)whole.len, whole.p, (int)pieces.len, pieces.p);
	free(whole.p);
	free(pieces.p);
	return 0;
}
