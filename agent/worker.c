/* Work that takes a while runs in child processes, so that keepalives
 * never wait: a task's prepare worker (pull every image, set up what the
 * containers share), a start worker per container (bundle, network,
 * create, start), a probe per health check, and a task's stop worker
 * (delete its containers, remove what they shared). A worker reports on a
 * pipe ("ok ..." or what failed) and by its exit status. This file owns
 * the processes only: when SIGCHLD reaps one, worker_reaped says how it
 * ended and tasks.c, the one owner of task state, acts on it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_internal.h"
#include "clock.h"

/* In the child: signals as a fresh process has them, and nothing of the
 * agent's open (container monitors forked from here outlive it). */
static void child_setup(int keep)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U);
	syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U);
}

static void __attribute__((noreturn)) report(int fd, int ok, const char *msg)
{
	char buf[1100];
	int n = snprintf(buf, sizeof buf, "%s%s", ok ? "ok " : "", msg);

	if (write(fd, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf - 1)) < 0)
		_exit(2);
	_exit(ok ? 0 : 1);
}

/* Forks; the child runs JOB and never returns. */
static pid_t spawn(int *fd_out, void (*job)(void *ctx, int fd), void *ctx, struct sk_err *err)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return sk_fail(err, errno, "pipe");
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return sk_fail(err, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		child_setup(p[1]);
		job(ctx, p[1]);
		_exit(3);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*fd_out = p[0];
	return pid;
}

struct job {
	struct agent *a;
	struct task *t;
	struct task_container *c;
};

/* A failed prepare removes what it set up before saying so. */
static void prepare_job(void *ctx, int fd)
{
	struct job *j = ctx;
	struct task_shared sh;
	struct sk_err err = {0}, e2 = {0};

	if (driver_prepare(j->a->drv, j->t->def, &sh, &err) == 0)
		report(fd, 1, sh.address);
	if (driver_teardown(j->a->drv, j->t->id, sh.pause, &e2) < 0)
		agent_log("%s", e2.msg);
	report(fd, 0, err.msg);
}

int worker_prepare(struct agent *a, struct task *t, struct sk_err *err)
{
	struct job j = {a, t, NULL};
	pid_t pid;

	if (!t->def)
		return sk_fail(err, 0, "no task definition");
	if ((pid = spawn(&t->worker_fd, prepare_job, &j, err)) < 0)
		return -1;
	t->worker = pid;
	t->worker_stops = 0;
	return 0;
}

static void start_job(void *ctx, int fd)
{
	struct job *j = ctx;
	struct task_shared sh = {0};
	const char *addrs[TD_MAX_CONTAINERS];
	char address[48] = "";
	struct sk_err err = {0};
	struct start_ctx sc = {.as = j->t->def,
			       .index = (size_t)(j->c - j->t->c),
			       .ports = j->t->ports,
			       .n_ports = j->t->n_ports,
			       .shared = &sh,
			       .addresses = addrs};

	driver_shared_load(j->a->drv, j->t->id, &sh);
	for (int i = 0; i < TD_MAX_CONTAINERS; i++)
		addrs[i] = i < j->t->n ? j->t->c[i].address : "";
	if (driver_start(j->a->drv, &sc, address, &err) < 0)
		report(fd, 0, err.msg);
	report(fd, 1, address);
}

int worker_start(struct agent *a, struct task *t, struct task_container *c, struct sk_err *err)
{
	struct job j = {a, t, c};
	pid_t pid;

	if ((pid = spawn(&c->worker_fd, start_job, &j, err)) < 0)
		return -1;
	c->worker = pid;
	return 0;
}

/* A probe is its own process group, so that a timeout ends what it
 * started inside the container too. */
