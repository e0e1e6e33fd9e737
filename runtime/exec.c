/* `exec`: a new process in a running container. The runtime joins the
 * container's pid namespace (which only affects its children), forks, and
 * the child joins the other namespaces and the cgroup, then becomes the
 * process (exec_process.c). The child reports over a socket: an error, or
 * the pty master with --tty; the socket closes when it execs. */
#define _GNU_SOURCE
#include "cgroup2.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "exec_process.h"
#include "passwd.h"
#include "seccomp.h"
#include "state.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const int join_order[] = {CLONE_NEWUSER, CLONE_NEWIPC,	 CLONE_NEWUTS,
				 CLONE_NEWNET,	CLONE_NEWCGROUP, CLONE_NEWNS};

static int same_ns(pid_t pid, const char *name)
{
	char a[64], b[64];
	struct stat sa, sb;

	snprintf(a, sizeof a, "/proc/%d/ns/%s", (int)pid, name);
	snprintf(b, sizeof b, "/proc/self/ns/%s", name);
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static int join(pid_t pid, int type, struct sk_err *err)
{
	static const char *const files[] = {"user", "ipc", "uts", "net", "cgroup", "mnt", "pid"};
	const char *name = type == CLONE_NEWPID ? files[6] : NULL;
	char path[64];

	for (size_t i = 0; !name && i < sizeof join_order / sizeof join_order[0]; i++)
		if (join_order[i] == type)
			name = files[i];
	if (same_ns(pid, name))
		return 0;
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_fail(err, errno, "open %s", path);
	int rc = setns(fd, type);
	close(fd);
	return rc < 0 ? sk_fail(err, errno, "join %s", path) : 0;
}

/* 'E' + an error, or 'C' + the pty's name with its master. */
struct exec_msg {
	char kind;
	char text[1023];
};

static int child_setup(pid_t target, struct oci_process *p, int sock, struct sk_err *err)
{
	struct exec_msg m = {.kind = 'C'};
	int master;

	for (size_t i = 0; i < sizeof join_order / sizeof join_order[0]; i++)
		if (join(target, join_order[i], err) < 0)
			return -1;
	/* setns into the mount namespace put us at the container's root. */
	p->env = passwd_env_with_home(p->env, p->uid);
	if (!p->terminal)
		return 0;
	setsid();
	if (console_open_in_root(&master, m.text, sizeof m.text, err) < 0)
		return -1;
	int rc = fd_send(sock, master, &m, sizeof m);
	close(master);
	return rc < 0 ? sk_fail(err, errno, "exec: send the pty") : 0;
}

static void exec_child(pid_t target, struct oci_process *p, void *seccomp, int sock)
    __attribute__((noreturn));
static void exec_child(pid_t target, struct oci_process *p, void *seccomp, int sock)
{
	struct sk_err err = {0};
	struct exec_msg m = {.kind = 'E'};

	if (child_setup(target, p, sock, &err) == 0)
		process_exec(p, seccomp, &err);
	snprintf(m.text, sizeof m.text, "%.1000s", err.msg);
	send(sock, &m, sizeof m, MSG_NOSIGNAL);
	_exit(err.errnum == ENOENT ? 127 : 126);
}

/* Until the socket closes (the exec happened): the pty, or an error. */
static int wait_exec(int sock, int *master, struct sk_err *err)
{
	struct exec_msg m;
	int fd;

	for (;;) {
		ssize_t n = fd_recv(sock, &m, sizeof m, &fd);
		if (n <= 0)
			return 0;
		m.text[sizeof m.text - 1] = '\0';
		if (m.kind == 'C' && fd >= 0) {
			*master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		return sk_fail(err, 0, "%s", m.text);
	}
}

static int handle_tty(pid_t pid, int master, const struct rt_exec_opts *o, struct sk_err *err)
{
	int rc = 0;

	if (o->console_socket)
		rc = console_send(o->console_socket, master, "exec", err);
	else {
		SK_AUTOCLOSE int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		console_relay(master, pidfd);
	}
	close(master);
	return rc;
}

static int spawn_exec(const struct rt_state *st, struct oci_process *p, void *seccomp,
		      const struct rt_exec_opts *o, int *status, struct sk_err *err)
{
	char procs[PATH_MAX + 16];
	int sv[2], ws, master = -1;

	if (join(st->pid, CLONE_NEWPID, err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sk_fail(err, errno, "socketpair");
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		snprintf(procs, sizeof procs, "%s/cgroup.procs", st->cgroup);
		if (st->cgroup[0])
			rt_write_file(procs, "0", NULL);
		exec_child(st->pid, p, seccomp, sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return sk_fail(err, errno, "fork");
	}
	int rc = wait_exec(sv[0], &master, err);
	close(sv[0]);
	if (rc < 0) {
		waitpid(pid, &ws, 0);
		*status = state_exit_code(ws);
		return -1;
	}
	if (rt_write_pid(o->pid_file, pid, err) < 0)
		sk_warn("%s", err->msg);
	if (master >= 0 && handle_tty(pid, master, o, err) < 0)
		return -1;
	if (o->detach)
		return 0;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return sk_fail(err, errno, "wait");
	*status = state_exit_code(ws);
	return 0;
}

int rt_exec(const struct rt_global *g, const char *id, const struct rt_exec_opts *o, int *status,
	    struct sk_err *err)
{
	struct rt_state st;
	struct oci_spec spec = {0};
	struct exec_process x = {0};
	void *seccomp = NULL;
	int rc = -1;

	*status = 0;
	if (state_load(g, id, &st, err) < 0)
		return -1;
	if (strcmp(state_status(&st), "stopped") == 0)
		sk_fail(err, 0, "container %s is not running", id);
	else if (oci_spec_load(st.dir, &spec, NULL, err) == 0 &&
		 exec_process_build(&spec, o, &x, err) == 0 &&
		 spec_seccomp_filter(&spec, &seccomp, err) == 0) {
		if (x.p.terminal && o->detach && !o->console_socket)
			sk_fail(err, 0, "exec: --tty with --detach needs --console-socket");
		else if (!x.p.terminal && o->console_socket)
			sk_fail(err, 0, "exec: --console-socket needs --tty");
		else
			rc = spawn_exec(&st, &x.p, seccomp, o, status, err);
	}
	exec_process_free(&x);
	seccomp_filter_free(seccomp);
	oci_spec_free(&spec);
	state_free(&st);
	return rc;
}
