/* A small HTTP/1.1 client: one keep-alive connection per client (plain TCP
 * or TLS through BearSSL, verified against a PEM CA bundle, optionally
 * with a client certificate; an IP address host is matched against the
 * certificate's iPAddress names), bounded response headers,
 * Content-Length / chunked / until-close bodies streamed into a callback,
 * redirects, and I/O timeouts. Used by the image puller and the etcd
 * client; TLS trust (PEM files, anchors, identity) is in tls_files.h. A
 * request is two steps: http_request() sends it and reads the response
 * head (following redirects); the caller then consumes the body with
 * http_body_read() or http_body_discard(). Made of http_url.c (URLs),
 * http_conn.c (the client and its connection: TCP, TLS, buffered I/O) and
 * http_msg.c (request and response framing, redirects, bodies). */
#ifndef SK_HTTP_H
#define SK_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define HTTP_MAX_HEADERS    64
#define HTTP_MAX_HEAD_BYTES 16384
#define HTTP_MAX_URL	    4096

struct http_url {
	int tls;
	char host[256];
	char port[8];
	char path[HTTP_MAX_URL]; /* path and query, always starts with '/' */
};

/* Parses an absolute http:// or https:// URL. */
int http_url_parse(const char *url, struct http_url *u, struct sk_err *err);
/* Resolves `ref` (absolute URL, absolute path or relative path) against `base`. */
int http_url_resolve(const struct http_url *base, const char *ref, struct http_url *out,
		     struct sk_err *err);

struct http_header {
	const char *name;
	const char *value;
};

enum http_framing { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED, HTTP_BODY_CLOSE };

struct http_response {
	int status;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	char head[HTTP_MAX_HEAD_BYTES + 1]; /* storage the headers point into */
	struct http_url url;		    /* where the response came from */
	enum http_framing framing;
	int64_t content_length; /* -1 when unknown */
	int keep_alive;
};

/* Case-insensitive header lookup; NULL if absent. */
const char *http_header_get(const struct http_response *r, const char *name);

/* Parses a response head (status line + headers, ending in an empty line)
 * held in r->head (NUL-terminated, `len` bytes); sets status, headers,
 * framing. `method_head` marks a response to HEAD (never has a body). */
int http_parse_head(struct http_response *r, size_t len, int method_head, struct sk_err *err);

struct http_request {
	const char *method; /* "GET" when NULL */
	const char *url;
	const char *const *headers; /* "Name: value" lines, NULL-terminated, may be NULL */
	const void *body;
	size_t body_len;
	int max_redirects; /* followed for 301/302/303/307/308; 0 = none */
	int keep_auth;	   /* keep Authorization across a redirect to another host */
};

struct http_client_opts {
	int timeout_ms;	     /* connect and per-I/O timeout; default 30000 */
	const char *ca_file; /* default /etc/ssl/certs/ca-certificates.crt */
	/* TLS client certificate: a PEM chain (leaf first) and its PEM private
	 * key (RSA, or EC on P-256/384/521; PKCS#1, SEC 1 or unencrypted
	 * PKCS#8). Both or neither. */
	const char *cert_file;
	const char *key_file;
};

struct http_client;

/* Reads the client certificate and key at once (errors name the file: not
 * readable, not PEM, key type unsupported, key not the certificate's); the
 * CA bundle is read at the first TLS connection. */
int http_client_new(const struct http_client_opts *opts, struct http_client **out,
		    struct sk_err *err);
void http_client_free(struct http_client *c);
/* Changes the connect and per-I/O timeout (also of the open connection);
 * returns the previous one. */
int http_client_set_timeout(struct http_client *c, int timeout_ms);
/* 1 when a kept-alive connection to url's scheme, host and port is open
 * and idle (the next request to it reuses it), else 0. */
int http_client_connected(const struct http_client *c, const char *url);

/* Errors of the network itself (no connection, a timeout, a connection
 * that broke or closed early) are of class SK_ERR_NET: trying again may
 * work. A bad answer or a TLS failure is SK_ERR_FAIL. The same holds for
 * the body reads below. */
int http_request(struct http_client *c, const struct http_request *req, struct http_response *resp,
		 struct sk_err *err);

/* Streams the body of the last response: fn gets each piece in order.
 * A nonzero return from fn stops the read (the connection is then closed). */
typedef int (*http_body_fn)(void *ctx, const void *data, size_t len, struct sk_err *err);
int http_body_read(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err);
/* One step of http_body_read for a long-lived body (a stream): hands fn
 * what is buffered and what one read brings. Returns 1 while the body goes
 * on, 0 at its end, < 0 on error. */
int http_body_read_some(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err);
/* Waits up to timeout_ms for more of the body: 1 when there is something
 * to read (or the body ended), 0 on timeout, < 0 on error. The connection
 * stays usable after a timeout. */
int http_body_wait(struct http_client *c, int timeout_ms);
/* Reads the whole body into a malloc'd NUL-terminated buffer of at most max bytes. */
int http_body_read_all(struct http_client *c, size_t max, char **out, size_t *len,
		       struct sk_err *err);
int http_body_discard(struct http_client *c, struct sk_err *err);

/* Chunked transfer decoding as a push parser, exposed for tests. */
struct http_chunked {
	int state;
	uint64_t left;
	unsigned digits;
	int done;
};
void http_chunked_init(struct http_chunked *ch);
/* Consumes input; each data piece goes to fn. *used is the number of bytes
 * consumed (less than len only once the terminating chunk is seen). */
int http_chunked_feed(struct http_chunked *ch, const char *in, size_t len, size_t *used,
		      http_body_fn fn, void *ctx, struct sk_err *err);

#endif
