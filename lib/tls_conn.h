/* One TLS 1.2 connection over a socket, through BearSSL's engine API. For
 * the node API it is mutually authenticated: the server requires a client
 * certificate, the client sends one, and each side accepts only a peer
 * whose certificate chains to the cluster CA and carries the expected role
 * in its subject (lib/x509_subject.h); the client may also require the
 * server's common name. A plain client (a syslog collector) checks the
 * server's chain and name only. Usable from a poll loop (tls_conn_pump, _events,
 * _read, _write) or blocking with a deadline (tls_conn_wait_*). The
 * socket stays the caller's. */
#ifndef SK_TLS_CONN_H
#define SK_TLS_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "tls_files.h"
#include "x509_subject.h"

struct tls_conn;

struct tls_conn_opts {
	const struct tls_identity *id; /* our certificate and key (a client may have none) */
	const struct tls_anchors *ca;  /* the CA the peer's chain must end at */
	const char *peer_role;	       /* required organization of the peer's subject, or NULL */
	const char *peer_cn;	       /* client side: required common name, or NULL */
	/* Client side: the host the server's certificate must name (a DNS
	 * name checked by BearSSL, or an IP address against its iPAddress
	 * entries); NULL checks no name (identity comes from the role). */
	const char *server_name;
};

int tls_conn_server(int fd, const struct tls_conn_opts *o, struct tls_conn **out,
		    struct sk_err *err);
int tls_conn_client(int fd, const struct tls_conn_opts *o, struct tls_conn **out,
		    struct sk_err *err);
void tls_conn_free(struct tls_conn *c);

/* ---- from a poll loop (the socket non-blocking) ---- */

/* Moves records between socket and engine as far as possible without
 * blocking. 0 while the connection lives, -1 once it is over (closed by
 * either side or failed: see tls_conn_describe). */
int tls_conn_pump(struct tls_conn *c);
/* POLLIN and/or POLLOUT: what the engine waits for on the socket. */
short tls_conn_events(const struct tls_conn *c);
/* Application bytes: what has arrived (0: none yet), and what the engine
 * accepts now (0: full, pump first). */
size_t tls_conn_read(struct tls_conn *c, void *buf, size_t len);
size_t tls_conn_write(struct tls_conn *c, const void *buf, size_t len);
/* Pushes written bytes out as a record now. */
void tls_conn_flush(struct tls_conn *c);
/* Sends close_notify (after what is buffered). */
void tls_conn_close(struct tls_conn *c);
int tls_conn_ready(const struct tls_conn *c); /* handshake done */
/* Bytes written but not yet handed to the socket. */
int tls_conn_pending_out(const struct tls_conn *c);

/* ---- blocking, until DEADLINE (CLOCK_MONOTONIC ms) ---- */

int tls_conn_wait_handshake(struct tls_conn *c, int64_t deadline, struct sk_err *err);
/* > 0 bytes read, 0 at the peer's end, < 0 on error or timeout. */
ssize_t tls_conn_wait_read(struct tls_conn *c, void *buf, size_t len, int64_t deadline,
			   struct sk_err *err);
int tls_conn_wait_write(struct tls_conn *c, const void *buf, size_t len, int64_t deadline,
			struct sk_err *err);
/* Flushes and waits until the socket took everything. */
int tls_conn_wait_flush(struct tls_conn *c, int64_t deadline, struct sk_err *err);

/* The peer's subject, valid once the handshake is done. */
const struct x509_subject *tls_conn_peer(const struct tls_conn *c);
/* The SHA-256 of the peer's certificate (DER) in hex, once the handshake
 * is done: what identities/<node> records (docs/cluster.md). */
void tls_conn_peer_sha256(const struct tls_conn *c, char hex[65]);
/* Why the connection failed, for people ("the peer's certificate is not
 * signed by the cluster CA", "alert 42 bad_certificate from the peer"). */
void tls_conn_describe(const struct tls_conn *c, char *buf, size_t size);

#endif
