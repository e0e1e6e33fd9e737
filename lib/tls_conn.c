/* Mutual TLS connections for the node API (see tls_conn.h). The peer's
 * chain goes through BearSSL's minimal X.509 engine wrapped by a capture
 * that keeps the leaf certificate (bounded) and, once the chain is valid,
 * checks the role and name in its subject. */
#include "tls_conn.h"
#include "clock.h"
#include "tls_profile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "hex.h"
#include "tls_alert.h"

#define MAX_LEAF (16 << 10)

struct leaf_check {
	const br_x509_class *vtable;
	br_x509_minimal_context *inner;
	const char *role, *cn;
	unsigned char ip[16]; /* the server name when it is an address */
	size_t ip_len;
	unsigned ncerts;
	unsigned char leaf[MAX_LEAF];
	size_t leaf_len, leaf_want;
	struct x509_subject subject;
	char reason[200]; /* why a valid chain was still refused */
};

struct tls_conn {
	int fd;
	union {
		br_ssl_server_context s;
		br_ssl_client_context c;
	} u;
	br_ssl_engine_context *eng;
	br_x509_minimal_context xc;
	struct leaf_check check;
	int io_errno, eof;
	int ready; /* the handshake completed once */
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

/* ---- the peer's certificate ---- */

static br_x509_minimal_context *inner(const br_x509_class **ctx)
{
	return ((struct leaf_check *)ctx)->inner;
}

static void lc_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct leaf_check *x = (struct leaf_check *)ctx;

	x->ncerts = 0;
	x->leaf_len = x->leaf_want = 0;
	x->reason[0] = '\0';
	inner(ctx)->vtable->start_chain(&inner(ctx)->vtable, NULL);
}

static void lc_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct leaf_check *x = (struct leaf_check *)ctx;

	if (x->ncerts == 0)
		x->leaf_want = length;
	inner(ctx)->vtable->start_cert(&inner(ctx)->vtable, length);
}

static void lc_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct leaf_check *x = (struct leaf_check *)ctx;

	if (x->ncerts == 0 && len <= sizeof x->leaf - x->leaf_len) {
		memcpy(x->leaf + x->leaf_len, buf, len);
		x->leaf_len += len;
	}
	inner(ctx)->vtable->append(&inner(ctx)->vtable, buf, len);
}

static void lc_end_cert(const br_x509_class **ctx)
{
	((struct leaf_check *)ctx)->ncerts++;
	inner(ctx)->vtable->end_cert(&inner(ctx)->vtable);
}

static unsigned lc_end_chain(const br_x509_class **ctx)
{
	struct leaf_check *x = (struct leaf_check *)ctx;
	unsigned r = inner(ctx)->vtable->end_chain(&inner(ctx)->vtable);

	if (r)
		return r;
	if (x->leaf_len != x->leaf_want ||
	    x509_subject_read(x->leaf, x->leaf_len, &x->subject) < 0) {
		snprintf(x->reason, sizeof x->reason,
			 "the peer's certificate subject is unreadable");
		return BR_ERR_X509_NOT_TRUSTED;
	}
	if (x->ip_len && !x509_has_ip(x->leaf, x->leaf_len, x->ip, x->ip_len)) {
		snprintf(x->reason, sizeof x->reason,
			 "the server's certificate does not name its address");
		return BR_ERR_X509_BAD_SERVER_NAME;
	}
	if (x->role && strcmp(x->subject.o, x->role) != 0) {
		snprintf(x->reason, sizeof x->reason,
			 "the peer's certificate (CN=%.60s) has role \"%.60s\", not \"%s\"",
			 x->subject.cn, x->subject.o, x->role);
		return BR_ERR_X509_NOT_TRUSTED;
	}
	if (x->cn && strcmp(x->subject.cn, x->cn) != 0) {
		snprintf(x->reason, sizeof x->reason,
			 "the peer's certificate is CN=%.60s's, not %.60s's", x->subject.cn, x->cn);
		return BR_ERR_X509_BAD_SERVER_NAME;
	}
	return 0;
}

static const br_x509_pkey *lc_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct leaf_check *x = (const struct leaf_check *)ctx;

	return x->inner->vtable->get_pkey(&x->inner->vtable, usages);
}

