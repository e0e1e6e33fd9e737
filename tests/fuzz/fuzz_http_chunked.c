/* Chunked transfer decoding (lib/http_msg.c): a response body as a server
 * streams it, arriving in reads of any size. The body is decoded once in
 * one piece and once in pieces whose sizes come from the first byte; both
 * must give the same bytes, the same end and the same verdict. */
#include "fuzz.h"
#include "http.h"

struct decoded {
	char *p;
	size_t len;
};

static int collect(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct decoded *d = ctx;
	FUZZ_REQUIRE(len > 0, "empty piece");
	char *p = realloc(d->p, d->len + len);
	FUZZ_REQUIRE(p, "realloc");
	memcpy(p + d->len, data, len);
	d->p = p;
	d->len += len;
	return 0;
}

struct outcome {
	struct decoded out;
	int rc, done;
	size_t used;
};

static void decode(const char *in, size_t len, unsigned step_seed, struct outcome *o)
{
	struct sk_err err = {0};
	struct http_chunked ch;
	http_chunked_init(&ch);
	memset(o, 0, sizeof *o);
	unsigned step = step_seed;
	for (size_t at = 0; at < len && !ch.done;) {
		size_t n = len;
		if (step_seed) {
			step = step * 1103515245u + 12345u;
			n = 1 + (step >> 16) % 7;
		}
		if (n > len - at)
			n = len - at;
		size_t used = 0;
		o->rc = http_chunked_feed(&ch, in + at, n, &used, collect, &o->out, &err);
		FUZZ_REQUIRE_MESSAGE(o->rc, &err);
		if (o->rc < 0)
			break;
		FUZZ_REQUIRE(used <= n, "used %zu of %zu", used, n);
		FUZZ_REQUIRE(used == n || ch.done, "stopped early without the last chunk");
		at += used;
		o->used = at;
	}
	o->done = ch.done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct outcome whole, pieces;
	if (len < 1)
		return 0;
	const char *body = (const char *)data + 1;
	decode(body, len - 1, 0, &whole);
	decode(body, len - 1, data[0] | 1u, &pieces);
	FUZZ_REQUIRE(whole.rc == pieces.rc, "verdict %d vs %d", whole.rc, pieces.rc);
	FUZZ_REQUIRE(whole.done == pieces.done, "end %d vs %d", whole.done, pieces.done);
	FUZZ_REQUIRE(whole.out.len == pieces.out.len &&
			 (whole.out.len == 0 || !memcmp(whole.out.p, pieces.out.p, whole.out.len)),
		     "decoded bytes differ (%zu vs %zu)", whole.out.len, pieces.out.len);
	FUZZ_REQUIRE(whole.rc < 0 || whole.used == pieces.used, "consumed %zu vs %zu", whole.used,
		     pieces.used);
	free(whole.out.p);
	free(pieces.out.p);
	return 0;
}
