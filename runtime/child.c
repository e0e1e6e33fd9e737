/* The container process from clone to execve: joins namespaces given by
 * path, builds the root file system, hostname, sysctl, waits for start,
 * then becomes the configured process. Errors go back over the sync
 * socket while the runtime listens, to stderr afterwards. */
#define _GNU_SOURCE
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "passwd.h"
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(int fd, const struct sk_err *err) __attribute__((noreturn));
static void report(int fd, const struct sk_err *err)
{
	struct sync_msg m = {.kind = SYNC_ERROR};

	snprintf(m.msg, sizeof m.msg, "%s", err->msg);
	if (fd < 0 || send(fd, &m, sizeof m, MSG_NOSIGNAL) < 0)
		sk_print_fatal(err);
	_exit(err->errnum == ENOENT ? 127 : err->errnum == EACCES ? 126 : 1);
}

static int join_one(const struct oci_ns *ns, struct sk_err *err)
{
	int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sk_fail(err, errno, "linux.namespaces: %s: open %s", oci_ns_name(ns->type),
			       ns->path);
	int rc = setns(fd, ns->type);
	close(fd);
	if (rc < 0)
		return sk_fail(err, errno, "linux.namespaces: join %s %s", oci_ns_name(ns->type),
			       ns->path);
	return 0;
}

/* The user namespace first: the others may be owned by it. */
static int join_namespaces(const struct oci_spec *s, struct sk_err *err)
{
	const struct oci_ns *user = oci_spec_ns(s, CLONE_NEWUSER);

	if (user && user->path && join_one(user, err) < 0)
		return -1;
	for (int i = 0; i < s->nns; i++)
		if (s->ns[i].path && s->ns[i].type != CLONE_NEWUSER && join_one(&s->ns[i], err) < 0)
			return -1;
	return 0;
}

static int set_names(const struct oci_spec *s, struct sk_err *err)
{
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return sk_fail(err, errno, "hostname: sethostname %s", s->hostname);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return sk_fail(err, errno, "domainname: setdomainname %s", s->domainname);
	return 0;
}

static int write_sysctl(const struct oci_spec *s, struct sk_err *err)
{
	char path[512];

	for (int i = 0; i < s->nsysctl; i++) {
		int n = snprintf(path, sizeof path, "/proc/sys/%s", s->sysctl[i].key);
		for (char *p = path + 10; p < path + n; p++)
			if (*p == '.')
				*p = '/';
		if (rt_write_file(path, s->sysctl[i].value, err) < 0)
			return sk_wrap(err, "linux.sysctl.%s", s->sysctl[i].key);
	}
	return 0;
}

static int setup_stdio(const struct container *c, struct sk_err *err)
{
	for (int i = 0; i < 3; i++)
		if (c->stdio[i] >= 0 && c->stdio[i] != i && dup2(c->stdio[i], i) < 0)
			return sk_fail(err, errno, "dup2 stdio");
	return 0;
}

static int prepare_inside(const struct container *c, int in_userns, struct sk_err *err)
{
	const struct oci_spec *s = &c->spec;

	if (join_namespaces(s, err) < 0)
		return -1;
	if (oci_spec_ns(s, CLONE_NEWCGROUP) && !oci_spec_ns(s, CLONE_NEWCGROUP)->path &&
	    unshare(CLONE_NEWCGROUP) < 0)
		return sk_fail(err, errno, "unshare the cgroup namespace");
	if (in_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return sk_fail(err, errno, "become root in the user namespace");
	setsid();
	umask(0);
	if (rootfs_setup(c, in_userns, err) < 0 || set_names(s, err) < 0 ||
	    write_sysctl(s, err) < 0 || rootfs_finish(c, err) < 0)
		return -1;
	umask(022);
	SK_AUTOFREE char *state = state_hook_json(c, "created");
	return hooks_run(s, HOOK_CREATE_CONTAINER, state, err);
}

static int wait_for_start(const struct container *c, struct sk_err *err)
{
	char b;

	while (read(c->fifo_fd, &b, 1) < 0)
		if (errno != EINTR)
			return sk_fail(err, errno, "wait on exec.fifo");
	close(c->fifo_fd);
	SK_AUTOFREE char *state = state_hook_json(c, "running");
	return hooks_run(&c->spec, HOOK_START_CONTAINER, state, err);
}

static int send_console(const struct container *c, int fd, struct sk_err *err)
{
	struct sync_msg m = {.kind = SYNC_CONSOLE};
	int master;

	if (!c->spec.process.terminal)
		return 0;
	if (console_open_in_root(&master, m.msg, sizeof m.msg, err) < 0)
		return -1;
	int rc = fd_send(fd, master, &m, sizeof m);
	close(master);
	return rc < 0 ? sk_fail(err, errno, "process.terminal: send the pty") : 0;
}

void container_child(struct container *c, int fd)
{
	struct sync_msg m;
	struct sk_err err = {0};
	const struct oci_ns *user = oci_spec_ns(&c->spec, CLONE_NEWUSER);

	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (setup_stdio(c, &err) < 0)
		report(fd, &err);
	for (;;) {
		ssize_t n = recv(fd, &m, sizeof m, 0);
		if (n == (ssize_t)sizeof m && m.kind == SYNC_GO)
			break;
		if (n >= 0 || errno != EINTR)
			_exit(1);
	}
	c->pid = m.pid;
	if (prepare_inside(c, user != NULL, &err) < 0)
		report(fd, &err);
	/* Inside the root now: the image's passwd and PATH apply. */
	c->spec.process.env = passwd_env_with_home(c->spec.process.env, c->spec.process.uid);
	if (process_resolve(&c->spec.process, &err) < 0 || send_console(c, fd, &err) < 0)
		report(fd, &err);
	m.kind = SYNC_READY;
	if (send(fd, &m, sizeof m, MSG_NOSIGNAL) < 0)
		_exit(1);
	if (c->mode == SPAWN_CREATE) {
		close(fd);
		fd = -1;
		if (wait_for_start(c, &err) < 0)
			report(fd, &err);
	}
	process_exec(&c->spec.process, c->seccomp, &err);
	report(fd, &err);
}
