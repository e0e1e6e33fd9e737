/* One node API connection, in its own process: the TLS handshake (the
 * client must present an operator's certificate from the cluster CA, or
 * the handshake fails and nothing is said), the request head and body
 * within a deadline, then the endpoint. Every request is logged with who
 * made it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_internal.h"
#include "api_internal.h"
#include "assign.h"
#include "clock.h"
#include "x509_subject.h"

static int read_head(struct api_conn *c, int64_t deadline, int *status, struct sk_err *err)
{
	char buf[API_MAX_HEAD + 1];
	size_t len = 0, end = 0;

	while (!(end = api_head_end(buf, len))) {
		if (len == API_MAX_HEAD) {
			*status = 431;
			return sk_fail(err, 0, "request head larger than %d bytes", API_MAX_HEAD);
		}
		ssize_t n =
		    tls_conn_wait_read(c->tls, buf + len, API_MAX_HEAD - len, deadline, err);
		if (n <= 0) {
			*status = 0; /* nobody to answer */
			return n == 0 ? sk_fail(err, 0, "closed before a request") : -1;
		}
		len += (size_t)n;
	}
	if (api_request_parse(buf, end, &c->req, status, err) < 0)
		return -1;
	c->early_len = len - end;
	memcpy(c->early, buf + end, c->early_len);
	return 0;
}

/* The body, if any: what arrived with the head first, then the rest. */
static int read_body(struct api_conn *c, int64_t deadline, int *status, struct sk_err *err)
{
	size_t want = c->req.content_length > 0 ? (size_t)c->req.content_length : 0;
	size_t have = c->early_len < want ? c->early_len : want;

	if (!(c->body = malloc(want + 1))) {
		*status = 500;
		return sk_fail(err, ENOMEM, "request body");
	}
	memcpy(c->body, c->early, have);
	memmove(c->early, c->early + have, c->early_len - have);
	c->early_len -= have;
	while (have < want) {
		ssize_t n = tls_conn_wait_read(c->tls, c->body + have, want - have, deadline, err);
		if (n <= 0) {
			*status = 0;
			return -1;
		}
		have += (size_t)n;
	}
	c->body[want] = '\0';
	c->body_len = want;
	return 0;
}

static int is(const struct api_request *r, size_t n, const char *a, const char *b, const char *d)
{
	return r->nseg == n && !strcmp(r->seg[0], "v1") && !strcmp(r->seg[1], a) &&
	       (!b || !strcmp(r->seg[2], b)) && (!d || !strcmp(r->seg[n - 1], d));
}

static int want_method(struct api_conn *c, const char *m)
{
	if (!strcmp(c->req.method, m))
		return 1;
	api_reply_error(c, 405, "use %s", m);
	return 0;
}

static int route(struct api_conn *c)
{
	const struct api_request *r = &c->req;

	if (is(r, 2, "node", NULL, NULL))
		return want_method(c, "GET") ? api_node_info(c) : 0;
	if (is(r, 3, "node", "logs", NULL))
		return want_method(c, "GET") ? api_node_logs(c) : 0;
	if (is(r, 3, "node", "dmesg", NULL))
		return want_method(c, "GET") ? api_node_dmesg(c) : 0;
	if (is(r, 3, "node", "top", NULL))
		return want_method(c, "GET") ? api_node_top(c) : 0;
	if (is(r, 4, "tasks", NULL, "logs") || is(r, 4, "tasks", NULL, "exec")) {
		const char *task = r->seg[2];
		if (!agent_valid_id(task, TASK_ID_MAX))
			return api_reply_error(c, 400, "bad task id");
		if (!strcmp(r->seg[3], "logs"))
			return want_method(c, "GET") ? api_task_logs(c, task) : 0;
		return want_method(c, "POST") ? api_task_exec(c, task) : 0;
	}
	return api_reply_error(c, 404, "no such endpoint");
}

static void request_line(const struct api_conn *c, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s ", c->req.method);

	for (size_t i = 0; i < c->req.nseg && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "/%s", c->req.seg[i]);
	for (size_t i = 0; i < c->req.nparams && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%c%s=%s", i ? '&' : '?',
				      c->req.params[i].name, c->req.params[i].value);
}

static int serve(struct api_conn *c)
{
	struct sk_err err = {0};
	int64_t deadline = sk_now_ms() + API_HANDSHAKE_MS;
	int status = 0;
	char line[400];

	if (tls_conn_wait_handshake(c->tls, deadline, &err) < 0) {
		agent_log("api: %s: refused: %s", c->peer, err.msg);
		return -1;
	}
	if (read_head(c, deadline, &status, &err) < 0 ||
	    read_body(c, deadline, &status, &err) < 0) {
		agent_log("api: %s (%s): %s", c->peer, tls_conn_peer(c->tls)->cn, err.msg);
		if (status)
			api_reply_error(c, status, "%s", err.msg);
		return -1;
	}
	request_line(c, line, sizeof line);
	agent_log("api: %s (%s): %s", tls_conn_peer(c->tls)->cn, c->peer, line);
	return route(c);
}

void api_conn_main(const struct api_server *s, int fd, const char *peer)
{
	struct api_conn *c = calloc(1, sizeof *c);
	struct tls_conn_opts o = {.id = s->id, .ca = &s->ca, .peer_role = X509_ROLE_OPERATOR};
	struct sk_err err = {0};

	signal(SIGPIPE, SIG_IGN);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (!c || tls_conn_server(fd, &o, &c->tls, &err) < 0)
		_exit(1);
	c->srv = s;
	c->cfg = s->cfg;
	c->fd = fd;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	snprintf(c->rt_root, sizeof c->rt_root, "%s/runtime", s->cfg->run_dir);
	c->rt.root = c->rt_root;
	int rc = serve(c);
	if (rc == 0) {
		tls_conn_close(c->tls);
		tls_conn_wait_flush(c->tls, sk_now_ms() + 1000, &err);
	}
	_exit(rc < 0);
}
