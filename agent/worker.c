/* Work that takes a while runs in child processes, so that keepalives
 * never wait: a task's prepare worker (pull every image, set up what the
 * containers share), a start worker per container (bundle, network,
 * create, start) and a probe per health check. A worker reports on a pipe
 * ("ok ..." or what failed) and by its exit status; the loop learns the
 * outcome when SIGCHLD reaps it. */
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

static void prepare_job(void *ctx, int fd)
{
	struct job *j = ctx;
	struct task_shared sh;
	struct sk_err err = {0};

	if (driver_prepare(j->a->drv, j->t->def, &sh, &err) < 0)
		report(fd, 0, err.msg);
	report(fd, 1, sh.address);
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

static void prepared(struct agent *a, struct task *t, int wstatus)
{
	char msg[1100];
	struct task_shared sh;
	int ok = outcome(t->worker_fd, wstatus, msg, sizeof msg) == 0;

	t->worker = 0;
	t->worker_fd = -1;
	if (driver_shared_load(a->drv, t->id, &sh) == 0) {
		snprintf(t->address, sizeof t->address, "%s", sh.address);
		t->pause = sh.pause;
	}
	if (t->state != TASK_PULLING)
		return;
	if (!ok) {
		struct sk_err err = {0};
		snprintf(t->detail, sizeof t->detail, "%.255s", msg);
		agent_log("task %s: %s", t->id, t->detail);
		if (driver_teardown(a->drv, t->id, t->pause, &err) < 0)
			agent_log("%s", err.msg);
		tasks_transition(a, t, TASK_STOPPED, REASON_FAILED_TO_START);
		return;
	}
	for (int i = 0; i < t->n; i++) {
		t->c[i].phase = PHASE_WAITING;
		t->c[i].since_ms = sk_now_ms();
	}
	tasks_transition(a, t, TASK_ACTIVATING, REASON_NONE);
}

static void started(struct agent *a, struct task *t, struct task_container *c, int wstatus)
{
	char msg[1100];
	int ok = outcome(c->worker_fd, wstatus, msg, sizeof msg) == 0;

	c->worker = 0;
	c->worker_fd = -1;
	c->since_ms = c->ran_ms = sk_now_ms();
	t->version++;
	if (!ok) {
		c->phase = PHASE_EXITED;
		c->has_exit = 0;
		agent_log("task %s: %s", t->id, msg);
		if (t->state == TASK_ACTIVATING || t->state == TASK_RUNNING) {
			snprintf(t->detail, sizeof t->detail, "%.255s", msg);
			tasks_begin_stop(a, t, REASON_FAILED_TO_START);
		}
		return;
	}
	snprintf(c->address, sizeof c->address, "%.47s", t->address[0] ? t->address : msg);
	c->phase = PHASE_RUNNING;
	c->status = CONTAINER_RUNNING;
	agent_log("task %s container %s started%s%s", t->id, c->name, c->address[0] ? " at " : "",
		  c->address);
}

void worker_reaped(struct agent *a, pid_t pid, int wstatus)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (!t->used)
			continue;
		if (t->worker == pid) {
			prepared(a, t, wstatus);
			tasks_step(a, t);
			return;
		}
		for (int k = 0; k < t->n; k++) {
			struct task_container *c = &t->c[k];
			if (c->worker == pid) {
				started(a, t, c, wstatus);
			} else if (c->probe == pid) {
				health_result(a, t, c, wstatus);
			} else {
				continue;
			}
			tasks_step(a, t);
			return;
		}
	}
}
