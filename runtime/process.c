/* Turning the container's process into the configured one: rlimits,
 * bounding set, groups and ids, capabilities, cwd, umask, no_new_privs,
 * seccomp, execve. Also used by exec. Seccomp goes before the capability
 * drop when no_new_privs is off, because loading a filter then needs
 * CAP_SYS_ADMIN (runc does the same). */
#define _GNU_SOURCE
#include "caps.h"
#include "container.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int set_rlimits(const struct oci_process *p, struct sk_err *err)
{
	for (int i = 0; i < p->nrlimits; i++) {
		struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].type, &rl) < 0)
			return sk_fail(err, errno, "process.rlimits[%d]: setrlimit", i);
	}
	return 0;
}

static int set_ids(const struct oci_process *p, struct sk_err *err)
{
	if (p->caps.set && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sk_fail(err, errno, "keep capabilities");
	/* In a user namespace without a gid mapping for them, setgroups is
	 * refused; only fail when extra groups were asked for. */
	if (setgroups((size_t)p->ngids, p->gids) < 0 && p->ngids > 0)
		return sk_fail(err, errno, "process.user.additionalGids: setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return sk_fail(err, errno, "process.user.gid: setgid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return sk_fail(err, errno, "process.user.uid: setuid %u", (unsigned)p->uid);
	return 0;
}

static const char *env_path(char **env)
{
	for (int i = 0; env && env[i]; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			return env[i] + 5;
	return DEFAULT_PATH;
}

static int exec_path(const struct oci_process *p, struct sk_err *err)
{
	static char *empty[] = {NULL};
	char **env = p->env ? p->env : empty;
	const char *prog = p->args[0], *path = env_path(env);
	char buf[4096];
	int saved = ENOENT;

	if (strchr(prog, '/')) {
		execve(prog, p->args, env);
		return sk_fail(err, errno, "exec %s", prog);
	}
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog);
		execve(buf, p->args, env);
		if (errno != ENOENT && errno != ENOTDIR)
			saved = errno;
		path += n + (path[n] == ':');
	}
	return sk_fail(err, saved, "exec %s", prog);
}

static int runnable(const char *path, struct sk_err *err)
{
	struct stat sb;

	if (stat(path, &sb) < 0)
		return sk_fail(err, errno, "exec %s", path);
	if (!S_ISREG(sb.st_mode) || access(path, X_OK) < 0)
		return sk_fail(err, EACCES, "exec %s", path);
	return 0;
}

int process_resolve(struct oci_process *p, struct sk_err *err)
{
	static char found[4096];
	const char *prog = p->args[0], *path = env_path(p->env);

	if (strchr(prog, '/')) {
		snprintf(found, sizeof found, "%s%s%s", prog[0] == '/' ? "" : p->cwd,
			 prog[0] == '/' ? "" : "/", prog);
		if (runnable(found, err) < 0)
			return -1;
		p->exe = found;
		return 0;
	}
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(found, sizeof found, "%.*s/%s", (int)n, n ? path : ".", prog);
		if (runnable(found, NULL) == 0) {
			p->exe = found;
			return 0;
		}
		path += n + (path[n] == ':');
	}
	sk_fail(err, 0, "exec %s: executable file not found in $PATH", prog);
	err->errnum = ENOENT;
	return -1;
}

static int load_filter(void *seccomp, struct sk_err *err)
{
	return seccomp ? seccomp_filter_load(seccomp, err) : 0;
}

int process_exec(const struct oci_process *p, void *seccomp, struct sk_err *err)
{
	if (set_rlimits(p, err) < 0)
		return -1;
	if (!p->no_new_privs && load_filter(seccomp, err) < 0)
		return -1;
	if (p->caps.set && caps_drop_bounding(&p->caps, err) < 0)
		return sk_wrap(err, "process.capabilities.bounding");
	if (set_ids(p, err) < 0)
		return -1;
	if (p->caps.set && caps_apply(&p->caps, err) < 0)
		return sk_wrap(err, "process.capabilities");
	if (chdir(p->cwd) < 0)
		return sk_fail(err, errno, "process.cwd: chdir %s", p->cwd);
	umask(p->umask);
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sk_fail(err, errno, "process.noNewPrivileges");
	if (p->no_new_privs && load_filter(seccomp, err) < 0)
		return -1;
	for (int fd = 3; fd < 3 + p->preserve_fds; fd++)
		fcntl(fd, F_SETFD, 0);
	syscall(SYS_close_range, 3U + (unsigned)p->preserve_fds, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);
	if (p->exe) {
		execve(p->exe, p->args, p->env ? p->env : (char *[]){NULL});
		return sk_fail(err, errno, "exec %s", p->args[0]);
	}
	return exec_path(p, err);
}
