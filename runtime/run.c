/* `run`: create and start in one go. In the foreground the runtime is the
 * container's parent: it forwards signals, waits, records the exit and
 * deletes the container; detached, it is create + start. */
#define _GNU_SOURCE
#include "cgroup2.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static void forward_signals(pid_t pid)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};

	forward_to = pid;
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

static int wait_container(struct container *c, int *status)
{
	int ws = 0;

	while (waitpid(c->pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	forward_to = 0;
	*status = state_exit_code(ws);
	state_record_exit(c->dir, ws, c->cgroup[0] ? cgroup2_oom_kills(c->cgroup) : 0, NULL);
	return 0;
}

/* The pty goes to --console-socket, or is relayed to the caller's own
 * terminal until the process ends. */
static void relay_console(struct container *c, const struct rt_create_opts *o)
{
	struct sk_err err = {0};

	if (o->console_socket) {
		if (console_send(o->console_socket, c->console_fd, c->console_name, &err) < 0)
			sk_warn("%s", err.msg);
	} else {
		SK_AUTOCLOSE int pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
		console_relay(c->console_fd, pidfd);
	}
	close(c->console_fd);
	c->console_fd = -1;
}

static int run_foreground(const struct rt_global *g, const char *id, const struct rt_create_opts *o,
			  int *status, struct sk_err *err)
{
	struct container c;

	if (container_prepare(g, id, o->bundle, &c, err) < 0) {
		container_free(&c);
		return -1;
	}
	c.mode = SPAWN_RUN;
	if (container_apply_opts(&c, o, 0, err) < 0 || container_spawn(&c, err) < 0) {
		container_discard(&c);
		container_free(&c);
		return -1;
	}
	forward_signals(c.pid);
	state_save(&c, NULL);
	if (rt_write_pid(o->pid_file, c.pid, err) < 0)
		sk_warn("%s", err->msg);
	if (c.spec.hooks[HOOK_POSTSTART].n) {
		SK_AUTOFREE char *s = state_hook_json(&c, "running");
		if (hooks_run(&c.spec, HOOK_POSTSTART, s, err) < 0)
			sk_warn("%s", err->msg);
	}
	if (c.console_fd >= 0)
		relay_console(&c, o);
	wait_container(&c, status);
	container_free(&c);
	return rt_delete(g, id, 1, err);
}

int rt_run(const struct rt_global *g, const char *id, const struct rt_create_opts *o, int *status,
	   struct sk_err *err)
{
	*status = 0;
	if (!o->detach)
		return run_foreground(g, id, o, status, err);
	if (rt_create(g, id, o, err) < 0)
		return -1;
	if (rt_start(g, id, err) < 0) {
		rt_delete(g, id, 1, NULL);
		return -1;
	}
	return 0;
}
