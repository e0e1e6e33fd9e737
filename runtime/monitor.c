/* Detached containers (see monitor.h). The monitor allocates nothing in
 * its loop: static buffers, two pipes and a signalfd for SIGCHLD. */
#define _GNU_SOURCE
#include "monitor.h"
#include "cgroup2.h"
#include "console.h"
#include "state.h"
#include "util.h"
#include "crilog.h"
#include "file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct log {
	char path[PATH_MAX + 16];
	int fd;
	long size;
};

int log_append(const char *path, int *fd, long *size, const char *buf, size_t len)
{
	char old[PATH_MAX + 32];

	if (*fd >= 0 && *size + (long)len > LOG_MAX) {
		close(*fd);
		*fd = -1;
		snprintf(old, sizeof old, "%s.1", path);
		rename(path, old);
	}
	if (*fd < 0) {
		*fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		*size = 0;
		if (*fd < 0)
			return -1;
		off_t end = lseek(*fd, 0, SEEK_END);
		*size = end > 0 ? (long)end : 0;
	}
	if (sk_write_all(*fd, buf, len) < 0)
		return -1;
	*size += (long)len;
	return 0;
}

/* With a log directory (LOG_DIR_ANNOTATION), both streams go to one log,
 * DIR/container.log, as timestamped CRI records; each stream assembles
 * its lines. */
struct cri_stream {
	char line[CRILOG_MAX_TEXT];
	size_t len;
	int err;
};

struct sink {
	struct log *log;
	struct cri_stream *cri; /* NULL: raw bytes */
};

static void cri_emit(struct log *l, struct cri_stream *s, int partial)
{
	static char rec[CRILOG_HEADER + CRILOG_MAX_TEXT + 1];
	struct timespec ts;
	struct crilog_rec r = {.err = s->err, .partial = partial, .text = s->line, .len = s->len};

	clock_gettime(CLOCK_REALTIME, &ts);
	r.ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	size_t n = crilog_format(rec, sizeof rec, &r);
	log_append(l->path, &l->fd, &l->size, rec, n);
	s->len = 0;
}

static void cri_feed(struct log *l, struct cri_stream *s, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) : n;
		size_t room = sizeof s->line - s->len;
		if (take > room)
			take = room;
		memcpy(s->line + s->len, buf, take);
		s->len += take;
		buf += take;
		n -= take;
		if (n > 0 && *buf == '\n') {
			cri_emit(l, s, 0);
			buf++;
			n--;
		} else if (s->len == sizeof s->line) {
			cri_emit(l, s, 1);
		}
	}
}

/* Copies what is readable on FD into the sink: > 0 bytes copied, 0 at
 * the end (or on an error), < 0 when nothing is there yet. */
static ssize_t pump(int fd, struct sink *k)
{
	static char buf[65536];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n > 0 && k->cri)
		cri_feed(k->log, k->cri, buf, (size_t)n);
	else if (n > 0)
		log_append(k->log->path, &k->log->fd, &k->log->size, buf, (size_t)n);
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return 0;
	return n;
}

static void sinks_init(struct container *c, struct log logs[2], struct sink sinks[2])
{
	static struct cri_stream cri[2];
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(c->spec.annotations, LOG_DIR_ANNOTATION);
	const char *dir = cJSON_IsString(d) && d->valuestring[0] == '/' ? d->valuestring : NULL;

	for (int i = 0; i < 2; i++) {
		if (dir)
			snprintf(logs[i].path, sizeof logs[i].path, "%s/" LOG_CRI_NAME, dir);
		else
			snprintf(logs[i].path, sizeof logs[i].path, "%s/%s.log", c->dir,
				 i ? "stderr" : "stdout");
		logs[i].fd = -1;
		logs[i].size = 0;
		cri[i].err = i;
		sinks[i].log = &logs[dir ? 0 : i];
		sinks[i].cri = dir ? &cri[i] : NULL;
	}
}

