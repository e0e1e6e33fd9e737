/* The runtime side of starting a container process: clone with the new
 * namespaces, then, while the child waits on the sync socket, id maps,
 * oom_score_adj, cgroup placement and the createRuntime hooks. */
#define _GNU_SOURCE
#include "cgroup2.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "devcg.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int clone_flags(const struct oci_spec *s)
{
	int flags = 0;

	for (int i = 0; i < s->nns; i++)
		if (!s->ns[i].path && s->ns[i].type != CLONE_NEWCGROUP)
			flags |= s->ns[i].type;
	return flags;
}

static int write_map(pid_t pid, const char *file, const struct oci_idmap *m, int n,
		     struct sk_err *err)
{
	char path[64], buf[16 * 40] = "";
	size_t len = 0;

	if (n == 0)
		return 0;
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", m[i].container,
					m[i].host, m[i].size);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	return rt_write_file(path, buf, err);
}

/* For cgroups the runtime places itself (<root>/skiff/ID), see
 * devcg_keep_hook; a cgroupsPath of the caller's is left alone. */
static int keep_device_hook(const struct container *c)
{
	char parent[PATH_MAX];

	if (c->spec.cgroups_path && *c->spec.cgroups_path)
		return 0;
	snprintf(parent, sizeof parent, "%s", c->cgroup);
	*strrchr(parent, '/') = '\0';
	devcg_keep_hook(parent);
	return 0;
}

static int setup_from_outside(struct container *c, struct sk_err *err)
{
	const struct oci_spec *s = &c->spec;
	char path[64], v[16];

	if (oci_spec_ns(s, CLONE_NEWUSER) && !oci_spec_ns(s, CLONE_NEWUSER)->path &&
	    (write_map(c->pid, "uid_map", s->uid_maps, s->nuid_maps, err) < 0 ||
	     write_map(c->pid, "gid_map", s->gid_maps, s->ngid_maps, err) < 0))
		return sk_wrap(err, "user namespace");
	if (s->process.has_oom_score_adj) {
		snprintf(path, sizeof path, "/proc/%d/oom_score_adj", (int)c->pid);
		snprintf(v, sizeof v, "%d", s->process.oom_score_adj);
		if (rt_write_file(path, v, err) < 0)
			return sk_wrap(err, "process.oomScoreAdj");
	}
	if (c->cgroup[0] &&
	    (cgroup2_create(c->cgroup, &s->res, err) < 0 || keep_device_hook(c) < 0 ||
	     devcg_attach(c->cgroup, s, err) < 0 || cgroup2_enter(c->cgroup, c->pid, err) < 0))
		return -1;
	SK_AUTOFREE char *state = state_hook_json(c, "creating");
	if (hooks_run(s, HOOK_PRESTART, state, err) < 0 ||
	    hooks_run(s, HOOK_CREATE_RUNTIME, state, err) < 0)
		return -1;
	return 0;
}

/* Waits for the child's READY (or its error); in SPAWN_RUN also for the
 * exec (the socket closes on exec) so that exec failures are reported. */
static int wait_child(struct container *c, int fd, struct sk_err *err)
{
	struct sync_msg m;

	for (int want = SYNC_READY;;) {
		int passed;
		ssize_t n = fd_recv(fd, &m, sizeof m, &passed);
		if (n == (ssize_t)sizeof m && m.kind == SYNC_CONSOLE && passed >= 0) {
			c->console_fd = passed;
			snprintf(c->console_name, sizeof c->console_name, "%.60s", m.msg);
			continue;
		}
		if (passed >= 0)
			close(passed);
		if (n == 0 && want == 0)
			return 0;
		if (n <= 0)
			return sk_fail(err, n < 0 ? errno : 0,
				       "container process died during setup");
		if (n != sizeof m)
			return sk_fail(err, 0, "container: short sync message");
		m.msg[sizeof m.msg - 1] = '\0';
		if (m.kind == SYNC_ERROR)
			return sk_fail(err, 0, "%s", m.msg);
		if (m.kind != want)
			return sk_fail(err, 0, "container: unexpected sync message %d", m.kind);
		if (c->mode == SPAWN_CREATE)
			return 0;
		want = 0;
	}
}

static void kill_child(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int container_spawn(struct container *c, struct sk_err *err)
{
	int sv[2];
	struct sync_msg go = {.kind = SYNC_GO};

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sk_fail(err, errno, "socketpair");
	pid_t pid = (pid_t)syscall(SYS_clone, clone_flags(&c->spec) | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return sk_fail(err, e, "clone");
	}
	if (pid == 0) {
		close(sv[0]);
		container_child(c, sv[1]);
	}
	close(sv[1]);
	c->pid = pid;
	go.pid = pid;
	if (setup_from_outside(c, err) < 0 ||
	    (send(sv[0], &go, sizeof go, MSG_NOSIGNAL) < 0 && sk_fail(err, errno, "sync")) ||
	    wait_child(c, sv[0], err) < 0) {
		close(sv[0]);
		kill_child(pid);
		return -1;
	}
	close(sv[0]);
	return 0;
}
