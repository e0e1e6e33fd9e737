/* `skiffctl task exec` on the wire: the upgrade request, then one poll
 * loop relaying this process's stdin (and window size changes, with a
 * terminal) to the node and the command's stdout and stderr back, until
 * the node sends the exit status. With a terminal, the local one is in raw
 * mode meanwhile, so keys such as ^C reach the command. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "napi.h"
#include "napi_internal.h"

struct client {
	struct napi *n;
	struct frame_parser parser;
	unsigned char outq[2 * (FRAME_MAX_LEN + FRAME_HEADER)];
	size_t outq_len;
	int stdin_open, tty, done, status;
	char error[1024];
};

static char *request_body(const char *task, const struct napi_exec *x)
{
	cJSON *j = cJSON_CreateObject(), *cmd = cJSON_AddArrayToObject(j, "command");
	struct winsize ws;
	const char *term = getenv("TERM");

	for (char **a = x->argv; *a; a++)
		cJSON_AddItemToArray(cmd, cJSON_CreateString(*a));
	if (x->container)
		cJSON_AddStringToObject(j, "container", x->container);
	cJSON_AddBoolToObject(j, "tty", x->tty);
	cJSON_AddBoolToObject(j, "stdin", x->interactive);
	if (x->tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		cJSON_AddNumberToObject(j, "rows", ws.ws_row);
		cJSON_AddNumberToObject(j, "cols", ws.ws_col);
	}
	cJSON *env = cJSON_AddArrayToObject(j, "env");
	if (x->tty && term && *term) {
		char t[128];
		snprintf(t, sizeof t, "TERM=%.100s", term);
		cJSON_AddItemToArray(env, cJSON_CreateString(t));
	}
	for (size_t i = 0; i < x->nenv; i++)
		cJSON_AddItemToArray(env, cJSON_CreateString(x->env[i]));
	if (x->user)
		cJSON_AddStringToObject(j, "user", x->user);
	if (x->workdir)
		cJSON_AddStringToObject(j, "cwd", x->workdir);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static void queue(struct client *cl, int type, const void *data, size_t len)
{
	if (FRAME_HEADER + len > sizeof cl->outq - cl->outq_len)
		return;
	frame_header(cl->outq + cl->outq_len, type, (uint32_t)len);
	memcpy(cl->outq + cl->outq_len + FRAME_HEADER, data, len);
	cl->outq_len += FRAME_HEADER + len;
}

static void write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static int on_frame(void *ctx, int type, const unsigned char *p, size_t len, struct sk_err *err)
{
	struct client *cl = ctx;

	if (type == FRAME_STDOUT)
		write_all(STDOUT_FILENO, p, len);
	else if (type == FRAME_STDERR)
		write_all(STDERR_FILENO, p, len);
	else if (type == FRAME_ERROR)
		snprintf(cl->error, sizeof cl->error, "%.*s", (int)len, (const char *)p);
	else if (type == FRAME_EXIT && len == 4) {
		cl->status =
		    (int)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
		cl->done = 1;
	} else
		return sk_fail(err, 0, "exec stream: unexpected frame type %d", type);
	return 0;
}

static void send_size(struct client *cl)
{
	struct winsize ws;
	unsigned char b[4];

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
		return;
	b[0] = (unsigned char)(ws.ws_row >> 8), b[1] = (unsigned char)ws.ws_row;
	b[2] = (unsigned char)(ws.ws_col >> 8), b[3] = (unsigned char)ws.ws_col;
	queue(cl, FRAME_RESIZE, b, sizeof b);
}

static void read_stdin(struct client *cl)
{
	unsigned char buf[16384];
	ssize_t n = read(STDIN_FILENO, buf, sizeof buf);

	if (n > 0) {
		queue(cl, FRAME_STDIN, buf, (size_t)n);
	} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
		queue(cl, FRAME_STDIN_EOF, NULL, 0);
		cl->stdin_open = 0;
	}
}

/* Queued frames into TLS, TLS to the socket, and what came back. */
static int exchange(struct client *cl, struct sk_err *err)
{
	struct napi *n = cl->n;
	unsigned char buf[16384];
	size_t k = tls_conn_write(n->tls, cl->outq, cl->outq_len);

	memmove(cl->outq, cl->outq + k, cl->outq_len - k);
	cl->outq_len -= k;
	if (k)
		tls_conn_flush(n->tls);
	int alive = tls_conn_pump(n->tls) == 0;
	while ((k = tls_conn_read(n->tls, buf, sizeof buf)) > 0)
		if (frame_feed(&cl->parser, buf, k, on_frame, cl, err) < 0)
			return -1;
	if (!alive && !cl->done) {
		char why[300];
		tls_conn_describe(n->tls, why, sizeof why);
		return sk_fail(err, 0, "node %s: the exec stream ended without an exit status (%s)",
			       n->t.node, why);
	}
	return 0;
}

