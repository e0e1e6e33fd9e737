/* OCI hooks: each runs with the state JSON on stdin, its own args and env,
 * and an optional timeout. A failing hook stops the container, except
 * poststart and poststop ones, which only warn. A hook without "env"
 * inherits the runtime's environment, as in runc. */
#define _GNU_SOURCE
#include "container.h"
#include "util.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const kind_names[HOOK_KINDS] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static pid_t start_hook(const struct oci_hook *h, int in)
{
	extern char **environ;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	char *argv0[] = {(char *)h->path, NULL};
	dup2(in, 0);
	execve(h->path, h->args && h->args[0] ? h->args : argv0, h->env ? h->env : environ);
	_exit(127);
}

/* Waits for PID, killing it once TIMEOUT seconds (if any) have passed. */
static int wait_hook(pid_t pid, int timeout, int *status)
{
	struct timespec tick = {0, 2 * 1000 * 1000};
	long waited_ms = 0;

	for (;;) {
		pid_t r = waitpid(pid, status, timeout ? WNOHANG : 0);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && waited_ms >= timeout * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return 1;
		}
		if (r == 0) {
			nanosleep(&tick, NULL);
			waited_ms += 2;
		}
	}
}

static int run_one(const struct oci_hook *h, const char *state, const char *where,
		   struct sk_err *err)
{
	int fds[2], status = 0;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sk_fail(err, errno, "%s: pipe", where);
	pid_t pid = start_hook(h, fds[0]);
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return sk_fail(err, errno, "%s: fork", where);
	}
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	sk_write_all(fds[1], state, strlen(state)); /* a hook need not read it */
	close(fds[1]);
	signal(SIGPIPE, old);
	int rc = wait_hook(pid, h->timeout, &status);
	if (rc < 0)
		return sk_fail(err, errno, "%s: wait for %s", where, h->path);
	if (rc > 0)
		return sk_fail(err, 0, "%s: %s timed out after %d s", where, h->path, h->timeout);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sk_fail(err, 0, "%s: %s failed with status %d", where, h->path,
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

int hooks_run(const struct oci_spec *spec, enum oci_hook_kind kind, const char *state,
	      struct sk_err *err)
{
	char where[64];

	for (int i = 0; i < spec->hooks[kind].n; i++) {
		snprintf(where, sizeof where, "hooks.%s[%d]", kind_names[kind], i);
		if (run_one(&spec->hooks[kind].v[i], state ? state : "{}", where, err) < 0)
			return -1;
	}
	return 0;
}
