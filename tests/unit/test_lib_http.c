#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base64.h"
#include "check.h"
#include "http.h"

struct collect {
	char buf[1024];
	size_t len;
};

static int collect(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct collect *c = ctx;
	if (c->len + len >= sizeof c->buf)
		return sk_fail(err, 0, "overflow");
	memcpy(c->buf + c->len, data, len);
	c->len += len;
	c->buf[c->len] = '\0';
	return 0;
}

/* Feeds `in` to a chunked decoder in pieces of `step` bytes. */
static int dechunk(const char *in, size_t step, struct collect *out, size_t *rest)
{
	struct http_chunked ch;
	struct sk_err err;
	size_t len = strlen(in), off = 0;
	memset(out, 0, sizeof *out);
	http_chunked_init(&ch);
	while (off < len && !ch.done) {
		size_t n = len - off < step ? len - off : step, used;
		if (http_chunked_feed(&ch, in + off, n, &used, collect, out, &err) < 0)
			return -1;
		off += used;
	}
	*rest = len - off;
	return ch.done ? 0 : 1;
}

TEST(chunked_any_split)
{
	const char *in = "4\r\nWiki\r\n5;name=v\r\npedia\r\nE\r\n "
			 "in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	for (size_t step = 1; step < 12; step++) {
		struct collect c;
		size_t rest;
		CHECK(dechunk(in, step, &c, &rest) == 0);
		CHECK_STREQ(c.buf, "Wikipedia in\r\n\r\nchunks.");
		CHECK(rest == 4); /* the bytes after the body are left alone */
	}
}

TEST(chunked_rejects_garbage)
{
	struct collect c;
	size_t rest;
	CHECK(dechunk("zz\r\nabc\r\n0\r\n\r\n", 3, &c, &rest) < 0);
	CHECK(dechunk("3\r\nabcX0\r\n\r\n", 3, &c, &rest) < 0);
	CHECK(dechunk("ffffffffffffffffff\r\n", 5, &c, &rest) < 0);
	CHECK(dechunk("\r\n", 1, &c, &rest) < 0);
	CHECK(dechunk("3\r\nab", 2, &c, &rest) == 1); /* incomplete, not an error */
}

static int head(struct http_response *r, const char *text, int is_head)
{
	struct sk_err err;
	size_t n = strlen(text);
	memcpy(r->head, text, n + 1);
	return http_parse_head(r, n, is_head, &err);
}

TEST(response_heads)
{
	static struct http_response r;
	CHECK(head(&r,
		   "HTTP/1.1 200 OK\r\nContent-Length: 12\r\ncontent-type:  text/plain \r\n\r\n",
		   0) == 0);
	CHECK(r.status == 200 && r.framing == HTTP_BODY_LENGTH && r.content_length == 12);
	CHECK_STREQ(http_header_get(&r, "Content-Type"), "text/plain");
	CHECK(r.keep_alive);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		   0) == 0);
	CHECK(r.framing == HTTP_BODY_CHUNKED);
	CHECK(head(&r, "HTTP/1.0 200 OK\r\n\r\n", 0) == 0);
	CHECK(r.framing == HTTP_BODY_CLOSE && !r.keep_alive);
	CHECK(head(&r, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", 0) == 0);
	CHECK(r.framing == HTTP_BODY_NONE && !r.keep_alive);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", 1) == 0);
	CHECK(r.framing == HTTP_BODY_NONE);
	CHECK(head(&r, "HTTP/1.1 301 Moved\nLocation: /x\n\n", 0) == 0);
	CHECK_STREQ(http_header_get(&r, "location"), "/x");
}

TEST(bad_heads)
{
	static struct http_response r;
	CHECK(head(&r, "HTTP/2 200 OK\r\n\r\n", 0) < 0);
	CHECK(head(&r, "HTTP/1.1 2x0 OK\r\n\r\n", 0) < 0);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", 0) < 0);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", 0) < 0);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0) < 0);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 0) < 0);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0) < 0);
	CHECK(head(&r, "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", 0) < 0);
	char many[HTTP_MAX_HEAD_BYTES];
	size_t n = sprintf(many, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= HTTP_MAX_HEADERS; i++)
		n += sprintf(many + n, "X-%d: v\r\n", i);
	strcpy(many + n, "\r\n");
	CHECK(head(&r, many, 0) < 0);
}