static void monitor_loop(struct container *c, int pipes[2], int sigfd)
{
	struct log logs[2];
	struct sink sinks[2];
	struct pollfd pfd[3];
	int status = 0;

	sinks_init(c, logs, sinks);
	for (int i = 0; i < 2; i++)
		pfd[i] = (struct pollfd){pipes[i], POLLIN, 0};
	pfd[2] = (struct pollfd){sigfd, POLLIN, 0};
	for (;;) {
		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++)
			if (pfd[i].revents && pump(pfd[i].fd, &sinks[i]) == 0)
				pfd[i].fd = -1;
		if (waitpid(c->pid, &status, WNOHANG) == c->pid)
			break;
		struct signalfd_siginfo si;
		if (pfd[2].revents && read(sigfd, &si, sizeof si) < 0 && errno != EAGAIN)
			break;
	}
	/* Whatever the container wrote before it ended. */
	for (int i = 0; i < 2; i++) {
		fcntl(pipes[i], F_SETFL, O_NONBLOCK);
		while (pump(pipes[i], &sinks[i]) > 0)
			;
		if (sinks[i].cri && sinks[i].cri->len)
			cri_emit(sinks[i].log, sinks[i].cri, 0);
	}
	state_record_exit(c->dir, status, c->cgroup[0] ? cgroup2_oom_kills(c->cgroup) : 0, NULL);
}

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void say(int fd, char kind, const char *text)
{
	char buf[1100];
	int n = snprintf(buf, sizeof buf - 1, "%c%s", kind, text);
	n = n < (int)sizeof buf - 1 ? n : (int)sizeof buf - 2;
	buf[n++] = '\n';
	sk_write_all(fd, buf, (size_t)n);
}

/* The monitor itself: spawn, report to the caller on REPORT, then watch. */
static void monitor_main(struct container *c, int report) __attribute__((noreturn));
static void monitor_main(struct container *c, int report)
{
	struct sk_err err = {0};
	int out[2], errp[2], null = open("/dev/null", O_RDWR | O_CLOEXEC);
	char pid[32];

	signal(SIGPIPE, SIG_IGN);
	if (null < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		say(report, 'E', "monitor: pipes");
		_exit(1);
	}
	int sigfd = signal_fd();
	if (!c->inherit_stdio) {
		c->stdio[0] = null;
		c->stdio[1] = out[1];
		c->stdio[2] = errp[1];
	}
	c->monitor_pid = getpid();
	if (container_spawn(c, &err) < 0 || state_save(c, &err) < 0 ||
	    (c->console_fd >= 0 &&
	     console_send(c->console_socket, c->console_fd, c->console_name, &err) < 0)) {
		say(report, 'E', err.msg);
		if (c->pid > 0)
			kill(c->pid, SIGKILL);
		container_discard(c);
		_exit(1);
	}
	if (c->console_fd >= 0)
		close(c->console_fd);
	c->console_fd = -1;
	close(out[1]);
	close(errp[1]);
	close(c->fifo_fd);
	snprintf(pid, sizeof pid, "%d", (int)c->pid);
	say(report, 'O', pid);
	close(report);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	monitor_loop(c, (int[2]){out[0], errp[0]}, sigfd);
	_exit(0);
}

static int read_report(int fd, struct container *c, struct sk_err *err)
{
	char buf[1100];
	ssize_t n, len = 0;

	/* One line: the container process keeps the pipe open until it execs. */
	while (!memchr(buf, '\n', (size_t)len) && len < (ssize_t)sizeof buf - 1) {
		n = read(fd, buf + len, sizeof buf - 1 - (size_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	if (len == 0 || !strchr(buf, '\n'))
		return sk_fail(err, 0, "the container monitor died");
	*strchr(buf, '\n') = '\0';
	if (buf[0] == 'E')
		return sk_fail(err, 0, "%s", buf + 1);
	c->pid = atoi(buf + 1);
	return 0;
}

int monitor_create(struct container *c, struct sk_err *err)
{
	int report[2];

	if (pipe2(report, O_CLOEXEC) < 0)
		return sk_fail(err, errno, "pipe");
	pid_t first = fork();
	if (first < 0)
		return sk_fail(err, errno, "fork");
	if (first == 0) {
		close(report[0]);
		setsid();
		pid_t second = fork();
		if (second == 0)
			monitor_main(c, report[1]);
		_exit(second < 0 ? 1 : 0);
	}
	close(report[1]);
	int status;
	while (waitpid(first, &status, 0) < 0 && errno == EINTR)
		;
	int rc = read_report(report[0], c, err);
	close(report[0]);
	return rc;
}