static const br_x509_class leaf_check_vtable = {
    sizeof(struct leaf_check),
    lc_start_chain,
    lc_start_cert,
    lc_append,
    lc_end_cert,
    lc_end_chain,
    lc_get_pkey,
};

/* ---- setup ---- */

/* TLS 1.2 with forward secrecy and AEAD only: both ends are Skiff's. */
static void restrict_suites(br_ssl_engine_context *eng)
{
	static const uint16_t suites[] = {
	    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	};

	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
}

static struct tls_conn *conn_new(int fd, const struct tls_conn_opts *o, struct sk_err *err)
{
	struct tls_conn *c = calloc(1, sizeof *c);

	if (!c) {
		sk_fail(err, ENOMEM, "TLS connection");
		return NULL;
	}
	c->fd = fd;
	c->check.vtable = &leaf_check_vtable;
	c->check.inner = &c->xc;
	c->check.role = o->peer_role;
	c->check.cn = o->peer_cn;
	tls_profile_x509(&c->xc, o->ca->v, o->ca->n);
	return c;
}

int tls_conn_server(int fd, const struct tls_conn_opts *o, struct tls_conn **out,
		    struct sk_err *err)
{
	const struct tls_identity *id = o->id;
	struct tls_conn *c = conn_new(fd, o, err);

	if (!c)
		return -1;
	br_ssl_server_context *s = &c->u.s;
	if (br_skey_decoder_key_type(&id->key) == BR_KEYTYPE_EC)
		tls_profile_server_ec(s, id->chain, id->chain_len, id->issuer_key_type,
				      br_skey_decoder_get_ec(&id->key));
	else
		tls_profile_server_rsa(s, id->chain, id->chain_len,
				       br_skey_decoder_get_rsa(&id->key));
	c->eng = &s->eng;
	restrict_suites(c->eng);
	/* Client certificates: asked for, required, and verified. */
	br_ssl_engine_set_default_ecdsa(c->eng);
	br_ssl_engine_set_default_rsavrfy(c->eng);
	br_ssl_server_set_trust_anchor_names_alt(s, o->ca->v, o->ca->n);
	br_ssl_engine_set_x509(c->eng, &c->check.vtable);
	br_ssl_engine_set_buffer(c->eng, c->iobuf, sizeof c->iobuf, 1);
	if (!br_ssl_server_reset(s)) {
		free(c);
		return sk_fail(err, 0, "TLS server setup failed");
	}
	*out = c;
	return 0;
}

int tls_conn_client(int fd, const struct tls_conn_opts *o, struct tls_conn **out,
		    struct sk_err *err)
{
	const struct tls_identity *id = o->id;
	struct tls_conn *c = conn_new(fd, o, err);

	if (!c)
		return -1;
	br_ssl_client_context *cc = &c->u.c;
	tls_profile_client(cc, &c->xc, o->ca->v, o->ca->n);
	c->eng = &cc->eng;
	restrict_suites(c->eng);
	br_ssl_engine_set_x509(c->eng, &c->check.vtable);
	if (id && br_skey_decoder_key_type(&id->key) == BR_KEYTYPE_EC)
		br_ssl_client_set_single_ec(
		    cc, id->chain, id->chain_len, br_skey_decoder_get_ec(&id->key), BR_KEYTYPE_SIGN,
		    id->issuer_key_type, br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
	else if (id)
		br_ssl_client_set_single_rsa(cc, id->chain, id->chain_len,
					     br_skey_decoder_get_rsa(&id->key),
					     br_rsa_pkcs1_sign_get_default());
	br_ssl_engine_set_buffer(c->eng, c->iobuf, sizeof c->iobuf, 1);
	/* Without a server name BearSSL matches none: a node is known by the
	 * role and common name checked above, not by its address (it is often
	 * reached through a port forward). An address is matched above too;
	 * BearSSL matches DNS names only. */
	const char *name = o->server_name;
	if (name && inet_pton(AF_INET, name, c->check.ip) == 1)
		c->check.ip_len = 4, name = NULL;
	else if (name && inet_pton(AF_INET6, name, c->check.ip) == 1)
		c->check.ip_len = 16, name = NULL;
	if (!br_ssl_client_reset(cc, name, 0)) {
		free(c);
		return sk_fail(err, 0, "TLS client setup failed");
	}
	*out = c;
	return 0;
}

void tls_conn_free(struct tls_conn *c)
{
	if (c)
		explicit_bzero(c, sizeof *c);
	free(c);
}

/* ---- the pump ---- */

int tls_conn_ready(const struct tls_conn *c)
{
	return (br_ssl_engine_current_state(c->eng) & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) != 0;
}

static void note_ready(struct tls_conn *c)
{
	if (!c->ready && tls_conn_ready(c))
		c->ready = 1;
}

static int send_records(struct tls_conn *c)
{
	size_t len;
	unsigned char *buf = br_ssl_engine_sendrec_buf(c->eng, &len);
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n > 0) {
		br_ssl_engine_sendrec_ack(c->eng, (size_t)n);
		return 1;
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		c->io_errno = errno;
		return -1;
	}
	return 0;
}

