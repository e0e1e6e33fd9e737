/* HTTP response heads (lib/http_msg.c) as a server sends them to the image
 * puller and the etcd client: the status line and headers, the body's
 * framing, then what the clients read from the headers (a redirect's
 * Location, a registry's WWW-Authenticate challenge and Content-Range).
 * The first byte's low bit says whether the request was a HEAD. */
#include "fuzz.h"
#include "http.h"
#include "runtime/image_internal.h"

static void use_headers(const struct http_response *r)
{
	struct sk_err err = {0};
	struct http_url base, next;
	struct auth_challenge ch;
	FUZZ_REQUIRE(
	    http_url_parse("https://registry.test:5000/v2/library/busybox/manifests/latest", &base,
			   &err) == 0,
	    "%s", err.msg);
	const char *loc = http_header_get(r, "Location");
	if (loc) {
		int rc = http_url_resolve(&base, loc, &next, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
		FUZZ_REQUIRE(rc < 0 || next.path[0] == '/', "path \"%s\"", next.path);
	}
	const char *www = http_header_get(r, "WWW-Authenticate");
	if (www) {
		int rc = auth_challenge_parse(www, &ch, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	static struct http_response r;
	/* read_head hands the parser at most HTTP_MAX_HEAD_BYTES */
	if (len < 1 || len - 1 > HTTP_MAX_HEAD_BYTES)
		return 0;
	memcpy(r.head, data + 1, len - 1);
	int rc = http_parse_head(&r, len - 1, data[0] & 1, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc < 0)
		return 0;
	FUZZ_REQUIRE(r.status >= 0 && r.status <= 999, "status %d", r.status);
	FUZZ_REQUIRE(r.nheaders <= HTTP_MAX_HEADERS, "%zu headers", r.nheaders);
	FUZZ_REQUIRE(r.framing != HTTP_BODY_LENGTH || r.content_length > 0,
		     "length framing of %lld", (long long)r.content_length);
	use_headers(&r);
	return 0;
}