static void probe_job(void *ctx, int fd)
{
	struct job *j = ctx;
	const struct td_container *d = taskdef_container(j->t->def->td, j->c->name);
	const struct td_health_check *h = d->health_check;
	char *argv[4], **args = h->command + 1;
	int status = 1, null = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct sk_err err = {0};

	setpgid(0, 0);
	dup2(null, 0), dup2(null, 1), dup2(null, 2);
	if (!strcmp(h->command[0], "CMD-SHELL")) {
		argv[0] = "/bin/sh", argv[1] = "-c", argv[2] = h->command[1], argv[3] = NULL;
		args = argv;
	}
	if (driver_exec(j->a->drv, j->c->id, args, &status, &err) < 0 && !status)
		status = 1;
	_exit(status & 0xff);
}

int worker_probe(struct agent *a, struct task *t, struct task_container *c, struct sk_err *err)
{
	struct job j = {a, t, c};
	pid_t pid;
	int fd;

	if ((pid = spawn(&fd, probe_job, &j, err)) < 0)
		return -1;
	close(fd);
	setpgid(pid, pid);
	c->probe = pid;
	return 0;
}

/* Deletes the task's containers and what they shared: the runtime parses
 * each bundle, removes trees and detaches veths, none of which the loop
 * should wait for. Failures are logged; the task is stopped regardless. */
int worker_remove_task(struct agent *a, const struct task *t)
{
	struct sk_err err = {0};
	int ok = 1;

	for (int i = 0; i < t->n; i++)
		if (driver_remove(a->drv, t->c[i].id, &err) < 0) {
			agent_log("task %s: %s", t->id, err.msg);
			ok = 0;
		}
	if (driver_teardown(a->drv, t->id, t->pause, &err) < 0) {
		agent_log("%s", err.msg);
		ok = 0;
	}
	return ok ? 0 : -1;
}

static void stop_job(void *ctx, int fd)
{
	struct job *j = ctx;
	int ok = worker_remove_task(j->a, j->t) == 0;

	report(fd, ok, ok ? "" : "removal incomplete");
}

int worker_stop(struct agent *a, struct task *t, struct sk_err *err)
{
	struct job j = {a, t, NULL};
	pid_t pid;

	if ((pid = spawn(&t->worker_fd, stop_job, &j, err)) < 0)
		return -1;
	t->worker = pid;
	t->worker_stops = 1;
	return 0;
}

/* What a worker said: "ok DETAIL" (0) or the failure (-1). */
static int outcome(int fd, int wstatus, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);
	int ok;

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && !strncmp(buf, "ok ", 3);
	if (ok)
		memmove(buf, buf + 3, strlen(buf + 3) + 1);
	else if (!buf[0] || !strncmp(buf, "ok ", 3))
		snprintf(buf, size, "worker ended without a word (status %d)", wstatus);
	return ok ? 0 : -1;
}

/* Which of T's workers PID was; fills O (kind, container) and clears the
 * worker's slot. 0 if none. */
static int find(struct task *t, pid_t pid, struct worker_outcome *o, int *fd)
{
	if (t->worker == pid) {
		o->kind = t->worker_stops ? WORKER_STOP : WORKER_PREPARE;
		*fd = t->worker_fd;
		t->worker = 0;
		t->worker_fd = -1;
		return 1;
	}
	for (int k = 0; k < t->n; k++) {
		struct task_container *c = &t->c[k];
		if (c->worker == pid) {
			o->kind = WORKER_START;
			*fd = c->worker_fd;
			c->worker = 0;
			c->worker_fd = -1;
		} else if (c->probe == pid) {
			o->kind = WORKER_PROBE;
			c->probe = 0;
		} else {
			continue;
		}
		o->c = c;
		return 1;
	}
	return 0;
}

int worker_reaped(struct agent *a, pid_t pid, int wstatus, struct worker_outcome *o)
{
	int fd = -1;

	memset(o, 0, sizeof *o);
	o->wstatus = wstatus;
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (!t->used || !find(t, pid, o, &fd))
			continue;
		o->t = t;
		if (o->kind == WORKER_PROBE)
			o->ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
		else
			o->ok = outcome(fd, wstatus, o->msg, sizeof o->msg) == 0;
		return 1;
	}
	return 0;
}