static int recv_records(struct tls_conn *c)
{
	size_t len;
	unsigned char *buf = br_ssl_engine_recvrec_buf(c->eng, &len);
	ssize_t n = recv(c->fd, buf, len, MSG_DONTWAIT);

	if (n > 0) {
		br_ssl_engine_recvrec_ack(c->eng, (size_t)n);
		return 1;
	}
	if (n == 0) {
		c->eof = 1;
		return -1;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		c->io_errno = errno;
		return -1;
	}
	return 0;
}

int tls_conn_pump(struct tls_conn *c)
{
	for (;;) {
		unsigned st = br_ssl_engine_current_state(c->eng);
		int moved = 0, r;

		if ((st & BR_SSL_CLOSED) || c->eof || c->io_errno)
			return -1;
		if (st & BR_SSL_SENDREC) {
			if ((r = send_records(c)) < 0)
				return -1;
			moved |= r;
		}
		if (st & BR_SSL_RECVREC) {
			if ((r = recv_records(c)) < 0)
				return -1;
			moved |= r;
		}
		note_ready(c);
		if (!moved)
			return 0;
	}
}

short tls_conn_events(const struct tls_conn *c)
{
	unsigned st = br_ssl_engine_current_state(c->eng);
	short ev = 0;

	if (st & BR_SSL_SENDREC)
		ev |= POLLOUT;
	if (st & BR_SSL_RECVREC)
		ev |= POLLIN;
	return ev;
}

size_t tls_conn_read(struct tls_conn *c, void *buf, size_t len)
{
	size_t avail;
	unsigned char *p = br_ssl_engine_recvapp_buf(c->eng, &avail);

	if (!p)
		return 0;
	if (avail > len)
		avail = len;
	memcpy(buf, p, avail);
	br_ssl_engine_recvapp_ack(c->eng, avail);
	return avail;
}

size_t tls_conn_write(struct tls_conn *c, const void *buf, size_t len)
{
	size_t room;
	unsigned char *p = br_ssl_engine_sendapp_buf(c->eng, &room);

	if (!p)
		return 0;
	if (room > len)
		room = len;
	memcpy(p, buf, room);
	br_ssl_engine_sendapp_ack(c->eng, room);
	return room;
}

void tls_conn_flush(struct tls_conn *c)
{
	br_ssl_engine_flush(c->eng, 0);
}

void tls_conn_close(struct tls_conn *c)
{
	br_ssl_engine_close(c->eng);
}

int tls_conn_pending_out(const struct tls_conn *c)
{
	return (br_ssl_engine_current_state(c->eng) & BR_SSL_SENDREC) != 0;
}

const struct x509_subject *tls_conn_peer(const struct tls_conn *c)
{
	return &c->check.subject;
}

void tls_conn_peer_sha256(const struct tls_conn *c, char hex[65])
{
	unsigned char d[32];
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, c->check.leaf, c->check.leaf_len);
	br_sha256_out(&h, d);
	sk_hex(d, sizeof d, hex);
}

/* ---- blocking ---- */

static int fail(struct tls_conn *c, const char *what, struct sk_err *err)
{
	char why[300];

	tls_conn_describe(c, why, sizeof why);
	return sk_fail(err, 0, "%s: %s", what, why);
}

