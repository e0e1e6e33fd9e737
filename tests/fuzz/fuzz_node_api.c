/* The node API's requests (agent/api_http.c) and its exec stream
 * (lib/nodeapi_frame.c), as an authenticated client sends them: a
 * request head, and after an upgrade the client's frames. Byte 0 seeds
 * the read sizes; the rest is what the client wrote. A refused head must
 * give an error status and say why; an accepted one may hold only what
 * api_http.h promises. Its body (Content-Length bytes) is skipped. The frames are parsed once in
 * one piece and once in pieces: both must give the same frames and the same verdict. */
#include "agent/api_http.h"
#include "fuzz.h"
#include "nodeapi.h"

/* Decoded path segments and parameters: terminated, printable, and no
 * '/' in a segment (it would open another path below the API's). */
static void check_text(const char *s, size_t cap, int slash_ok, const char *what)
{
	size_t n = strnlen(s, cap);
	FUZZ_REQUIRE(n < cap, "%s is not terminated", what);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		FUZZ_REQUIRE(c >= 0x20 && c != 0x7f, "%s holds 0x%02x", what, c);
		FUZZ_REQUIRE(slash_ok || c != '/', "%s holds '/'", what);
	}
}

static void check_request(const struct api_request *r)
{
	check_text(r->method, sizeof r->method, 0, "method");
	FUZZ_REQUIRE(r->method[0], "accepted without a method");
	FUZZ_REQUIRE(r->nseg <= API_MAX_SEGMENTS, "%zu segments", r->nseg);
	for (size_t i = 0; i < r->nseg; i++) {
		FUZZ_REQUIRE(r->seg[i] >= r->segbuf && r->seg[i] < r->segbuf + sizeof r->segbuf,
			     "segment %zu outside segbuf", i);
		check_text(r->seg[i], (size_t)(r->segbuf + sizeof r->segbuf - r->seg[i]), 0,
			   "segment");
		FUZZ_REQUIRE(r->seg[i][0] && strcmp(r->seg[i], ".") && strcmp(r->seg[i], ".."),
			     "segment \"%s\" accepted", r->seg[i]);
	}
	FUZZ_REQUIRE(r->nparams <= API_MAX_PARAMS, "%zu parameters", r->nparams);
	for (size_t i = 0; i < r->nparams; i++) {
		check_text(r->params[i].name, sizeof r->params[i].name, 1, "parameter name");
		check_text(r->params[i].value, sizeof r->params[i].value, 1, "parameter value");
		FUZZ_REQUIRE(api_param(r, r->params[i].name) == r->params[i].value,
			     "parameter %s given twice", r->params[i].name);
	}
	FUZZ_REQUIRE(r->content_length >= -1 && r->content_length <= API_MAX_BODY,
		     "content length %ld", r->content_length);
}

struct frames {
	unsigned char *p; /* type, length (4 bytes), payload; one after another */
	size_t len;
};

static int collect(void *ctx, int type, const unsigned char *payload, size_t len,
		   struct sk_err *err)
{
	struct frames *f = ctx;
	FUZZ_REQUIRE(type >= 0 && type <= FRAME_TYPE_MAX, "frame type %d", type);
	FUZZ_REQUIRE(len <= FRAME_MAX_LEN, "frame of %zu bytes", len);
	unsigned char *p = realloc(f->p, f->len + 5 + len);
	FUZZ_REQUIRE(p, "realloc");
	p[f->len] = (unsigned char)type;
	uint32_t l = (uint32_t)len;
	memcpy(p + f->len + 1, &l, 4);
	if (len)
		memcpy(p + f->len + 5, payload, len);
	f->p = p;
	f->len += 5 + len;
	return 0;
}

static int parse_frames(const unsigned char *in, size_t len, unsigned step_seed, struct frames *f)
{
	static struct frame_parser p; /* 32 KiB of payload: not on the stack */
	struct sk_err err = {0};
	unsigned step = step_seed;
	int rc = 0;
	frame_parser_init(&p);
	memset(f, 0, sizeof *f);
	for (size_t at = 0; at < len && rc == 0;) {
		size_t n = len - at;
		if (step_seed) {
			step = step * 1103515245u + 12345u;
			n = 1 + (step >> 16) % 13;
			n = n < len - at ? n : len - at;
		}
		rc = frame_feed(&p, in + at, n, collect, f, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
		at += n;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1)
		return 0;
	const char *in = (const char *)data + 1;
	size_t n = len - 1, head = api_head_end(in, n);
	if (head) {
		FUZZ_REQUIRE(head <= n && !memcmp(in + head - 4, "\r\n\r\n", 4),
			     "head of %zu bytes does not end in an empty line", head);
		/* a copy of exactly the head, so ASan sees any read past it */
		char *copy = malloc(head);
		FUZZ_REQUIRE(copy, "malloc");
		memcpy(copy, in, head);
		struct api_request r;
		struct sk_err err = {0};
		int status = 0;
		int rc = api_request_parse(copy, head, &r, &status, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
		if (rc < 0)
			FUZZ_REQUIRE(status >= 400 && status <= 599, "refused with status %d",
				     status);
		else
			check_request(&r);
		free(copy);
		/* the body (an exec's JSON) comes before the frames */
		if (rc == 0 && r.content_length > 0)
			head += (size_t)r.content_length < n - head ? (size_t)r.content_length
								    : n - head;
	}
	struct frames whole, pieces;
	const unsigned char *stream = data + 1 + head;
	int a = parse_frames(stream, n - head, 0, &whole);
	int b = parse_frames(stream, n - head, data[0] | 1u, &pieces);
	FUZZ_REQUIRE(a == b, "verdict %d vs %d", a, b);
	FUZZ_REQUIRE(a < 0 || (whole.len == pieces.len &&
			       (whole.len == 0 || !memcmp(whole.p, pieces.p, whole.len))),
		     "frames differ (%zu vs %zu bytes)", whole.len, pieces.len);
	free(whole.p);
	free(pieces.p);
	return 0;
}
