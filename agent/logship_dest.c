/* A syslog collector as the shipper sees it: the queue of frames waiting
 * for it, and its connection (TCP or TLS, non-blocking, reconnected with
 * backoff). TCP gives no acknowledgement a collector read a message, so a
 * frame counts as delivered once the socket's send queue has drained
 * after it; frames written before a connection broke are sent again (a
 * collector may then see a line twice, never miss one that fit). The
 * kernel that acknowledged a frame is not always the collector's
 * process: a collector that stops reading before it exits or crashes
 * leaves acknowledged frames unread, and a relay in between (QEMU's
 * user-mode network, a TCP load balancer) acknowledges frames itself and
 * loses those it took after the collector closed, then ends our
 * connection with a plain close, not a reset. So whenever a connection
 * ends, the frames acknowledged in the last LS_HOLD_MS are sent again
 * too. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "agent_internal.h"
#include "logship_internal.h"

int ls_dest_init(struct ls_dest *d, const char *address, const char *ca_file, size_t queue_bytes,
		 struct sk_err *err)
{
	memset(d, 0, sizeof *d);
	d->fd = -1;
	d->backoff_ms = LS_RETRY_MIN_MS;
	snprintf(d->address, sizeof d->address, "%s", address);
	snprintf(d->ca_file, sizeof d->ca_file, "%s", ca_file ? ca_file : "");
	if (syslog_addr_parse(address, &d->addr, err) < 0)
		return -1;
	d->q.cap = queue_bytes;
	if (!(d->q.buf = malloc(queue_bytes)))
		return sk_fail(err, ENOMEM, "log queue for %s", address);
	return 0;
}

/* ---- the queue ---- */

static uint32_t entry_len(const struct ls_queue *q, size_t at)
{
	uint32_t n;

	memcpy(&n, q->buf + at, sizeof n);
	return n;
}

/* Forgets the marks [held, start) has passed. */
static void trim_marks(struct ls_queue *q)
{
	int i = 0;

	while (i < q->nmarks && q->marks[i].off <= q->held)
		i++;
	memmove(q->marks, q->marks + i, (size_t)(q->nmarks - i) * sizeof q->marks[0]);
	q->nmarks -= i;
}

static void compact(struct ls_queue *q)
{
	size_t base = q->held;

	if (base == 0)
		return;
	trim_marks(q);
	memmove(q->buf, q->buf + base, q->end - base);
	for (int i = 0; i < q->nmarks; i++)
		q->marks[i].off -= base;
	q->held = 0;
	q->start -= base;
	q->sent -= base;
	q->end -= base;
}

/* Frames acknowledged more than LS_HOLD_MS ago are not kept any more. */
static void release_held(struct ls_queue *q, int64_t now)
{
	while (q->nmarks && q->marks[0].at + LS_HOLD_MS <= now) {
		if (q->marks[0].off > q->held)
			q->held = q->marks[0].off;
		memmove(q->marks, q->marks + 1, (size_t)--q->nmarks * sizeof q->marks[0]);
	}
	if (!q->nmarks)
		q->held = q->start;
	if (q->held == q->end)
		q->held = q->start = q->sent = q->end = 0;
}

/* Drops the oldest entry; 0 when it cannot (it is half written). */
static int drop_oldest(struct ls_queue *q)
{
	if (q->held < q->start) { /* delivered already: no longer kept */
		q->held += 4 + entry_len(q, q->held);
		trim_marks(q);
		return 1;
	}
	size_t n = 4 + entry_len(q, q->start);

	if (q->start == q->sent && q->part > 0)
		return 0;
	if (q->start >= q->sent) { /* never went out: lost */
		q->dropped++;
		q->dropped_total++;
		q->sent += n;
	}
	q->start += n;
	q->held = q->start;
	return 1;
}

