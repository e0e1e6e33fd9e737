/* Starting a task takes a while (image pulls, layer unpacking) and must
 * not hold up keepalives, so it runs in a worker process: pull every
 * image, then create, network and start each container. The worker
 * reports failure as a message on a pipe and its exit status; the main
 * loop learns the outcome when SIGCHLD reaps it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_internal.h"

static int run_task(struct driver *d, const struct task_def *td, struct sk_err *err)
{
	for (int i = 0; i < td->n_containers; i++)
		if (driver_pull(d, &td->containers[i], err) < 0)
			return -1;
	for (int i = 0; i < td->n_containers; i++)
		if (driver_start(d, td, i, err) < 0)
			return -1;
	return 0;
}

static void __attribute__((noreturn)) worker_main(struct agent *a, struct task *t, int fd)
{
	struct sk_err err = {0};
	sigset_t none;

	/* Containers inherit the mask: they must see SIGTERM. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* The container monitors this process forks live as long as their
	 * containers: they must not keep the agent's etcd connections, its
	 * signalfd or the watch pipe. */
	syscall(SYS_close_range, 3U, (unsigned)fd - 1, 0U);
	syscall(SYS_close_range, (unsigned)fd + 1, ~0U, 0U);
	if (run_task(a->drv, t->def, &err) < 0) {
		if (write(fd, err.msg, strlen(err.msg)) < 0)
			_exit(2);
		_exit(1);
	}
	_exit(0);
}

int worker_spawn(struct agent *a, struct task *t, struct sk_err *err)
{
	int p[2];
	pid_t pid;

	if (!t->def)
		return sk_fail(err, 0, "no task definition");
	if (pipe2(p, O_CLOEXEC) < 0)
		return sk_fail(err, errno, "pipe");
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return sk_fail(err, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		worker_main(a, t, p[1]);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	t->worker = pid;
	t->worker_fd = p[0];
	return 0;
}

static void read_failure(struct task *t)
{
	ssize_t n = read(t->worker_fd, t->detail, sizeof t->detail - 1);

	t->detail[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		snprintf(t->detail, sizeof t->detail, "start worker failed");
}

void worker_reaped(struct agent *a, pid_t pid, int wstatus)
{
	struct sk_err err = {0};

	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (!t->used || t->worker != pid)
			continue;
		t->worker = 0;
		int ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
		if (!ok)
			read_failure(t);
		close(t->worker_fd);
		t->worker_fd = -1;
		if (t->state == TASK_PULLING && ok) {
			t->state = TASK_RUNNING;
			t->version++;
			reconcile_poll(a, t);
			agent_log("task %s RUNNING", t->id);
			tasks_report(a, t);
		} else if (t->state == TASK_PULLING) {
			agent_log("task %s: %s", t->id, t->detail);
			for (int j = 0; j < t->n; j++)
				if (driver_remove(a->drv, t->c[j].id, &err) < 0)
					agent_log("task %s: %s", t->id, err.msg);
			t->state = TASK_STOPPED;
			t->reason = REASON_FAILED_TO_START;
			t->version++;
			agent_log("task %s STOPPED (%s)", t->id, task_reason_name(t->reason));
			tasks_report(a, t);
		}
		tasks_step(a, t);
		return;
	}
}
