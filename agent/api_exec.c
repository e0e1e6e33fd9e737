/* Exec over the node API (POST /v1/tasks/T/exec with Connection: Upgrade,
 * Upgrade: skiff-exec/1 and a JSON body naming the command). A helper
 * process joins the container through the runtime library (rt_exec) with
 * the command's stdio on pipes or, when a terminal was asked for, on a
 * pseudo-terminal the runtime opens inside the container and hands over a
 * console socket (as runc does); this process answers 101 and then relays
 * frames (lib/nodeapi.h)
 * between the client and the command in one poll loop: stdin, window
 * size and end of input from the client, stdout and stderr to it, and at
 * the end the exit status. Queues are bounded both ways and each side is
 * read only when the other has room, so a slow client slows the command
 * instead of filling memory. A client that goes away hangs the command
 * up. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "api_internal.h"
#include "clock.h"
#include "driver.h"
#include "nodeapi.h"
#include "taskdef.h"
#include "../runtime/console.h"

#define EXEC_MAX_ARGS 64
#define EXEC_MAX_ENV  64
#define QUEUE	      (FRAME_MAX_LEN + FRAME_HEADER)
#define DRAIN_MS      300 /* output still arriving after the command ended */

struct exec_req {
	char container[TD_NAME_MAX + 1];
	char *argv[EXEC_MAX_ARGS + 1];
	char *env[EXEC_MAX_ENV + 1];
	char cwd[4096];
	char user[64]; /* "UID[:GID]"; "": the container's */
	int tty, stdin_open;
	unsigned short rows, cols;
};

struct session {
	struct api_conn *c;
	int tty;
	int in_fd, out_fd, err_fd, fail_fd, sig_fd;
	pid_t helper;
	int status, exited;
	struct frame_parser parser;
	unsigned char inq[2 * QUEUE], outq[2 * QUEUE];
	size_t inq_len, outq_len;
	int stdin_eof; /* close stdin once inq is written */
};

/* ---- the request ---- */

static int str_array(const cJSON *a, char **out, int max, int need_eq)
{
	const cJSON *e;
	int n = 0;

	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return -1;
	cJSON_ArrayForEach(e, a)
	{
		if (n == max || !cJSON_IsString(e) || strlen(e->valuestring) > 4096 ||
		    (need_eq && !strchr(e->valuestring, '=')))
			return -1;
		out[n++] = e->valuestring;
	}
	out[n] = NULL;
	return n;
}

static int parse_size(const cJSON *v, unsigned short *out)
{
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 65535)
		return -1;
	*out = (unsigned short)v->valuedouble;
	return 0;
}

static const char *parse_exec(cJSON *j, struct exec_req *x)
{
	const cJSON *v;

	if (!cJSON_IsObject(j))
		return "body: expected a JSON object";
	if (str_array(cJSON_GetObjectItemCaseSensitive(j, "command"), x->argv, EXEC_MAX_ARGS, 0) <
	    1)
		return "command: expected 1..64 strings";
	if (str_array(cJSON_GetObjectItemCaseSensitive(j, "env"), x->env, EXEC_MAX_ENV, 1) < 0)
		return "env: expected at most 64 \"NAME=value\" strings";
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "container")) &&
	    (!cJSON_IsString(v) || !taskdef_valid_name(v->valuestring) ||
	     strlen(v->valuestring) >= sizeof x->container))
		return "container: expected a container name";
	if (v)
		snprintf(x->container, sizeof x->container, "%s", v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "cwd")) &&
	    (!cJSON_IsString(v) || v->valuestring[0] != '/' ||
	     strlen(v->valuestring) >= sizeof x->cwd))
		return "cwd: expected an absolute path";
	if (v)
		snprintf(x->cwd, sizeof x->cwd, "%s", v->valuestring);
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "user")) &&
	    (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) >= sizeof x->user ||
	     strspn(v->valuestring, "0123456789:") != strlen(v->valuestring)))
		return "user: expected \"UID[:GID]\"";
	if (v)
		snprintf(x->user, sizeof x->user, "%s", v->valuestring);
	x->tty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "tty"));
	x->stdin_open = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "stdin"));
	if (parse_size(cJSON_GetObjectItemCaseSensitive(j, "rows"), &x->rows) < 0 ||
	    parse_size(cJSON_GetObjectItemCaseSensitive(j, "cols"), &x->cols) < 0)
		return "rows, cols: expected 1..65535";
	return NULL;
}

