/* HTTP/1.1 client: URLs, transport (TCP, BearSSL TLS with a PEM CA bundle,
 * an optional client certificate, IP address endpoints), response heads,
 * body framing and redirects. See http.h. */
#include "http.h"

#include <bearssl.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"
#include "tls_files.h"
#include "x509_subject.h"

#define DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define MAX_LEAF_CERT	(64 << 10)

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

/* ---- URLs ---- */

static int copy_bounded(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int parse_authority(const char *a, size_t len, struct http_url *u)
{
	const char *colon = NULL;
	if (len > 0 && a[0] == '[') {
		const char *end = memchr(a, ']', len);
		if (!end)
			return -1;
		if (copy_bounded(u->host, sizeof u->host, a + 1, end - a - 1) < 0)
			return -1;
		if (end + 1 < a + len && end[1] == ':')
			colon = end + 1;
	} else {
		colon = memchr(a, ':', len);
		size_t hl = colon ? (size_t)(colon - a) : len;
		if (hl == 0 || copy_bounded(u->host, sizeof u->host, a, hl) < 0)
			return -1;
	}
	if (!colon) {
		strcpy(u->port, u->tls ? "443" : "80");
		return 0;
	}
	size_t pl = a + len - colon - 1;
	if (pl == 0 || pl > 5 || strspn(colon + 1, "0123456789") < pl || atoi(colon + 1) > 65535 ||
	    atoi(colon + 1) == 0)
		return -1;
	return copy_bounded(u->port, sizeof u->port, colon + 1, pl);
}

int http_url_parse(const char *url, struct http_url *u, struct sk_err *err)
{
	const char *rest;
	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "https://", 8) == 0) {
		u->tls = 1;
		rest = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		rest = url + 7;
	} else {
		return sk_fail(err, 0, "url %.200s: not http:// or https://", url);
	}
	size_t alen = strcspn(rest, "/?#");
	if (memchr(rest, '@', alen) || parse_authority(rest, alen, u) < 0)
		return sk_fail(err, 0, "url %.200s: bad host or port", url);
	const char *path = rest + alen;
	size_t plen = strcspn(path, "#");
	if (strpbrk(url, " \r\n\t"))
		return sk_fail(err, 0, "url %.200s: contains white space", url);
	if (plen == 0 || path[0] != '/') {
		u->path[0] = '/';
		if (copy_bounded(u->path + 1, sizeof u->path - 1, path, plen) < 0)
			return sk_fail(err, 0, "url %.200s: too long", url);
	} else if (copy_bounded(u->path, sizeof u->path, path, plen) < 0) {
		return sk_fail(err, 0, "url %.200s: too long", url);
	}
	return 0;
}

int http_url_resolve(const struct http_url *base, const char *ref, struct http_url *out,
		     struct sk_err *err)
{
	if (strstr(ref, "://"))
		return http_url_parse(ref, out, err);
	if (strpbrk(ref, " \r\n\t"))
		return sk_fail(err, 0, "location %.200s: contains white space", ref);
	*out = *base;
	if (ref[0] == '/') {
		if (ref[1] == '/')
			return sk_fail(err, 0, "location %.200s: scheme-relative not supported",
				       ref);
		if (copy_bounded(out->path, sizeof out->path, ref, strlen(ref)) < 0)
			return sk_fail(err, 0, "location too long");
		return 0;
	}
	char *slash = strrchr(out->path, '/');
	size_t keep = slash ? (size_t)(slash - out->path) + 1 : 0;
	if (keep + strlen(ref) >= sizeof out->path)
		return sk_fail(err, 0, "location too long");
	strcpy(out->path + keep, ref);
	return 0;
}

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

static void conn_close(struct http_client *c)
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

