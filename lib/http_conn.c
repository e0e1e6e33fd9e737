/* The HTTP client and its one keep-alive connection: the client's
 * lifetime and options, TCP connect with a timeout, TLS through BearSSL
 * (trust anchors and the client identity from tls_files.h, and the name
 * check for a server given as an IP address, against the leaf's iPAddress
 * names from x509_subject.h), buffered reads and writes, and errors that
 * name the peer and the TLS alert or reason. Framing of requests and
 * responses on the connection is http_msg.c's. See http.h. */
#include "http_conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tls_alert.h"
#include "tls_profile.h"
#include "x509_subject.h"

#define DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define MAX_LEAF_CERT	(64 << 10)

static int load_anchors(struct http_client *c, struct sk_err *err)
{
	if (c->anchors_loaded)
		return c->anchors.n
			   ? 0
			   : sk_fail(err, 0, "CA bundle %s: no usable certificate", c->ca_file);
	c->anchors_loaded = 1;
	return tls_anchors_load(c->ca_file, &c->anchors, err);
}

static void identity_install(struct http_client *c)
{
	const struct tls_identity *id = c->id;
	if (br_skey_decoder_key_type(&id->key) == BR_KEYTYPE_RSA)
		br_ssl_client_set_single_rsa(&c->sc, id->chain, id->chain_len,
					     br_skey_decoder_get_rsa(&id->key),
					     br_rsa_pkcs1_sign_get_default());
	else
		br_ssl_client_set_single_ec(&c->sc, id->chain, id->chain_len,
					    br_skey_decoder_get_ec(&id->key), BR_KEYTYPE_SIGN,
					    id->issuer_key_type, br_ec_get_default(),
					    br_ecdsa_sign_asn1_get_default());
}

/* ---- server name check for an IP address ---- */

/* BearSSL matches the server name against dNSName entries only. For an
 * endpoint given as an IP address the name check is done here instead,
 * against the leaf certificate's iPAddress entries, around the minimal
 * X.509 engine (which then checks everything but the name). */

struct ip_check {
	const br_x509_class *vtable;
	br_x509_minimal_context *inner;
	unsigned char ip[16];
	size_t ip_len;
	unsigned ncerts;
	unsigned char *leaf;
	size_t leaf_len, leaf_cap;
};

static const br_x509_class **inner_of(const br_x509_class **ctx)
{
	return &((struct ip_check *)ctx)->inner->vtable;
}

static void ipc_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct ip_check *x = (struct ip_check *)ctx;
	x->ncerts = 0;
	x->leaf_len = 0;
	(*inner_of(ctx))->start_chain(inner_of(ctx), NULL);
}

static void ipc_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct ip_check *x = (struct ip_check *)ctx;
	if (x->ncerts == 0) {
		free(x->leaf);
		x->leaf = length <= MAX_LEAF_CERT ? malloc(length ? length : 1) : NULL;
		x->leaf_cap = x->leaf ? length : 0;
	}
	(*inner_of(ctx))->start_cert(inner_of(ctx), length);
}

static void ipc_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct ip_check *x = (struct ip_check *)ctx;
	if (x->ncerts == 0 && x->leaf && len <= x->leaf_cap - x->leaf_len) {
		memcpy(x->leaf + x->leaf_len, buf, len);
		x->leaf_len += len;
	}
	(*inner_of(ctx))->append(inner_of(ctx), buf, len);
}

static void ipc_end_cert(const br_x509_class **ctx)
{
	((struct ip_check *)ctx)->ncerts++;
	(*inner_of(ctx))->end_cert(inner_of(ctx));
}

static unsigned ipc_end_chain(const br_x509_class **ctx)
{
	struct ip_check *x = (struct ip_check *)ctx;
	unsigned r = (*inner_of(ctx))->end_chain(inner_of(ctx));
	if (r)
		return r;
	if (!x->leaf || x->leaf_len != x->leaf_cap ||
	    !x509_has_ip(x->leaf, x->leaf_len, x->ip, x->ip_len))
		return BR_ERR_X509_BAD_SERVER_NAME;
	return 0;
}