/* ---- the helper: joins the container and runs the command ---- */

static void __attribute__((noreturn))
helper_main(struct api_conn *c, const char *id, const struct exec_req *x, int stdio[3], int fail,
	    const char *console)
{
	struct rt_exec_opts o = {.args = (char **)x->argv, .env = (char **)x->env};
	struct sk_err err = {0};
	sigset_t none;
	int status = 0;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	for (int i = 0; i < 3; i++)
		dup2(stdio[i], i);
	dup2(fail, 3);
	syscall(SYS_close_range, 4U, ~0U, 0U);
	o.cwd = x->cwd[0] ? x->cwd : NULL;
	o.user = x->user[0] ? x->user : NULL;
	o.tty = x->tty;
	o.console_socket = console;
	if (rt_exec(&c->rt, id, &o, &status, &err) < 0) {
		if (write(3, err.msg, strlen(err.msg)) < 0)
			_exit(126);
		_exit(status ? status : 126);
	}
	_exit(status);
}

/* With a terminal, the runtime opens the pty inside the container (its
 * own /dev/pts, as runc does) and hands the master over this socket. */
static int console_listen(struct api_conn *c, char *path, size_t size)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof dir, "%s/api", c->cfg->run_dir);
	mkdir(dir, 0700);
	if ((size_t)snprintf(path, size, "%s/exec-%d.sock", dir, (int)getpid()) >= size ||
	    strlen(path) >= sizeof sa.sun_path)
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The pty master from the runtime, or -1 when the helper ended first. */
static int console_accept(int listen_fd, int fail_fd, const struct exec_req *x)
{
	struct pollfd p[2] = {{.fd = listen_fd, .events = POLLIN},
			      {.fd = fail_fd, .events = POLLIN}};
	struct winsize ws = {.ws_row = x->rows ? x->rows : 24, .ws_col = x->cols ? x->cols : 80};
	char name[64];
	int master = -1;

	if (poll(p, 2, API_HANDSHAKE_MS) <= 0 || !(p[0].revents & POLLIN))
		return -1;
	int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn >= 0 && fd_recv(conn, name, sizeof name, &master) >= 0 && master >= 0)
		ioctl(master, TIOCSWINSZ, &ws);
	if (conn >= 0)
		close(conn);
	return master;
}

/* Pipes, or the runtime's pseudo-terminal; then the helper. */
static int start(struct session *s, const char *id, const struct exec_req *x)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, fail[2], stdio[3];
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), lfd = -1;
	char console[PATH_MAX] = "";

	if (null < 0 || pipe2(fail, O_CLOEXEC) < 0)
		return -1;
	if (x->tty) {
		if ((lfd = console_listen(s->c, console, sizeof console)) < 0)
			return -1;
		stdio[0] = stdio[1] = stdio[2] = null;
	} else {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
		    (x->stdin_open && pipe2(in, O_CLOEXEC) < 0))
			return -1;
		stdio[0] = x->stdin_open ? in[0] : null, stdio[1] = out[1], stdio[2] = errp[1];
		s->in_fd = in[1], s->out_fd = out[0], s->err_fd = errp[0];
	}
	s->helper = fork();
	if (s->helper == 0)
		helper_main(s->c, id, x, stdio, fail[1], x->tty ? console : NULL);
	for (int i = 0; i < 3; i++)
		if (stdio[i] != null)
			close(stdio[i]);
	close(null);
	close(fail[1]);
	s->fail_fd = fail[0];
	if (x->tty) {
		s->in_fd = s->out_fd = console_accept(lfd, s->fail_fd, x);
		close(lfd);
		unlink(console);
	}
	if (s->out_fd >= 0)
		fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
	if (s->in_fd >= 0)
		fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
	if (s->err_fd >= 0)
		fcntl(s->err_fd, F_SETFL, O_NONBLOCK);
	return s->helper < 0 ? -1 : 0;
}

/* ---- relaying ---- */

static void queue_frame(struct session *s, int type, const void *data, size_t len)
{
	if (FRAME_HEADER + len > sizeof s->outq - s->outq_len)
		return; /* callers check the room first */
	frame_header(s->outq + s->outq_len, type, (uint32_t)len);
	memcpy(s->outq + s->outq_len + FRAME_HEADER, data, len);
	s->outq_len += FRAME_HEADER + len;
}