void ls_dest_push(struct ls_dest *d, const char *frame, size_t len)
{
	struct ls_queue *q = &d->q;
	uint32_t n = (uint32_t)len;

	if (4 + len > q->cap) {
		q->dropped++, q->dropped_total++;
		return;
	}
	if (q->end + 4 + len > q->cap)
		compact(q);
	while (q->end + 4 + len > q->cap) {
		if (!drop_oldest(q)) {
			q->dropped++, q->dropped_total++;
			return;
		}
		compact(q);
	}
	memcpy(q->buf + q->end, &n, 4);
	memcpy(q->buf + q->end + 4, frame, len);
	q->end += 4 + len;
}

/* ---- the connection ---- */

/* Entries in [from, to). */
static size_t entries(const struct ls_queue *q, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t at = from; at < to; at += 4 + entry_len(q, at))
		n++;
	return n;
}

/* The connection is gone: what was acknowledged lately goes again with
 * what was not yet (see the top of the file for why). */
static void down(struct ls_dest *d, const char *why, int64_t now)
{
	struct ls_queue *q = &d->q;

	release_held(q, now);
	if (d->was_up || !d->retry_at)
		agent_log("log shipper: collector %s unreachable (%s); lines queued: %zu (%zu "
			  "acknowledged in the last %d s, sent again)",
			  d->address, why, entries(q, q->held, q->end),
			  entries(q, q->held, q->start), LS_HOLD_MS / 1000);
	q->start = q->held;
	q->nmarks = 0;
	d->was_up = 0;
	if (d->tls)
		tls_conn_free(d->tls);
	d->tls = NULL;
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->connecting = 0;
	q->sent = q->start;
	q->part = 0;
	d->notice_part = 0;
	d->retry_at = now + d->backoff_ms;
	d->backoff_ms = d->backoff_ms * 2 > LS_RETRY_MAX_MS ? LS_RETRY_MAX_MS : d->backoff_ms * 2;
}

static void start_connect(struct ls_dest *d, int64_t now)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int gai = getaddrinfo(d->addr.host, d->addr.port, &hints, &res);

	if (gai) {
		down(d, gai_strerror(gai), now);
		return;
	}
	d->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0 ||
	    (connect(d->fd, res->ai_addr, res->ai_addrlen) < 0 && errno != EINPROGRESS)) {
		freeaddrinfo(res);
		down(d, strerror(errno), now);
		return;
	}
	freeaddrinfo(res);
	d->connecting = 1;
}

static void report_dropped(struct ls_dest *d, const char *hostname)
{
	char text[160], count[24];
	struct timespec ts;
	struct syslog_msg m = {.facility = 3,
			       .severity = SYSLOG_WARNING,
			       .hostname = hostname,
			       .app = "skiff",
			       .msgid = "dropped"};

	if (!d->q.dropped)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	m.time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	snprintf(count, sizeof count, "%llu", (unsigned long long)d->q.dropped);
	snprintf(text, sizeof text, "%s log lines dropped while the collector was away", count);
	m.sd_name[0] = "dropped";
	m.sd_value[0] = count;
	m.nsd = 1;
	m.text = text;
	m.text_len = strlen(text);
	d->notice_len = syslog_frame(&m, d->notice, sizeof d->notice);
	d->notice_part = 0;
	agent_log("log shipper: %s (collector %s)", text, d->address);
	d->q.dropped = 0;
}

static int tls_setup(struct ls_dest *d, struct sk_err *err)
{
	struct tls_conn_opts o = {.ca = &d->ca, .server_name = d->addr.host};
	const char *ca = d->ca_file[0] ? d->ca_file : "/etc/ssl/certs/ca-certificates.crt";

	if (!d->ca_loaded && tls_anchors_load(ca, &d->ca, err) < 0)
		return -1;
	d->ca_loaded = 1;
	return tls_conn_client(d->fd, &o, &d->tls, err);
}

static void connected(struct ls_dest *d, const char *hostname, int64_t now)
{
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	struct sk_err err = {0};

	getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	if (soerr) {
		down(d, strerror(soerr), now);
		return;
	}
	d->connecting = 0;
	if (d->addr.tls && tls_setup(d, &err) < 0) {
		down(d, err.msg, now);
		return;
	}
	report_dropped(d, hostname);
}

/* ---- writing ---- */

