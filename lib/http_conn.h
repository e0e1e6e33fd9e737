/* Inside the HTTP client (not for its users): the client's state, shared
 * by http_conn.c, which owns the one connection (TCP, TLS, buffered
 * input), and http_msg.c, which frames requests and responses on it. */
#ifndef SK_HTTP_CONN_H
#define SK_HTTP_CONN_H

#include <bearssl.h>

#include "http.h"
#include "tls_files.h"

struct ip_check;

struct http_client {
	int timeout_ms;
	char *ca_file;
	struct tls_anchors anchors;
	int anchors_loaded;
	struct tls_identity *id; /* client certificate, NULL if none */
	/* the one connection */
	int fd;
	int tls;
	char host[256];
	char port[8];
	int reusable;
	int eof;
	int io_errno;
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	struct ip_check *ipc; /* server name check for an IP address host */
	br_sslio_context ioc;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	/* buffered input */
	char rbuf[16384];
	size_t rpos, rlen;
	/* body of the last response */
	enum http_framing framing;
	uint64_t left;
	struct http_chunked chunked;
	int body_pending;
};

/* Opens a connection to u's scheme, host and port, or keeps the open one
 * when it already goes there and may be reused. */
int conn_open(struct http_client *c, const struct http_url *u, struct sk_err *err);
/* Closes the connection (if any) and drops what was buffered. */
void conn_close(struct http_client *c);
/* Sends all of data; on failure the connection is closed. */
int conn_write(struct http_client *c, const void *data, size_t len, struct sk_err *err);
/* Pushes what TLS buffered out as a record. */
int conn_flush(struct http_client *c, struct sk_err *err);
/* Reads more into rbuf; returns bytes read, 0 at a clean end, < 0 on error
 * (the connection then closed). */
int conn_fill(struct http_client *c, struct sk_err *err);
/* 1 when input is buffered (ours or the TLS engine's) or arrives within
 * timeout_ms, 0 on timeout, -1 on error. */
int conn_wait(struct http_client *c, int timeout_ms);

#endif