TEST(urls)
{
	struct http_url u, v;
	struct sk_err err;
	CHECK(http_url_parse("https://registry-1.docker.io/v2/", &u, &err) == 0);
	CHECK(u.tls && strcmp(u.port, "443") == 0);
	CHECK_STREQ(u.host, "registry-1.docker.io");
	CHECK_STREQ(u.path, "/v2/");
	CHECK(http_url_parse("http://127.0.0.1:5000", &u, &err) == 0);
	CHECK(!u.tls);
	CHECK_STREQ(u.port, "5000");
	CHECK_STREQ(u.path, "/");
	CHECK(http_url_parse("http://[::1]:8080/a?b=c#frag", &u, &err) == 0);
	CHECK_STREQ(u.host, "::1");
	CHECK_STREQ(u.path, "/a?b=c");
	CHECK(http_url_parse("ftp://x/", &u, &err) < 0);
	CHECK(http_url_parse("http://user@host/", &u, &err) < 0);
	CHECK(http_url_parse("http://host:99999/", &u, &err) < 0);
	CHECK(http_url_parse("http://host/a b", &u, &err) < 0);
	CHECK(http_url_parse("http://h:1/v2/x/blobs/y", &u, &err) == 0);
	CHECK(http_url_resolve(&u, "/other?sig=1", &v, &err) == 0);
	CHECK_STREQ(v.path, "/other?sig=1");
	CHECK_STREQ(v.host, "h");
	CHECK(http_url_resolve(&u, "z", &v, &err) == 0);
	CHECK_STREQ(v.path, "/v2/x/blobs/z");
	CHECK(http_url_resolve(&u, "https://cdn.example/b", &v, &err) == 0);
	CHECK(v.tls);
	CHECK_STREQ(v.host, "cdn.example");
}

TEST(base64_round_trip)
{
	char enc[64], dec[64];
	base64_encode("alice:s3cret", 12, enc);
	CHECK_STREQ(enc, "YWxpY2U6czNjcmV0");
	base64_encode("ab", 2, enc);
	CHECK_STREQ(enc, "YWI=");
	long n = base64_decode("YWI=", dec, sizeof dec);
	CHECK(n == 2 && memcmp(dec, "ab", 2) == 0);
	CHECK(base64_decode("YW*=", dec, sizeof dec) < 0);
	CHECK(base64_decode("YWxpY2U6czNjcmV0", dec, 4) < 0);
}

TEST(missing_ca_bundle_is_an_error)
{
	struct http_client *c;
	struct http_client_opts o = {.ca_file = "/nonexistent/ca.pem", .timeout_ms = 1000};
	struct sk_err err = {0};
	static struct http_response r;
	struct http_request req = {.url = "https://127.0.0.1:1/"};
	CHECK(http_client_new(&o, &c, &err) == 0);
	CHECK(http_request(c, &req, &r, &err) < 0);
	CHECK(strstr(err.msg, "CA bundle") != NULL);
	http_client_free(c);
}

/* A one-shot server on 127.0.0.1 that sends REPLY to its first client and
 * closes; returns its port (the child's pid in *pid). */
