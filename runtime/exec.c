/* `exec`: a new process in a running container. The runtime joins the
 * container's pid namespace (which only affects its children), forks, and
 * the child joins the other namespaces and the cgroup, then becomes the
 * process described by the container's config with the given changes. */
#define _GNU_SOURCE
#include "cgroup2.h"
#include "cleanup.h"
#include "container.h"
#include "json_get.h"
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const int join_order[] = {CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET,
				 CLONE_NEWCGROUP, CLONE_NEWNS};

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

static char **merge_env(char **base, char **extra)
{
	int n = 0, m = 0;

	while (base && base[n])
		n++;
	while (extra && extra[m])
		m++;
	char **env = calloc((size_t)(n + m + 1), sizeof *env);
	if (!env)
		return NULL;
	memcpy(env, base, sizeof *env * (size_t)n);
	memcpy(env + n, extra, sizeof *env * (size_t)m);
	return env;
}

static void exec_child(pid_t target, const struct oci_process *p, void *seccomp, int errfd)
	__attribute__((noreturn));
static void exec_child(pid_t target, const struct oci_process *p, void *seccomp, int errfd)
{
	struct sk_err err = {0};
	size_t i = 0, n = sizeof join_order / sizeof join_order[0];

	while (i < n && join(target, join_order[i], &err) == 0)
		i++;
	if (i == n)
		process_exec(p, seccomp, &err);
	rt_write_all(errfd, err.msg, strlen(err.msg));
	_exit(err.errnum == ENOENT ? 127 : 126);
}

static int load_process_file(const char *file, cJSON **json, struct oci_process *p,
			     struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;

	if (rt_read_file(file, 1 << 20, &text, err) < 0)
		return -1;
	*json = cJSON_Parse(text);
	if (!*json)
		return sk_fail(err, 0, "%s: not valid JSON", file);
	if (oci_process_parse(*json, "process", p, err) < 0)
		return sk_wrap(err, "%s", file);
	return 0;
}

/* The process to run: the --process file, or the container's own process
 * with the command, extra environment and cwd replaced. */
static int build_process(const struct oci_spec *spec, const struct rt_exec_opts *o,
			 cJSON **json, struct oci_process *p, struct sk_err *err)
{
	if (o->process_file)
		return load_process_file(o->process_file, json, p, err);
	if (!o->args || !o->args[0])
		return sk_fail(err, 0, "exec: no command");
	*p = spec->process;
	p->args = o->args;
	p->env = merge_env(spec->process.env, o->env);
	p->gids = NULL;
	p->ngids = 0;
	p->rlimits = NULL;
	p->nrlimits = 0;
	if (o->cwd)
		p->cwd = o->cwd;
	return p->env ? 0 : sk_fail(err, ENOMEM, "exec");
}

static int spawn_exec(const struct rt_state *st, const struct oci_process *p, void *seccomp,
		      const struct rt_exec_opts *o, int *status, struct sk_err *err)
{
	char msg[1024], procs[PATH_MAX + 16];
	int fds[2], ws;

	if (join(st->pid, CLONE_NEWPID, err) < 0)
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return sk_fail(err, errno, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		snprintf(procs, sizeof procs, "%s/cgroup.procs", st->cgroup);
		if (st->cgroup[0])
			rt_write_file(procs, "0", NULL);
		exec_child(st->pid, p, seccomp, fds[1]);
	}
	close(fds[1]);
	if (pid < 0)
		return sk_fail(err, errno, "fork");
	ssize_t n = read(fds[0], msg, sizeof msg - 1);
	close(fds[0]);
	if (n > 0) {
		msg[n] = '\0';
		waitpid(pid, &ws, 0);
		*status = state_exit_code(ws);
		return sk_fail(err, 0, "%s", msg);
	}
	if (o->detach)
		return rt_write_pid(o->pid_file, pid, err);
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
	struct oci_process p = {0};
	cJSON *pjson = NULL;
	void *seccomp = NULL;
	int rc = -1;

	*status = 0;
	if (state_load(g, id, &st, err) < 0)
		return -1;
	if (strcmp(state_status(&st), "stopped") == 0)
		sk_fail(err, 0, "container %s is not running", id);
	else if (oci_spec_load(st.dir, &spec, NULL, err) == 0 &&
		 build_process(&spec, o, &pjson, &p, err) == 0 &&
		 spec_seccomp_filter(&spec, &seccomp, err) == 0)
		rc = spawn_exec(&st, &p, seccomp, o, status, err);
	if (o->process_file)
		oci_process_free(&p);
	else
		free(p.env);
	cJSON_Delete(pjson);
	seccomp_filter_free(seccomp);
	oci_spec_free(&spec);
	state_free(&st);
	return rc;
}
