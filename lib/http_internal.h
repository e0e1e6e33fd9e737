/* What the files of the HTTP client share: the client itself (one
 * connection, its TLS state and buffers) and the calls between them. */
#ifndef SK_HTTP_INTERNAL_H
#define SK_HTTP_INTERNAL_H

#include <bearssl.h>

#include "http.h"

#define MAX_LEAF_CERT (64 << 10)

struct client_identity;
struct ip_check;

struct http_client {
	int timeout_ms;
	char *ca_file;
	br_x509_trust_anchor *anchors;
	size_t nanchors;
	int anchors_loaded;
	struct client_identity *id; /* client certificate, NULL if none */
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

/* http_tls.c: trust (the CA bundle as anchors, loaded on first TLS use),
 * the client identity, and the name check of an IP address host. */
int http_tls_load_anchors(struct http_client *c, struct sk_err *err);
int http_tls_load_identity(const char *cert, const char *key, struct client_identity **out,
			   struct sk_err *err);
void http_tls_identity_install(struct http_client *c);
/* For an IP address host: installs the check, *server_name NULL. */
int http_tls_name_check(struct http_client *c, const char *host, const char **server_name);
/* Frees what the three above made. */
void http_tls_free(struct http_client *c);

/* http_conn.c: the connection (TCP, TLS) and its buffered I/O. */
int http_conn_open(struct http_client *c, const struct http_url *u, struct sk_err *err);
void http_conn_close(struct http_client *c);
int http_conn_write(struct http_client *c, const void *data, size_t len, struct sk_err *err);
int http_conn_flush(struct http_client *c, struct sk_err *err);
/* Reads more into rbuf; returns bytes read, 0 at a clean end, < 0 on error. */
int http_conn_fill(struct http_client *c, struct sk_err *err);
void http_conn_set_timeouts(int fd, int ms);

/* http_message.c: response heads (read from the connection). */
/* Returns 1 when the head was read, 0 when the connection closed before
 * any byte of it, -1 on error. */
int http_read_head(struct http_client *c, struct http_response *r, int method_head,
		   struct sk_err *err);

#endif
