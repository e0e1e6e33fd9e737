/* OCI runtime bundles from images: config.json from the image config
 * (Entrypoint, Cmd, Env, WorkingDir, User, with overrides) and the
 * container's R/W layer. The overlay itself is mounted by
 * bundle_gen_mount.c at BUNDLE/rootfs, which config.json names as
 * root.path (what runc-style runtimes expect). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "image_internal.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static cJSON *string_array(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (; v && *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

static void append_strings(cJSON *dst, const cJSON *src)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, src)
	{
		if (cJSON_IsString(e))
			cJSON_AddItemToArray(dst, cJSON_CreateString(e->valuestring));
	}
}

static cJSON *build_args(const cJSON *img, const struct bundle_opts *b, struct sk_err *err)
{
	cJSON *args = cJSON_CreateArray();
	if (b->entrypoint) {
		cJSON_Delete(args);
		args = string_array(b->entrypoint);
	} else {
		append_strings(args, cJSON_GetObjectItemCaseSensitive(img, "Entrypoint"));
	}
	if (b->cmd) {
		cJSON *cmd = string_array(b->cmd);
		append_strings(args, cmd);
		cJSON_Delete(cmd);
	} else if (!b->entrypoint) {
		append_strings(args, cJSON_GetObjectItemCaseSensitive(img, "Cmd"));
	}
	if (cJSON_GetArraySize(args) == 0) {
		cJSON_Delete(args);
		sk_fail(err, 0, "the image has no Entrypoint or Cmd and none was given");
		return NULL;
	}
	return args;
}

static void env_set(cJSON *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, env)
	{
		if (strncmp(e->valuestring, kv, klen) == 0 && e->valuestring[klen] == '=') {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			return;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
}

static cJSON *build_env(const cJSON *img, const struct bundle_opts *b)
{
	cJSON *env = cJSON_CreateArray();
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(img, "Env"))
	{
		if (cJSON_IsString(e) && strchr(e->valuestring, '='))
			env_set(env, e->valuestring);
	}
	int has_path = 0;
	cJSON_ArrayForEach(e, env) has_path |= strncmp(e->valuestring, "PATH=", 5) == 0;
	if (!has_path)
		env_set(env, DEFAULT_PATH);
	for (const char *const *p = b->env; p && *p; p++)
		env_set(env, *p);
	return env;
}

static cJSON *mount_entry(const char *dest, const char *type, const char *src, const char *opts)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", dest);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	cJSON *o = cJSON_AddArrayToObject(m, "options");
	char buf[256];
	snprintf(buf, sizeof buf, "%s", opts);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(o, cJSON_CreateString(t));
	return m;
}

static cJSON *default_mounts(void)
{
	cJSON *a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, mount_entry("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	cJSON_AddItemToArray(
	    a, mount_entry("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	cJSON_AddItemToArray(a, mount_entry("/dev/pts", "devpts", "devpts",
					    "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"));
	cJSON_AddItemToArray(a, mount_entry("/dev/shm", "tmpfs", "shm",
					    "nosuid,noexec,nodev,mode=1777,size=65536k"));
	cJSON_AddItemToArray(a,
			     mount_entry("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	cJSON_AddItemToArray(a, mount_entry("/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"));
	cJSON_AddItemToArray(a, mount_entry("/sys/fs/cgroup", "cgroup", "cgroup",
					    "nosuid,noexec,nodev,relatime,ro"));
	return a;
}

static cJSON *linux_section(void)
{
	static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
	static const char *const masked[] = {"/proc/acpi",
					     "/proc/asound",
					     "/proc/kcore",
					     "/proc/keys",
					     "/proc/latency_stats",
					     "/proc/timer_list",
					     "/proc/timer_stats",
					     "/proc/sched_debug",
					     "/sys/firmware",
					     "/proc/scsi",
					     NULL};
	static const char *const ro[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
	cJSON *l = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(l, "namespaces");
	for (const char *const *p = ns; *p; p++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "type", *p);
		cJSON_AddItemToArray(a, n);
	}
	cJSON_AddItemToObject(l, "maskedPaths", string_array(masked));
	cJSON_AddItemToObject(l, "readonlyPaths", string_array(ro));
	return l;
}

static cJSON *capabilities(void)
{
	static const char *const caps[] = {"CAP_CHOWN",
					   "CAP_DAC_OVERRIDE",
					   "CAP_FSETID",
					   "CAP_FOWNER",
					   "CAP_MKNOD",
					   "CAP_NET_RAW",
					   "CAP_SETGID",
					   "CAP_SETUID",
					   "CAP_SETFCAP",
					   "CAP_SETPCAP",
					   "CAP_NET_BIND_SERVICE",
					   "CAP_SYS_CHROOT",
					   "CAP_KILL",
					   "CAP_AUDIT_WRITE",
					   NULL};
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToObject(c, "bounding", string_array(caps));
	cJSON_AddItemToObject(c, "effective", string_array(caps));
	cJSON_AddItemToObject(c, "permitted", string_array(caps));
	return c;
}

static cJSON *process_section(const cJSON *img, const struct bundle_opts *b,
			      const struct bundle_user *u, struct sk_err *err)
{
	cJSON *args = build_args(img, b, err);
	if (!args)
		return NULL;
	const cJSON *wd = cJSON_GetObjectItemCaseSensitive(img, "WorkingDir");
	const char *cwd =
	    b->workdir ? b->workdir
		       : (cJSON_IsString(wd) && wd->valuestring[0] == '/' ? wd->valuestring : "/");
	cJSON *p = cJSON_CreateObject();
	cJSON_AddBoolToObject(p, "terminal", 0);
	cJSON *user = cJSON_AddObjectToObject(p, "user");
	cJSON_AddNumberToObject(user, "uid", u->uid);
	cJSON_AddNumberToObject(user, "gid", u->gid);
	cJSON_AddItemToObject(p, "args", args);
	cJSON_AddItemToObject(p, "env", build_env(img, b));
	cJSON_AddStringToObject(p, "cwd", cwd);
	cJSON_AddItemToObject(p, "capabilities", capabilities());
	cJSON *rl = cJSON_AddArrayToObject(p, "rlimits");
	cJSON *nofile = cJSON_CreateObject();
	cJSON_AddStringToObject(nofile, "type", "RLIMIT_NOFILE");
	cJSON_AddNumberToObject(nofile, "hard", 1024);
	cJSON_AddNumberToObject(nofile, "soft", 1024);
	cJSON_AddItemToArray(rl, nofile);
	cJSON_AddBoolToObject(p, "noNewPrivileges", 1);
	return p;
}

/* Builds the whole config.json document for an image config. */
cJSON *bundle_config(const cJSON *image_config, const struct bundle_opts *b,
		     const struct bundle_user *u, const struct image_info *info, struct sk_err *err)
{
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(image_config, "config");
	cJSON *proc = process_section(img, b, u, err);
	if (!proc)
		return NULL;
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "ociVersion", "1.0.2");
	cJSON_AddItemToObject(c, "process", proc);
	cJSON *root = cJSON_AddObjectToObject(c, "root");
	cJSON_AddStringToObject(root, "path", "rootfs");
	cJSON_AddBoolToObject(root, "readonly", 0);
	cJSON_AddStringToObject(c, "hostname", b->hostname ? b->hostname : "skiff");
	cJSON_AddItemToObject(c, "mounts", default_mounts());
	cJSON_AddItemToObject(c, "linux", linux_section());
	cJSON *ann = cJSON_AddObjectToObject(c, "annotations");
	cJSON_AddStringToObject(ann, "org.opencontainers.image.ref.name", info->name);
	cJSON_AddStringToObject(ann, "io.skiff.image.digest", info->digest);
	return c;
}