static const br_x509_pkey *ipc_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct ip_check *x = (const struct ip_check *)ctx;
	return x->inner->vtable->get_pkey(&x->inner->vtable, usages);
}

static const br_x509_class ip_check_vtable = {
    sizeof(struct ip_check), ipc_start_chain, ipc_start_cert, ipc_append, ipc_end_cert,
    ipc_end_chain,	     ipc_get_pkey,
};

/* Fills x->ip when host is an IPv4 or IPv6 address. */
static int host_ip(const char *host, struct ip_check *x)
{
	if (inet_pton(AF_INET, host, x->ip) == 1)
		x->ip_len = 4;
	else if (inet_pton(AF_INET6, host, x->ip) == 1)
		x->ip_len = 16;
	else
		return 0;
	return 1;
}

/* ---- transport ---- */

void conn_close(struct http_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->reusable = 0;
	c->rpos = c->rlen = 0;
	c->body_pending = 0;
}

static int sock_read(void *ctx, unsigned char *buf, size_t len)
{
	struct http_client *c = ctx;
	for (;;) {
		ssize_t r = read(c->fd, buf, len);
		if (r > 0)
			return (int)r;
		if (r < 0 && errno == EINTR)
			continue;
		c->io_errno = r == 0 ? 0 : errno;
		c->eof = r == 0;
		return -1;
	}
}

static int sock_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct http_client *c = ctx;
	for (;;) {
		ssize_t r = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (r >= 0)
			return (int)r;
		if (errno == EINTR)
			continue;
		c->io_errno = errno;
		return -1;
	}
}

/* A fatal alert from the server; the certificate ones during a handshake
 * mean it wants (another) client certificate. */
static void describe_alert(const struct http_client *c, int alert, char *buf, size_t size)
{
	int about_cert = (alert >= 42 && alert <= 46) || alert == 48 || alert == 116;
	if (about_cert && !c->id)
		snprintf(buf, size,
			 "handshake failed: the server requires a client certificate "
			 "(alert %d %s)",
			 alert, tls_alert_name(alert));
	else if (about_cert)
		snprintf(buf, size,
			 "handshake failed: the server rejected the client certificate "
			 "(alert %d %s)",
			 alert, tls_alert_name(alert));
	else
		snprintf(buf, size, "the server sent alert %d %s", alert, tls_alert_name(alert));
}

static void describe_tls_error(const struct http_client *c, int e, char *buf, size_t size)
{
	if (e >= BR_ERR_RECV_FATAL_ALERT && e < BR_ERR_SEND_FATAL_ALERT)
		describe_alert(c, e - BR_ERR_RECV_FATAL_ALERT, buf, size);
	else if (e == BR_ERR_X509_NOT_TRUSTED)
		snprintf(buf, size, "certificate not trusted (CA bundle %s)", c->ca_file);
	else if (e == BR_ERR_X509_BAD_SERVER_NAME)
		snprintf(buf, size, "certificate does not match the host name");
	else if (e == BR_ERR_X509_EXPIRED)
		snprintf(buf, size, "certificate expired or not yet valid");
	else
		snprintf(buf, size, "error %d", e);
}

/* A server that refuses our handshake flight sends an alert and closes;
 * when that close breaks our write before BearSSL read the alert, the
 * alert is still waiting in the socket (a plaintext record: type 21,
 * version 3.x, length 2, level, description). */
static int waiting_alert(int fd)
{
	unsigned char r[7];
	if (recv(fd, r, sizeof r, MSG_DONTWAIT) == (ssize_t)sizeof r && r[0] == 21 && r[1] == 3 &&
	    r[3] == 0 && r[4] == 2 && r[5] == 2)
		return BR_ERR_RECV_FATAL_ALERT + r[6];
	return BR_ERR_IO;
}