/* Pumps until the engine is in one of the WANT states. */
static int wait_state(struct tls_conn *c, unsigned want, int64_t deadline, const char *what,
		      struct sk_err *err)
{
	for (;;) {
		if (tls_conn_pump(c) < 0)
			return fail(c, what, err);
		unsigned st = br_ssl_engine_current_state(c->eng);
		if (st & want)
			return 0;
		int64_t left = deadline - sk_now_ms();
		if (left <= 0)
			return sk_fail(err, 0, "%s: timed out", what);
		struct pollfd p = {.fd = c->fd, .events = tls_conn_events(c)};
		if (poll(&p, 1, left > 60000 ? 60000 : (int)left) < 0 && errno != EINTR)
			return sk_fail(err, errno, "%s: poll", what);
	}
}

int tls_conn_wait_handshake(struct tls_conn *c, int64_t deadline, struct sk_err *err)
{
	return wait_state(c, BR_SSL_SENDAPP | BR_SSL_RECVAPP, deadline, "TLS handshake", err);
}

ssize_t tls_conn_wait_read(struct tls_conn *c, void *buf, size_t len, int64_t deadline,
			   struct sk_err *err)
{
	size_t n = tls_conn_read(c, buf, len);

	if (n > 0)
		return (ssize_t)n;
	if (wait_state(c, BR_SSL_RECVAPP, deadline, "read", err) < 0)
		return c->eof || (br_ssl_engine_current_state(c->eng) & BR_SSL_CLOSED &&
				  br_ssl_engine_last_error(c->eng) == BR_ERR_OK)
			   ? 0
			   : -1;
	return (ssize_t)tls_conn_read(c, buf, len);
}

int tls_conn_wait_write(struct tls_conn *c, const void *buf, size_t len, int64_t deadline,
			struct sk_err *err)
{
	const unsigned char *p = buf;

	while (len > 0) {
		if (wait_state(c, BR_SSL_SENDAPP, deadline, "write", err) < 0)
			return -1;
		size_t n = tls_conn_write(c, p, len);
		p += n;
		len -= n;
	}
	return 0;
}

int tls_conn_wait_flush(struct tls_conn *c, int64_t deadline, struct sk_err *err)
{
	tls_conn_flush(c);
	while (tls_conn_pending_out(c)) {
		if (tls_conn_pump(c) < 0)
			return fail(c, "write", err);
		if (!tls_conn_pending_out(c))
			break;
		int64_t left = deadline - sk_now_ms();
		if (left <= 0)
			return sk_fail(err, 0, "write: timed out");
		struct pollfd p = {.fd = c->fd, .events = POLLOUT};
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return sk_fail(err, errno, "write: poll");
	}
	return 0;
}

/* ---- messages ---- */

void tls_conn_describe(const struct tls_conn *c, char *buf, size_t size)
{
	int e = br_ssl_engine_last_error(c->eng);

	if (c->check.reason[0])
		snprintf(buf, size, "%s", c->check.reason);
	else if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT)
		snprintf(buf, size, "the peer refused the connection (alert %d %s)",
			 e - BR_ERR_RECV_FATAL_ALERT, tls_alert_name(e - BR_ERR_RECV_FATAL_ALERT));
	else if (e == BR_ERR_NO_CLIENT_AUTH)
		snprintf(buf, size, "the client sent no certificate");
	else if (e == BR_ERR_X509_NOT_TRUSTED)
		snprintf(buf, size, "the peer's certificate is not signed by the cluster CA");
	else if (e == BR_ERR_X509_EXPIRED)
		snprintf(buf, size, "the peer's certificate is expired or not yet valid");
	else if (e != BR_ERR_OK && e != BR_ERR_IO)
		snprintf(buf, size, "TLS error %d", e);
	else if (!c->ready && (c->eof || c->io_errno == ECONNRESET))
		snprintf(buf, size,
			 "the peer ended the handshake (does it accept our certificate?)");
	else if (c->io_errno)
		snprintf(buf, size, "%s", strerror(c->io_errno));
	else
		snprintf(buf, size, "connection closed");
}
