/* The HTTP client's one connection: TCP with timeouts, TLS over it
 * through BearSSL, buffered reads and writes, and errors that say what
 * failed (the TLS alert or X.509 error by name). */
#include "http_internal.h"

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

void http_conn_close(struct http_client *c)
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
	http_conn_close(c);
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

int http_conn_write(struct http_client *c, const void *data, size_t len, struct sk_err *err)
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

int http_conn_flush(struct http_client *c, struct sk_err *err)
{
	if (c->tls && br_sslio_flush(&c->ioc) < 0)
		return io_fail(c, "send to", err);
	return 0;
}

int http_conn_fill(struct http_client *c, struct sk_err *err)
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

void http_conn_set_timeouts(int fd, int ms)
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
			http_conn_set_timeouts(fd, c->timeout_ms);
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

static int tls_start(struct http_client *c, const struct http_url *u, struct sk_err *err)
{
	const char *server_name;
	br_ssl_client_init_full(&c->sc, &c->xc, c->anchors, c->nanchors);
	br_ssl_engine_set_buffer(&c->sc.eng, c->iobuf, sizeof c->iobuf, 1);
	if (c->id)
		http_tls_identity_install(c);
	if (http_tls_name_check(c, u->host, &server_name) < 0) {
		http_conn_close(c);
		return sk_fail(err, ENOMEM, "TLS to %s:%s", u->host, u->port);
	}
	if (!br_ssl_client_reset(&c->sc, server_name, 0))
		return io_fail(c, "TLS to", err);
	br_sslio_init(&c->ioc, &c->sc.eng, sock_read, c, sock_write, c);
	return 0;
}

int http_conn_open(struct http_client *c, const struct http_url *u, struct sk_err *err)
{
	if (c->fd >= 0 && c->reusable && c->tls == u->tls && strcmp(c->host, u->host) == 0 &&
	    strcmp(c->port, u->port) == 0)
		return 0;
	http_conn_close(c);
	if (u->tls && http_tls_load_anchors(c, err) < 0)
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