static int io_fail(struct http_client *c, const char *what, struct sk_err *err)
{
	int tls_err = c->tls ? br_ssl_engine_last_error(&c->sc.eng) : 0;
	int e = c->io_errno;
	if (tls_err == BR_ERR_IO && (e == EPIPE || e == ECONNRESET))
		tls_err = waiting_alert(c->fd);
	conn_close(c);
	/* a timeout or a broken connection is the network, which a caller
	 * may try again (SK_ERR_NET); a TLS failure is the peer's answer */
	if (e == EAGAIN || e == EWOULDBLOCK)
		return sk_failc(err, SK_ERR_NET, 0, "%s %s:%s: timed out", what, c->host, c->port);
	if (tls_err && tls_err != BR_ERR_IO) {
		char why[160];
		describe_tls_error(c, tls_err, why, sizeof why);
		return sk_fail(err, 0, "%s %s:%s: TLS: %s", what, c->host, c->port, why);
	}
	if (e)
		return sk_failc(err, SK_ERR_NET, e, "%s %s:%s", what, c->host, c->port);
	return sk_failc(err, SK_ERR_NET, 0, "%s %s:%s: connection closed", what, c->host, c->port);
}

int conn_write(struct http_client *c, const void *data, size_t len, struct sk_err *err)
{
	if (c->tls) {
		if (br_sslio_write_all(&c->ioc, data, len) < 0)
			return io_fail(c, "send to", err);
		return 0;
	}
	const char *p = data;
	while (len > 0) {
		int n = sock_write(c, (const unsigned char *)p, len);
		if (n < 0)
			return io_fail(c, "send to", err);
		p += n;
		len -= n;
	}
	return 0;
}

int conn_flush(struct http_client *c, struct sk_err *err)
{
	if (c->tls && br_sslio_flush(&c->ioc) < 0)
		return io_fail(c, "send to", err);
	return 0;
}

int conn_fill(struct http_client *c, struct sk_err *err)
{
	if (c->rpos == c->rlen)
		c->rpos = c->rlen = 0;
	if (c->rlen == sizeof c->rbuf) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	size_t room = sizeof c->rbuf - c->rlen;
	c->eof = 0;
	c->io_errno = 0;
	int n = c->tls ? br_sslio_read(&c->ioc, c->rbuf + c->rlen, room)
		       : sock_read(c, (unsigned char *)c->rbuf + c->rlen, room);
	if (n > 0) {
		c->rlen += n;
		return n;
	}
	if (c->eof || (c->tls && br_ssl_engine_last_error(&c->sc.eng) == BR_ERR_OK))
		return 0;
	return io_fail(c, "read from", err);
}

int conn_wait(struct http_client *c, int timeout_ms)
{
	if (c->rpos < c->rlen)
		return 1;
	if (c->tls && (br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_RECVAPP))
		return 1;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return r < 0 ? -1 : r > 0;
}

static void set_timeouts(int fd, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len, int ms)
{
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int r = connect(fd, sa, len);
	if (r < 0 && errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		r = poll(&p, 1, ms);
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (r < 0 || soerr) {
			errno = soerr ? soerr : errno;
			return -1;
		}
		r = 0;
	}
	fcntl(fd, F_SETFL, fl);
	return r;
}

static int tcp_connect(struct http_client *c, const struct http_url *u, struct sk_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int gai = getaddrinfo(u->host, u->port, &hints, &res);
	if (gai)
		return sk_failc(err, gai == EAI_AGAIN ? SK_ERR_NET : SK_ERR_FAIL, 0,
				"resolve %s: %s", u->host, gai_strerror(gai));
	int e = 0;
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect_timeout(fd, ai->ai_addr, ai->ai_addrlen, c->timeout_ms) == 0) {
			set_timeouts(fd, c->timeout_ms);
			c->fd = fd;
			break;
		}
		e = errno;
		close(fd);
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return sk_failc(err, SK_ERR_NET, e, "connect %s:%s", u->host, u->port);
	return 0;
}