static const char *alert_name(int alert)
{
	switch (alert) {
	case 40:
		return "handshake_failure";
	case 42:
		return "bad_certificate";
	case 43:
		return "unsupported_certificate";
	case 44:
		return "certificate_revoked";
	case 45:
		return "certificate_expired";
	case 46:
		return "certificate_unknown";
	case 48:
		return "unknown_ca";
	case 70:
		return "protocol_version";
	case 116:
		return "certificate_required";
	default:
		return "alert";
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
			 alert, alert_name(alert));
	else if (about_cert)
		snprintf(buf, size,
			 "handshake failed: the server rejected the client certificate "
			 "(alert %d %s)",
			 alert, alert_name(alert));
	else
		snprintf(buf, size, "the server sent alert %d %s", alert, alert_name(alert));
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
	if (e == EAGAIN || e == EWOULDBLOCK)
		return sk_fail(err, 0, "%s %s:%s: timed out", what, c->host, c->port);
	if (tls_err && tls_err != BR_ERR_IO) {
		char why[160];
		describe_tls_error(c, tls_err, why, sizeof why);
		return sk_fail(err, 0, "%s %s:%s: TLS: %s", what, c->host, c->port, why);
	}
	if (e)
		return sk_fail(err, e, "%s %s:%s", what, c->host, c->port);
	return sk_fail(err, 0, "%s %s:%s: connection closed", what, c->host, c->port);
}

static int conn_write(struct http_client *c, const void *data, size_t len, struct sk_err *err)
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

static int conn_flush(struct http_client *c, struct sk_err *err)
{
	if (c->tls && br_sslio_flush(&c->ioc) < 0)
		return io_fail(c, "send to", err);
	return 0;
}

/* Reads more into rbuf; returns bytes read, 0 at a clean end, < 0 on error. */
static int conn_fill(struct http_client *c, struct sk_err *err)
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
		return sk_fail(err, 0, "resolve %s: %s", u->host, gai_strerror(gai));
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
		return sk_fail(err, e, "connect %s:%s", u->host, u->port);
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
	br_ssl_client_init_full(&c->sc, &c->xc, c->anchors.v, c->anchors.n);
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

static int conn_open(struct http_client *c, const struct http_url *u, struct sk_err *err)
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

/* ---- response heads ---- */

const char *http_header_get(const struct http_response *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int parse_status_line(struct http_response *r, char *line, struct sk_err *err)
{
	if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) || line[8] != ' ')
		return sk_fail(err, 0, "bad HTTP status line \"%.80s\"", line);
	for (int i = 9; i < 12; i++)
		if (!isdigit((unsigned char)line[i]))
			return sk_fail(err, 0, "bad HTTP status line \"%.80s\"", line);
	if (line[12] != '\0' && line[12] != ' ' && line[12] != '\r')
		return sk_fail(err, 0, "bad HTTP status line \"%.80s\"", line);
	r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	r->keep_alive = line[7] != '0';
	return 0;
}

static int parse_header_line(struct http_response *r, char *line, struct sk_err *err)
{
	char *colon = strchr(line, ':');
	char *space = strpbrk(line, " \t");
	if (!colon || colon == line || (space && space < colon))
		return sk_fail(err, 0, "bad HTTP header line \"%.80s\"", line);
	if (r->nheaders == HTTP_MAX_HEADERS)
		return sk_fail(err, 0, "more than %d HTTP headers", HTTP_MAX_HEADERS);
	*colon = '\0';
	r->headers[r->nheaders].name = line;
	r->headers[r->nheaders].value = trim(colon + 1);
	r->nheaders++;
	return 0;
}

static int has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(p, token, tl) == 0)
			return 1;
		p += n;
	}
	return 0;
}

static int set_framing(struct http_response *r, int method_head, struct sk_err *err)
{
	const char *te = http_header_get(r, "Transfer-Encoding");
	const char *cl = http_header_get(r, "Content-Length");
	const char *conn = http_header_get(r, "Connection");
	if (conn && has_token(conn, "close"))
		r->keep_alive = 0;
	else if (conn && has_token(conn, "keep-alive"))
		r->keep_alive = 1;
	r->content_length = -1;
	if (cl) {
		char *end;
		errno = 0;
		long long v = strtoll(cl, &end, 10);
		if (errno || end == cl || *end || v < 0 || !isdigit((unsigned char)*cl))
			return sk_fail(err, 0, "bad Content-Length \"%.40s\"", cl);
		r->content_length = v;
	}
	if (method_head || r->status == 204 || r->status == 304 || r->status / 100 == 1) {
		r->framing = HTTP_BODY_NONE;
	} else if (te && !has_token(te, "identity")) {
		if (!has_token(te, "chunked"))
			return sk_fail(err, 0, "unsupported Transfer-Encoding \"%.40s\"", te);
		r->framing = HTTP_BODY_CHUNKED;
		r->content_length = -1;
	} else if (cl) {
		r->framing = r->content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	} else {
		r->framing = HTTP_BODY_CLOSE;
		r->keep_alive = 0;
	}
	return 0;
}