/* Moves queued frames into TLS and TLS records into the socket. */
static int push_out(struct session *s)
{
	size_t n = tls_conn_write(s->c->tls, s->outq, s->outq_len);

	memmove(s->outq, s->outq + n, s->outq_len - n);
	s->outq_len -= n;
	if (n)
		tls_conn_flush(s->c->tls);
	return tls_conn_pump(s->c->tls);
}

static int on_frame(void *ctx, int type, const unsigned char *p, size_t len, struct sk_err *err)
{
	struct session *s = ctx;

	if (type == FRAME_STDIN && len <= sizeof s->inq - s->inq_len && s->in_fd >= 0) {
		memcpy(s->inq + s->inq_len, p, len);
		s->inq_len += len;
	} else if (type == FRAME_RESIZE && len == 4 && s->tty) {
		struct winsize ws = {.ws_row = (unsigned short)(p[0] << 8 | p[1]),
				     .ws_col = (unsigned short)(p[2] << 8 | p[3])};
		ioctl(s->out_fd, TIOCSWINSZ, &ws);
	} else if (type == FRAME_STDIN_EOF) {
		s->stdin_eof = 1;
	} else if (type != FRAME_STDIN && type != FRAME_RESIZE) {
		return sk_fail(err, 0, "exec stream: unexpected frame type %d", type);
	}
	return 0;
}

/* Client bytes, only while stdin has room for a whole frame. */
static int pull_in(struct session *s)
{
	unsigned char buf[4096];
	struct sk_err err = {0};
	size_t n;

	while (s->inq_len == 0 && (n = tls_conn_read(s->c->tls, buf, sizeof buf)) > 0)
		if (frame_feed(&s->parser, buf, n, on_frame, s, &err) < 0)
			return -1;
	return 0;
}

static void write_stdin(struct session *s)
{
	if (s->inq_len && s->in_fd >= 0) {
		ssize_t n = write(s->in_fd, s->inq, s->inq_len);
		if (n > 0) {
			memmove(s->inq, s->inq + n, s->inq_len - (size_t)n);
			s->inq_len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			s->inq_len = 0; /* the command closed its stdin */
		}
	}
	if (s->stdin_eof && s->inq_len == 0 && s->in_fd >= 0) {
		if (s->tty) /* the terminal's end-of-file character */
			(void)!write(s->in_fd, "\004", 1);
		else
			close(s->in_fd);
		s->in_fd = -1;
		s->stdin_eof = 0;
	}
}

/* Command output into frames, while the queue has room. 0 at its end. */
static int read_output(struct session *s, int fd, int type)
{
	unsigned char buf[16384];

	if (sizeof s->outq - s->outq_len < FRAME_HEADER + sizeof buf)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf);
	if (n > 0)
		queue_frame(s, type, buf, (size_t)n);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 1;
	return n > 0; /* 0: end (a terminal gives EIO once the command is gone) */
}

static void reap(struct session *s)
{
	struct signalfd_siginfo si;
	int ws;

	while (read(s->sig_fd, &si, sizeof si) > 0)
		;
	if (!s->exited && waitpid(s->helper, &ws, WNOHANG) == s->helper) {
		s->exited = 1;
		s->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	}
}

/* Moves what can move without waiting: client frames in (the TLS engine
 * may hold some already), stdin out, queued frames to the client. */
static int shuffle(struct session *s)
{
	write_stdin(s);
	if (push_out(s) < 0 || pull_in(s) < 0)
		return -1;
	write_stdin(s);
	return 0;
}

static int relay_step(struct session *s, int timeout)
{
	if (shuffle(s) < 0)
		return -1;
	int room = sizeof s->outq - s->outq_len >= FRAME_HEADER + 16384;
	struct pollfd p[5] = {
	    {.fd = s->c->fd, .events = tls_conn_events(s->c->tls)},
	    {.fd = room ? s->out_fd : -1, .events = POLLIN},
	    {.fd = room ? s->err_fd : -1, .events = POLLIN},
	    {.fd = s->inq_len ? s->in_fd : -1, .events = POLLOUT},
	    {.fd = s->sig_fd, .events = POLLIN},
	};

	if (poll(p, 5, timeout) < 0 && errno != EINTR)
		return -1;
	if (p[4].revents)
		reap(s);
	if (p[1].revents && !read_output(s, s->out_fd, FRAME_STDOUT))
		s->out_fd = -1;
	if (p[2].revents && !read_output(s, s->err_fd, FRAME_STDERR))
		s->err_fd = -1;
	return shuffle(s);
}