/* For an IP address host, the name is checked by ip_check instead of
 * BearSSL, and no SNI is sent (RFC 6066 allows host names only). */
static int name_check(struct http_client *c, const char *host, const char **server_name)
{
	struct ip_check probe = {0};
	*server_name = host;
	if (!host_ip(host, &probe))
		return 0;
	if (!c->ipc && !(c->ipc = calloc(1, sizeof *c->ipc)))
		return -1;
	memcpy(c->ipc->ip, probe.ip, sizeof probe.ip);
	c->ipc->ip_len = probe.ip_len;
	c->ipc->vtable = &ip_check_vtable;
	c->ipc->inner = &c->xc;
	br_ssl_engine_set_x509(&c->sc.eng, &c->ipc->vtable);
	*server_name = NULL;
	return 0;
}

static int tls_start(struct http_client *c, const struct http_url *u, struct sk_err *err)
{
	const char *server_name;
	tls_profile_client(&c->sc, &c->xc, c->anchors.v, c->anchors.n);
	br_ssl_engine_set_buffer(&c->sc.eng, c->iobuf, sizeof c->iobuf, 1);
	if (c->id)
		identity_install(c);
	if (name_check(c, u->host, &server_name) < 0) {
		conn_close(c);
		return sk_fail(err, ENOMEM, "TLS to %s:%s", u->host, u->port);
	}
	if (!br_ssl_client_reset(&c->sc, server_name, 0))
		return io_fail(c, "TLS to", err);
	br_sslio_init(&c->ioc, &c->sc.eng, sock_read, c, sock_write, c);
	return 0;
}

int conn_open(struct http_client *c, const struct http_url *u, struct sk_err *err)
{
	if (c->fd >= 0 && c->reusable && c->tls == u->tls && strcmp(c->host, u->host) == 0 &&
	    strcmp(c->port, u->port) == 0)
		return 0;
	conn_close(c);
	if (u->tls && load_anchors(c, err) < 0)
		return -1;
	if (tcp_connect(c, u, err) < 0)
		return -1;
	c->tls = u->tls;
	strcpy(c->host, u->host);
	strcpy(c->port, u->port);
	if (c->tls && tls_start(c, u, err) < 0)
		return -1;
	c->reusable = 1;
	return 0;
}

/* ---- client ---- */

int http_client_new(const struct http_client_opts *opts, struct http_client **out,
		    struct sk_err *err)
{
	struct http_client *c = calloc(1, sizeof *c);
	if (!c)
		return sk_fail(err, ENOMEM, "http client");
	c->fd = -1;
	c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	c->ca_file = strdup(opts && opts->ca_file ? opts->ca_file : DEFAULT_CA_FILE);
	if (!c->ca_file) {
		free(c);
		return sk_fail(err, ENOMEM, "http client");
	}
	if (opts && (opts->cert_file || opts->key_file) &&
	    tls_identity_load("client", opts->cert_file, opts->key_file, &c->id, err) < 0) {
		http_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int http_client_set_timeout(struct http_client *c, int timeout_ms)
{
	int old = c->timeout_ms;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	if (c->fd >= 0)
		set_timeouts(c->fd, c->timeout_ms);
	return old;
}

int http_client_connected(const struct http_client *c, const char *url)
{
	struct http_url u;
	if (c->fd < 0 || !c->reusable || c->body_pending || http_url_parse(url, &u, NULL) < 0)
		return 0;
	return c->tls == u.tls && strcmp(c->host, u.host) == 0 && strcmp(c->port, u.port) == 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	conn_close(c);
	tls_anchors_free(&c->anchors);
	free(c->ca_file);
	tls_identity_free(c->id);
	if (c->ipc)
		free(c->ipc->leaf);
	free(c->ipc);
	free(c);
}