int http_parse_head(struct http_response *r, size_t len, int method_head, struct sk_err *err)
{
	r->nheaders = 0;
	r->head[len] = '\0';
	if (strlen(r->head) != len)
		return sk_fail(err, 0, "NUL byte in HTTP response head");
	char *save = NULL;
	char *line = strtok_r(r->head, "\n", &save);
	if (!line || parse_status_line(r, line, err) < 0)
		return line ? -1 : sk_fail(err, 0, "empty HTTP response");
	while ((line = strtok_r(NULL, "\n", &save))) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')
			return sk_fail(err, 0, "folded HTTP header not supported");
		if (parse_header_line(r, line, err) < 0)
			return -1;
	}
	return set_framing(r, method_head, err);
}

/* Finds the end of the head in rbuf; returns its length or 0 if incomplete. */
static size_t head_end(const char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Returns 1 when the head was read, 0 when the connection closed before
 * any byte (a stale keep-alive connection), < 0 on error. */
static int read_head(struct http_client *c, struct http_response *r, int method_head,
		     struct sk_err *err)
{
	for (;;) {
		size_t avail = c->rlen - c->rpos;
		size_t n = head_end(c->rbuf + c->rpos, avail);
		if (n == 0 && avail > HTTP_MAX_HEAD_BYTES)
			n = avail; /* fall through to the size check */
		if (n > 0) {
			if (n > HTTP_MAX_HEAD_BYTES)
				return sk_fail(err, 0, "%s:%s: response head larger than %d bytes",
					       c->host, c->port, HTTP_MAX_HEAD_BYTES);
			memcpy(r->head, c->rbuf + c->rpos, n);
			c->rpos += n;
			return http_parse_head(r, n, method_head, err) < 0 ? -1 : 1;
		}
		int got = conn_fill(c, err);
		if (got < 0)
			return -1;
		if (got == 0) {
			int fresh = avail == 0;
			conn_close(c);
			if (fresh)
				return 0;
			return sk_fail(err, 0, "%s:%s: connection closed in response head", c->host,
				       c->port);
		}
	}
}

/* ---- requests ---- */

static int header_is(const char *line, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

static int build_request(const struct http_url *u, const char *method,
			 const struct http_request *req, int drop_auth, char **out,
			 struct sk_err *err)
{
	size_t cap = strlen(u->path) + strlen(u->host) + 256;
	for (const char *const *h = req->headers; h && *h; h++)
		cap += strlen(*h) + 2;
	char *buf = malloc(cap);
	if (!buf)
		return sk_fail(err, ENOMEM, "http request");
	int default_port = strcmp(u->port, u->tls ? "443" : "80") == 0;
	int ipv6 = strchr(u->host, ':') != NULL;
	size_t n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n", method, u->path,
			    ipv6 ? "[" : "", u->host, ipv6 ? "]" : "", default_port ? "" : ":",
			    default_port ? "" : u->port);
	for (const char *const *h = req->headers; h && *h; h++) {
		if (strpbrk(*h, "\r\n")) {
			free(buf);
			return sk_fail(err, 0, "http request: header with a line break");
		}
		if (drop_auth && header_is(*h, "Authorization"))
			continue;
		n += snprintf(buf + n, cap - n, "%s\r\n", *h);
	}
	if (req->body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		n += snprintf(buf + n, cap - n, "Content-Length: %zu\r\n", req->body_len);
	snprintf(buf + n, cap - n, "User-Agent: skiff\r\n\r\n");
	*out = buf;
	return 0;
}

static int send_once(struct http_client *c, const struct http_url *u, const char *method,
		     const struct http_request *req, int drop_auth, struct http_response *resp,
		     struct sk_err *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = c->fd >= 0;
		if (conn_open(c, u, err) < 0)
			return -1;
		SK_AUTOFREE char *head = NULL;
		if (build_request(u, method, req, drop_auth, &head, err) < 0)
			return -1;
		if (conn_write(c, head, strlen(head), err) < 0 ||
		    (req->body_len && conn_write(c, req->body, req->body_len, err) < 0) ||
		    conn_flush(c, err) < 0) {
			if (reused)
				continue;
			return -1;
		}
		int r = read_head(c, resp, strcmp(method, "HEAD") == 0, err);
		if (r < 0)
			return -1;
		if (r == 1)
			return 0;
		if (!reused)
			break;
	}
	return sk_fail(err, 0, "%s:%s: connection closed before a response", u->host, u->port);
}

static void start_body(struct http_client *c, const struct http_response *resp)
{
	c->framing = resp->framing;
	c->left = resp->framing == HTTP_BODY_LENGTH ? (uint64_t)resp->content_length : 0;
	http_chunked_init(&c->chunked);
	c->body_pending = resp->framing != HTTP_BODY_NONE;
	if (!resp->keep_alive)
		c->reusable = 0;
}

static int is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int http_request(struct http_client *c, const struct http_request *req, struct http_response *resp,
		 struct sk_err *err)
{
	struct http_url u;
	const char *method = req->method ? req->method : "GET";
	if (c->body_pending)
		conn_close(c);
	if (http_url_parse(req->url, &u, err) < 0)
		return -1;
	char first_host[256];
	strcpy(first_host, u.host);
	for (int hops = 0;; hops++) {
		int drop_auth = !req->keep_auth && strcmp(u.host, first_host) != 0;
		if (send_once(c, &u, method, req, drop_auth, resp, err) < 0)
			return -1;
		resp->url = u;
		start_body(c, resp);
		const char *loc = http_header_get(resp, "Location");
		if (!is_redirect(resp->status) || !loc || hops >= req->max_redirects)
			return 0;
		struct http_url next;
		if (http_url_resolve(&u, loc, &next, err) < 0)
			return -1;
		if (http_body_discard(c, err) < 0)
			return -1;
		if (resp->status == 303)
			method = "GET";
		u = next;
	}
}

/* ---- bodies ---- */

void http_chunked_init(struct http_chunked *ch)
{
	memset(ch, 0, sizeof *ch);
}

enum { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_END, CH_TRAILER_START, CH_TRAILER, CH_DONE };

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int chunk_size_end(struct http_chunked *ch, struct sk_err *err)
{
	if (ch->digits == 0)
		return sk_fail(err, 0, "chunked body: missing chunk size");
	ch->state = ch->left ? CH_DATA : CH_TRAILER_START;
	ch->digits = 0;
	return 0;
}

static int chunk_byte(struct http_chunked *ch, char b, struct sk_err *err)
{
	switch (ch->state) {
	case CH_SIZE:
		if (hexval(b) >= 0) {
			if (++ch->digits > 15)
				return sk_fail(err, 0, "chunked body: chunk size too large");
			ch->left = ch->left * 16 + hexval(b);
			return 0;
		}
		if (b == '\n')
			return chunk_size_end(ch, err);
		if (b != ';' && b != ' ' && b != '\t' && b != '\r')
			return sk_fail(err, 0, "chunked body: bad chunk size");
		if (ch->digits == 0)
			return sk_fail(err, 0, "chunked body: missing chunk size");
		ch->state = CH_EXT;
		ch->digits += 16; /* remember digits were seen; counts extension bytes too */
		return 0;
	case CH_EXT:
		if (b == '\n')
			return chunk_size_end(ch, err);
		if (++ch->digits > 4096)
			return sk_fail(err, 0, "chunked body: chunk extension too long");
		return 0;
	case CH_DATA_END:
		if (b == '\r')
			return 0;
		if (b != '\n')
			return sk_fail(err, 0, "chunked body: missing CRLF after chunk data");
		ch->state = CH_SIZE;
		ch->left = 0;
		return 0;
	case CH_TRAILER_START:
		if (b == '\r')
			return 0;
		ch->state = b == '\n' ? CH_DONE : CH_TRAILER;
		ch->done = b == '\n';
		return 0;
	case CH_TRAILER:
		if (b == '\n')
			ch->state = CH_TRAILER_START;
		else if (++ch->digits > 16384)
			return sk_fail(err, 0, "chunked body: trailer too long");
		return 0;
	}
	return 0;
}

int http_chunked_feed(struct http_chunked *ch, const char *in, size_t len, size_t *used,
		      http_body_fn fn, void *ctx, struct sk_err *err)
{
	size_t i = 0;
	while (i < len && ch->state != CH_DONE) {
		if (ch->state == CH_DATA) {
			size_t n = len - i < ch->left ? len - i : (size_t)ch->left;
			if (fn(ctx, in + i, n, err) != 0)
				return -1;
			i += n;
			ch->left -= n;
			if (ch->left == 0)
				ch->state = CH_DATA_END;
			continue;
		}
		if (chunk_byte(ch, in[i++], err) < 0)
			return -1;
	}
	*used = i;
	return 0;
}

static int deliver(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err)
{
	const char *p = c->rbuf + c->rpos;
	size_t avail = c->rlen - c->rpos, used = avail;
	switch (c->framing) {
	case HTTP_BODY_LENGTH:
		used = avail < c->left ? avail : (size_t)c->left;
		if (used && fn(ctx, p, used, err) != 0)
			return -1;
		c->left -= used;
		c->body_pending = c->left > 0;
		break;
	case HTTP_BODY_CHUNKED:
		if (http_chunked_feed(&c->chunked, p, avail, &used, fn, ctx, err) < 0)
			return -1;
		c->body_pending = !c->chunked.done;
		break;
	case HTTP_BODY_CLOSE:
		if (avail && fn(ctx, p, avail, err) != 0)
			return -1;
		break;
	default:
		c->body_pending = 0;
		used = 0;
	}
	c->rpos += used;
	return 0;
}

static int body_done(struct http_client *c)
{
	if (!c->reusable)
		conn_close(c);
	return 0;
}

int http_body_read_some(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err)
{
	if (c->body_pending && c->rpos < c->rlen) {
		/* what is buffered first; a read only when it is gone */
		if (deliver(c, fn, ctx, err) < 0) {
			conn_close(c);
			return -1;
		}
		return c->body_pending ? 1 : body_done(c);
	}
	if (!c->body_pending)
		return body_done(c);
	int n = conn_fill(c, err);
	if (n < 0)
		return -1;
	if (n == 0) {
		int whole = c->framing == HTTP_BODY_CLOSE;
		conn_close(c);
		if (whole)
			return 0;
		return sk_fail(err, 0, "%s:%s: connection closed in the body", c->host, c->port);
	}
	if (deliver(c, fn, ctx, err) < 0) {
		conn_close(c);
		return -1;
	}
	return c->body_pending ? 1 : body_done(c);
}

int http_body_read(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err)
{
	int rc;
	while ((rc = http_body_read_some(c, fn, ctx, err)) > 0)
		;
	return rc;
}

int http_body_wait(struct http_client *c, int timeout_ms)
{
	if (!c->body_pending || c->fd < 0 || c->rpos < c->rlen)
		return 1;
	if (c->tls && (br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_RECVAPP))
		return 1;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	int r;
	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return r < 0 ? -1 : r > 0;
}

struct body_buf {
	char *p;
	size_t len, max;
};

static int append_bounded(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct body_buf *b = ctx;
	if (len > b->max - b->len)
		return sk_fail(err, 0, "response body larger than %zu bytes", b->max);
	char *p = realloc(b->p, b->len + len + 1);
	if (!p)
		return sk_fail(err, ENOMEM, "response body");
	b->p = p;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

int http_body_read_all(struct http_client *c, size_t max, char **out, size_t *len,
		       struct sk_err *err)
{
	struct body_buf b = {.p = malloc(1), .max = max};
	if (!b.p)
		return sk_fail(err, ENOMEM, "response body");
	if (http_body_read(c, append_bounded, &b, err) < 0) {
		free(b.p);
		return -1;
	}
	b.p[b.len] = '\0';
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
}

static int sink(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	size_t *total = ctx;
	*total += len;
	if (*total > (1 << 20))
		return 1; /* not worth draining: close instead */
	return 0;
}

int http_body_discard(struct http_client *c, struct sk_err *err)
{
	size_t total = 0;
	if (!c->body_pending)
		return 0;
	if (http_body_read(c, sink, &total, err) < 0)
		conn_close(c); /* the body is unwanted; a failure only costs the connection */
	return 0;
}