static void finish(struct session *s)
{
	char msg[1024];
	ssize_t n = read(s->fail_fd, msg, sizeof msg - 1);
	unsigned char code[4] = {(unsigned char)(s->status >> 24), (unsigned char)(s->status >> 16),
				 (unsigned char)(s->status >> 8), (unsigned char)s->status};

	if (n > 0)
		queue_frame(s, FRAME_ERROR, msg, (size_t)n);
	queue_frame(s, FRAME_EXIT, code, sizeof code);
}

/* Until the command ended and its output is sent, or the client left. */
static int relay(struct session *s)
{
	int64_t drain_until = 0;

	for (;;) {
		int idle = s->exited ? 50 : -1;
		if (relay_step(s, idle) < 0)
			return -1;
		if (!s->exited)
			continue;
		if (!drain_until)
			drain_until = sk_now_ms() + DRAIN_MS;
		if ((s->out_fd < 0 && s->err_fd < 0) || sk_now_ms() >= drain_until)
			break;
	}
	finish(s);
	struct sk_err err = {0};
	while (s->outq_len)
		if (push_out(s) < 0 ||
		    tls_conn_wait_flush(s->c->tls, sk_now_ms() + API_WRITE_MS, &err) < 0)
			return -1;
	return 0;
}

static void hang_up(struct session *s)
{
	if (s->exited)
		return;
	kill(-s->helper, SIGHUP);
	kill(-s->helper, SIGCONT);
	for (int i = 0; i < 20 && waitpid(s->helper, NULL, WNOHANG) == 0; i++)
		usleep(100000);
	kill(-s->helper, SIGKILL);
	waitpid(s->helper, NULL, 0);
}

static int session_run(struct api_conn *c, const char *id, const struct exec_req *x)
{
	static struct session s;
	sigset_t set;
	static const char reply[] =
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: " NODEAPI_EXEC_PROTOCOL "\r\nConnection: Upgrade\r\n\r\n";

	memset(&s, 0, offsetof(struct session, parser));
	frame_parser_init(&s.parser);
	s.c = c;
	s.tty = x->tty;
	s.in_fd = s.out_fd = s.err_fd = s.fail_fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.sig_fd < 0 || start(&s, id, x) < 0)
		return api_reply_error(c, 500, "exec: cannot start: %s", strerror(errno));
	struct sk_err err = {0};
	if (tls_conn_wait_write(c->tls, reply, sizeof reply - 1, sk_now_ms() + API_WRITE_MS, &err) <
		0 ||
	    tls_conn_wait_flush(c->tls, sk_now_ms() + API_WRITE_MS, &err) < 0 ||
	    frame_feed(&s.parser, c->early, c->early_len, on_frame, &s, &err) < 0 ||
	    relay(&s) < 0) {
		hang_up(&s);
		return -1;
	}
	return 0;
}

int api_task_exec(struct api_conn *c, const char *task)
{
	static struct exec_req x;
	char id[DRIVER_ID_MAX], name[TD_NAME_MAX + 1];
	const char *bad;

	memset(&x, 0, sizeof x);
	if (!c->req.upgrade_exec)
		return api_reply_error(c, 426, "exec needs Connection: Upgrade and Upgrade: %s",
				       NODEAPI_EXEC_PROTOCOL);
	cJSON *j = cJSON_Parse(c->body ? c->body : "");
	if ((bad = parse_exec(j, &x))) {
		int rc = api_reply_error(c, 400, "%s", bad);
		cJSON_Delete(j);
		return rc;
	}
	int rc = 0;
	if (api_pick_container(c, task, x.container[0] ? x.container : NULL, name, sizeof name) ==
	    0) {
		driver_container_id(task, name, id);
		if (!api_container_running(c, id))
			rc = api_reply_error(c, 409, "container %s of task %s is not running", name,
					     task);
		else
			rc = session_run(c, id, &x);
	}
	cJSON_Delete(j); /* x points into it */
	return rc;
}