static int relay(struct client *cl, int sigfd, struct sk_err *err)
{
	/* The engine may hold frames already: take them before waiting. */
	if (exchange(cl, err) < 0)
		return -1;
	while (!cl->done) {
		int room = sizeof cl->outq - cl->outq_len >= FRAME_HEADER + 16384;
		struct pollfd p[3] = {
		    {.fd = cl->n->fd, .events = (short)(tls_conn_events(cl->n->tls) | POLLIN)},
		    {.fd = cl->stdin_open && room ? STDIN_FILENO : -1, .events = POLLIN},
		    {.fd = sigfd, .events = POLLIN},
		};
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return sk_fail(err, errno, "poll");
		if (p[2].revents) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof si) > 0)
				;
			send_size(cl);
		}
		if (p[1].revents)
			read_stdin(cl);
		if (exchange(cl, err) < 0)
			return -1;
	}
	return 0;
}

static struct termios saved;
static int raw_on;

static void raw_mode(int on)
{
	struct termios t;

	if (on && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		t = saved;
		cfmakeraw(&t);
		raw_on = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
	} else if (!on && raw_on) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		raw_on = 0;
	}
}

static int start(struct napi *n, const char *task, const struct napi_exec *x, struct sk_err *err)
{
	struct http_response *resp = calloc(1, sizeof *resp);
	char target[300];
	char *body = request_body(task, x);
	int rc;

	if (!resp || !body) {
		free(resp);
		free(body);
		return sk_fail(err, ENOMEM, "exec");
	}
	snprintf(target, sizeof target, "/v1/tasks/%s/exec", task);
	rc = napi_request(n, "POST", target, body,
			  "Connection: Upgrade\r\nUpgrade: " NODEAPI_EXEC_PROTOCOL
			  "\r\nContent-Type: application/json\r\n",
			  resp, err);
	if (rc == 0 && resp->status != 101)
		rc = napi_error(n, resp, err);
	free(resp);
	free(body);
	return rc;
}

int napi_exec_run(struct napi *n, const char *task, const struct napi_exec *x, int *status,
		  struct sk_err *err)
{
	static struct client cl;
	sigset_t set;
	int rc, sigfd = -1;

	if ((rc = start(n, task, x, err)) < 0)
		return rc;
	memset(&cl, 0, offsetof(struct client, outq));
	frame_parser_init(&cl.parser);
	cl.n = n;
	cl.stdin_open = x->interactive;
	if (x->tty) {
		sigemptyset(&set);
		sigaddset(&set, SIGWINCH);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		raw_mode(1);
	}
	rc = frame_feed(&cl.parser, (unsigned char *)n->rbuf, n->rlen, on_frame, &cl, err);
	n->rlen = 0;
	if (rc == 0)
		rc = relay(&cl, sigfd, err);
	raw_mode(0);
	if (sigfd >= 0)
		close(sigfd);
	if (rc < 0)
		return rc;
	if (cl.error[0])
		fprintf(stderr, "skiffctl: exec: %s\n", cl.error);
	*status = cl.status;
	return 0;
}
