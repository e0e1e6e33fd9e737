/* `spec`: a default config.json in the shape `runc spec` writes (busybox
 * style rootfs, sh, read-only root, the usual mounts and masked paths),
 * without a terminal and without linux.resources. */
#define _GNU_SOURCE
#include "runtime.h"
#include "seccomp.h"
#include "util.h"
#include "file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
static const char *const masked[] = {
    "/proc/acpi",	   "/proc/asound",     "/proc/kcore",	    "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/sys/firmware",	   "/proc/scsi",
};
static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				       "/proc/sysrq-trigger"};

static const struct {
	const char *dest, *type, *source, *options[7];
} mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

static cJSON *strings(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}
#define STRINGS(v) strings(v, sizeof(v) / sizeof((v)[0]))

static cJSON *process(void)
{
	static const char *const args[] = {"sh"};
	static const char *const env[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
	static const char *const sets[] = {"bounding", "effective", "permitted", "ambient"};
	cJSON *p = cJSON_CreateObject(), *user = cJSON_CreateObject();
	cJSON *caps = cJSON_CreateObject(), *rl = cJSON_CreateObject();

	cJSON_AddBoolToObject(p, "terminal", 0);
	cJSON_AddNumberToObject(user, "uid", 0);
	cJSON_AddNumberToObject(user, "gid", 0);
	cJSON_AddItemToObject(p, "user", user);
	cJSON_AddItemToObject(p, "args", STRINGS(args));
	cJSON_AddItemToObject(p, "env", STRINGS(env));
	cJSON_AddStringToObject(p, "cwd", "/");
	for (size_t i = 0; i < 4; i++)
		cJSON_AddItemToObject(caps, sets[i], STRINGS(default_caps));
	cJSON_AddItemToObject(p, "capabilities", caps);
	cJSON_AddStringToObject(rl, "type", "RLIMIT_NOFILE");
	cJSON_AddNumberToObject(rl, "hard", 1024);
	cJSON_AddNumberToObject(rl, "soft", 1024);
	cJSON *rls = cJSON_CreateArray();
	cJSON_AddItemToArray(rls, rl);
	cJSON_AddItemToObject(p, "rlimits", rls);
	cJSON_AddBoolToObject(p, "noNewPrivileges", 1);
	return p;
}

static cJSON *mount_list(void)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < sizeof mounts / sizeof mounts[0]; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "destination", mounts[i].dest);
		cJSON_AddStringToObject(m, "type", mounts[i].type);
		cJSON_AddStringToObject(m, "source", mounts[i].source);
		if (mounts[i].options[0])
			cJSON_AddItemToObject(m, "options", strings(mounts[i].options, 7));
		cJSON_AddItemToArray(a, m);
	}
	return a;
}

static cJSON *linux_section(int seccomp_default)
{
	static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
	cJSON *l = cJSON_CreateObject(), *nss = cJSON_CreateArray();

	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "type", ns[i]);
		cJSON_AddItemToArray(nss, n);
	}
	cJSON_AddItemToObject(l, "namespaces", nss);
	cJSON_AddItemToObject(l, "maskedPaths", STRINGS(masked));
	cJSON_AddItemToObject(l, "readonlyPaths", STRINGS(readonly));
	if (seccomp_default)
		cJSON_AddItemToObject(l, "seccomp", seccomp_default_profile());
	return l;
}

int rt_spec(const char *dir, int seccomp_default, int force, struct sk_err *err)
{
	char path[PATH_MAX];
	cJSON *j = cJSON_CreateObject(), *root = cJSON_CreateObject();

	snprintf(path, sizeof path, "%s/config.json", dir ? dir : ".");
	if (!force && access(path, F_OK) == 0) {
		cJSON_Delete(j);
		cJSON_Delete(root);
		return sk_fail(err, EEXIST, "%s", path);
	}
	cJSON_AddStringToObject(j, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(j, "process", process());
	cJSON_AddStringToObject(root, "path", "rootfs");
	cJSON_AddBoolToObject(root, "readonly", 1);
	cJSON_AddItemToObject(j, "root", root);
	cJSON_AddStringToObject(j, "hostname", "skiff");
	cJSON_AddItemToObject(j, "mounts", mount_list());
	cJSON_AddItemToObject(j, "linux", linux_section(seccomp_default));
	char *text = cJSON_Print(j);
	cJSON_Delete(j);
	int rc = sk_write_atomic(path, text, strlen(text), err);
	free(text);
	return rc;
}