static int serve_once(const char *reply, pid_t *pid)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	if ((*pid = fork()) == 0) {
		char buf[4096];
		int c = accept(fd, NULL, NULL);
		if (c >= 0 && read(c, buf, sizeof buf) > 0 && write(c, reply, strlen(reply)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fd);
	return ntohs(a.sin_port);
}

/* What a caller may try again is told apart by class: a refused
 * connection and a body cut short are the network; a bad answer is not. */
TEST(network_errors_are_of_class_net)
{
	static struct http_response r;
	struct http_client_opts o = {.timeout_ms = 5000};
	struct http_client *c;
	struct collect body = {0};
	struct sk_err err = {0};
	char url[64];
	pid_t pid;
	int port;

	CHECK(http_client_new(&o, &c, &err) == 0);
	port = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", &pid);
	CHECK(port > 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/blob", port);
	CHECK(http_request(c, &(struct http_request){.url = url}, &r, &err) == 0);
	CHECK(http_body_read(c, collect, &body, &err) < 0);
	CHECK(err.cls == SK_ERR_NET && strstr(err.msg, "connection closed in the body"));
	CHECK(body.len == 3);
	waitpid(pid, NULL, 0);
	/* the server is gone: its port refuses */
	CHECK(http_request(c, &(struct http_request){.url = url}, &r, &err) < 0);
	CHECK(err.cls == SK_ERR_NET && err.errnum == ECONNREFUSED);
	port = serve_once("garbage\r\n\r\n", &pid);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	CHECK(http_request(c, &(struct http_request){.url = url}, &r, &err) < 0);
	CHECK(err.cls == SK_ERR_FAIL && strstr(err.msg, "bad HTTP status line"));
	waitpid(pid, NULL, 0);
	http_client_free(c);
}

/* Throwaway test material (P-256): KEY_A with its self-signed CERT_A, and
 * KEY_B, which belongs to no certificate. */
static const char KEY_A[] = "-----BEGIN EC PRIVATE KEY-----\n"
			    "MHcCAQEEIPS0toK9Y2sGBAVfUT3zekSUMuTpIwuJQKNHXH01gZ+4oAoGCCqGSM49\n"
			    "AwEHoUQDQgAEELeg/0VZlE8aSx2hVYDcUzqvJbZ/PmW7Lo2hvT2AGRxWYADoEjXt\n"
			    "ucvM9zHTgVxYgWPnNArgxsTCekqHlCK+SA==\n"
			    "-----END EC PRIVATE KEY-----\n";
static const char CERT_A[] = "-----BEGIN CERTIFICATE-----\n"
			     "MIIBdDCCARugAwIBAgIUJR0c4uTRdNVBLGQTFcZiaGvdefYwCgYIKoZIzj0EAwIw\n"
			     "DzENMAsGA1UEAwwEdW5pdDAgFw0yNjExMjQxNDA0MzVaGA8yMTI2MTAzMTE0MDQz\n"
			     "NVowDzENMAsGA1UEAwwEdW5pdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBC3\n"
			     "oP9FWZRPGksdoVWA3FM6ryW2fz5luy6Nob09gBkcVmAA6BI17bnLzPcx04FcWIFj\n"
			     "5zQK4MbEwnpKh5QivkijUzBRMB0GA1UdDgQWBBTYC7L3N7m/n0H4JXUSC1lOieVl\n"
			     "wTAfBgNVHSMEGDAWgBTYC7L3N7m/n0H4JXUSC1lOieVlwTAPBgNVHRMBAf8EBTAD\n"
			     "AQH/MAoGCCqGSM49BAMCA0cAMEQCIHUTs9DEEjEfOuf/iDsYmnFgy2ccknYPBgd1\n"
			     "pNsdYjcgAiAY210A4DQUUNSMnM6mnvwQlDUiDQfxENXeTs6yU+7iUg==\n"
			     "-----END CERTIFICATE-----\n";
static const char KEY_B[] = "-----BEGIN EC PRIVATE KEY-----\n"
			    "MHcCAQEEIPB8zeZ4GWaBYzxu5r2/JmtKkgwAF52CRTkpPrjn0xQJoAoGCCqGSM49\n"
			    "AwEHoUQDQgAEyTnPwFLwFugZxDs5hPnlga+cecZZlJVUNj1rZKZLLU07lhLP/4Jp\n"
			    "BlqEC8CkxEK/ELuCtEGZaKFf55Oj1EYdCQ==\n"
			    "-----END EC PRIVATE KEY-----\n";
static const char KEY_ED25519[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIMgYI3o6/Fh2ExwGEbHtTB90KJjeqNJAoWk/VK+y/MpH\n"
    "-----END PRIVATE KEY-----\n";

static char pem_dir[] = "/tmp/test_lib_http.XXXXXX";
static char pem_paths[32][128];
static int npem;

/* Writes text to a new file in pem_dir; returns its path. */
static const char *pem_file(const char *name, const char *text)
{
	if (npem == 32)
		return "/nonexistent/too-many-files";
	char *path = pem_paths[npem++];
	snprintf(path, sizeof pem_paths[0], "%s/%d.%s", pem_dir, npem, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* http_client_new with a certificate and a key: 0, or -1 with err set. */
static int client_with(const char *cert, const char *key, struct sk_err *err)
{
	struct http_client *c = NULL;
	struct http_client_opts o = {.cert_file = cert, .key_file = key};
	memset(err, 0, sizeof *err);
	int r = http_client_new(&o, &c, err);
	http_client_free(c);
	return r;
}

TEST(client_certificate_loads)
{
	struct sk_err err;
	CHECK(client_with(pem_file("a.pem", CERT_A), pem_file("a.key", KEY_A), &err) == 0);
	/* an EC PARAMETERS block before the key is skipped */
	char both[1024];
	snprintf(both, sizeof both,
		 "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
		 "-----END EC PARAMETERS-----\n%s",
		 KEY_A);
	CHECK(client_with(pem_file("a.pem", CERT_A), pem_file("p.key", both), &err) == 0);
}

TEST(client_certificate_errors_name_the_file)
{
	struct sk_err err;
	const char *cert = pem_file("a.pem", CERT_A);
	CHECK(client_with("/nonexistent/c.pem", pem_file("a.key", KEY_A), &err) < 0);
	CHECK_STREQ(err.msg,
		    "client certificate: open /nonexistent/c.pem: No such file or directory");
	CHECK(client_with(pem_file("k.pem", KEY_A), pem_file("a.key", KEY_A), &err) < 0);
	CHECK(strstr(err.msg, "k.pem: not PEM (no CERTIFICATE block)") != NULL);
	CHECK(client_with(cert, pem_file("c.key", CERT_A), &err) < 0);
	CHECK(strstr(err.msg, "c.key: not PEM (no PRIVATE KEY block)") != NULL);
	CHECK(client_with(cert, pem_file("junk.key", "just some text\n"), &err) < 0);
	CHECK(strstr(err.msg, "junk.key: not PEM") != NULL);
	CHECK(client_with(cert, pem_file("b.key", KEY_B), &err) < 0);
	CHECK(strstr(err.msg, "client key ") &&
	      strstr(err.msg, "b.key does not match certificate "));
	CHECK(client_with(cert, pem_file("ed.key", KEY_ED25519), &err) < 0);
	CHECK(strstr(err.msg, "ed.key: key type unsupported") != NULL);
	CHECK(client_with(cert,
			  pem_file("e.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
					    "-----END ENCRYPTED PRIVATE KEY-----\n"),
			  &err) < 0);
	CHECK(strstr(err.msg, "e.key: encrypted keys are not supported") != NULL);
	CHECK(client_with(cert,
			  pem_file("m.key", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n"
					    "-----END RSA PRIVATE KEY-----\n"),
			  &err) < 0);
	CHECK(strstr(err.msg, "m.key: malformed private key") != NULL);
	CHECK(client_with(cert,
			  pem_file("bad.key", "-----BEGIN EC PRIVATE KEY-----\n*!*\n"
					      "-----END EC PRIVATE KEY-----\n"),
			  &err) < 0);
	CHECK(strstr(err.msg, "bad.key: malformed PEM") != NULL);
	CHECK(client_with(cert, NULL, &err) < 0);
	CHECK(strstr(err.msg, "needs a key") != NULL);
}

int main(void)
{
	RUN(chunked_any_split);
	RUN(chunked_rejects_garbage);
	RUN(response_heads);
	RUN(bad_heads);
	RUN(urls);
	RUN(base64_round_trip);
	RUN(missing_ca_bundle_is_an_error);
	RUN(network_errors_are_of_class_net);
	if (!mkdtemp(pem_dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(client_certificate_loads);
	RUN(client_certificate_errors_name_the_file);
	for (int i = 0; i < npem; i++)
		unlink(pem_paths[i]);
	rmdir(pem_dir);
	return check_summary();
}