/* Bytes into the socket (or TLS): how many it took, < 0 when broken. */
static ssize_t put(struct ls_dest *d, const void *p, size_t len)
{
	if (d->tls)
		return (ssize_t)tls_conn_write(d->tls, p, len);
	ssize_t n = send(d->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	return n;
}

static int write_out(struct ls_dest *d)
{
	struct ls_queue *q = &d->q;
	ssize_t n;

	while (d->notice_part < d->notice_len) {
		if ((n = put(d, d->notice + d->notice_part, d->notice_len - d->notice_part)) <= 0)
			return (int)n;
		d->notice_part += (size_t)n;
	}
	while (q->sent < q->end) {
		uint32_t len = entry_len(q, q->sent);
		if ((n = put(d, q->buf + q->sent + 4 + q->part, len - q->part)) <= 0)
			return (int)n;
		q->part += (size_t)n;
		if (q->part == len) {
			q->sent += 4 + len;
			q->part = 0;
		}
	}
	return 0;
}

/* Everything written has left the send queue: it reached the collector
 * (its kernel), and is kept LS_HOLD_MS longer in case of a reset. */
static void confirm(struct ls_dest *d, int64_t now)
{
	struct ls_queue *q = &d->q;
	int outq = 0;

	release_held(q, now);
	if (q->sent == q->start || ioctl(d->fd, SIOCOUTQ, &outq) < 0 || outq > 0 ||
	    (d->tls && tls_conn_pending_out(d->tls)))
		return;
	if (q->nmarks == LS_HOLD_MARKS) /* the newest mark takes this one in */
		q->nmarks--;
	q->marks[q->nmarks].off = q->sent;
	q->marks[q->nmarks].at = now;
	q->nmarks++;
	q->start = q->sent;
}

/* Anything readable from a collector that never speaks means it is gone:
 * 0 then, with why in WHY. */
static int alive(struct ls_dest *d, short revents, char *why, size_t size)
{
	char junk[256];

	if (d->tls) {
		if (tls_conn_pump(d->tls) == 0)
			return 1;
		tls_conn_describe(d->tls, why, size);
		return 0;
	}
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return 1;
	ssize_t n = recv(d->fd, junk, sizeof junk, MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return 1;
	snprintf(why, size, "%s", n == 0 ? "connection closed" : strerror(errno));
	return 0;
}

void ls_dest_step(struct ls_dest *d, short revents, const char *hostname, int64_t now)
{
	if (d->fd < 0) {
		if (now >= d->retry_at)
			start_connect(d, now);
		return;
	}
	if (d->connecting) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			connected(d, hostname, now);
		if (d->connecting || d->fd < 0)
			return;
	}
	char why[200];
	if (!alive(d, revents, why, sizeof why)) {
		down(d, why, now);
		return;
	}
	if (d->tls && !tls_conn_ready(d->tls))
		return;
	if (!d->was_up) {
		agent_log("log shipper: sending to %s", d->address);
		d->was_up = 1;
		d->backoff_ms = LS_RETRY_MIN_MS;
	}
	if (write_out(d) < 0) {
		down(d, strerror(errno), now);
		return;
	}
	if (d->tls) {
		tls_conn_flush(d->tls);
		if (tls_conn_pump(d->tls) < 0) {
			down(d, "TLS connection closed", now);
			return;
		}
	}
	confirm(d, now);
}

short ls_dest_events(const struct ls_dest *d)
{
	if (d->fd < 0)
		return 0;
	if (d->connecting)
		return POLLOUT;
	if (d->tls)
		return (short)(tls_conn_events(d->tls) | POLLIN);
	return (short)(POLLIN |
		       (d->q.sent < d->q.end || d->notice_part < d->notice_len ? POLLOUT : 0));
}

int ls_dest_timeout(const struct ls_dest *d, int64_t now)
{
	if (d->fd < 0)
		return d->retry_at > now ? (int)(d->retry_at - now) : 0;
	/* Written but not yet confirmed: look again soon. */
	return d->q.sent != d->q.start ? 100 : -1;
}
