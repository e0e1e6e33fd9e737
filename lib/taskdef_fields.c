/* Every field of an ECS task definition (RegisterTaskDefinition and what
 * DescribeTaskDefinition adds), as the Amazon ECS API reference defines
 * it: type, allowed values and limits, and what Skiff does with it. These
 * tables drive reading (taskdef_walk.c), writing (taskdef_json.c) and
 * docs/taskdefs.md (a unit test keeps the two in step). Rules that span
 * fields of one object are the shapes' finish functions; rules across
 * containers and volumes are in taskdef_check.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logconf.h"
#include "taskdef_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SHAPE(var, api, type, fields, fin)                                                         \
	const struct td_shape var = {api, sizeof(type), fields, N(fields), fin}

const char *const td_network_names[] = {"bridge", "host", "awsvpc", "none", NULL};
const char *const td_ns_mode_names[] = {"host", "task", "none", NULL};
static const char *const pid_mode_names[] = {"host", "task", NULL};
const char *const td_protocol_names[] = {"tcp", "udp", NULL};
const char *const td_condition_names[] = {"START", "COMPLETE", "SUCCESS", "HEALTHY", NULL};
const char *const td_ulimit_names[] = {
    "core",   "cpu",   "data", "fsize",	 "locks",  "memlock",	 "msgqueue", "nice",
    "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",    NULL};
const char *const td_log_driver_names[] = {"json-file", "syslog", "journald",	 "gelf",  "fluentd",
					   "awslogs",	"splunk", "awsfirelens", "local", NULL};
const char *const td_arch_names[] = {"X86_64", "ARM64", NULL};
static const char *const scope_names[] = {"task", "shared", NULL};
static const char *const compat_names[] = {"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES", NULL};
static const char *const status_names[] = {"ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS", NULL};
static const char *const app_protocol_names[] = {"http", "http2", "grpc", NULL};
static const char *const consistency_names[] = {"enabled", "disabled", NULL};
static const char *const env_file_types[] = {"s3", NULL};
static const char *const permission_names[] = {"read", "write", "mknod", NULL};
static const char *const constraint_types[] = {"memberOf", NULL};
static const char *const firelens_types[] = {"fluentd", "fluentbit", NULL};
static const char *const proxy_types[] = {"APPMESH", NULL};
static const char *const attr_targets[] = {"container-instance", NULL};
static const char *const os_names[] = {"WINDOWS_SERVER_2019_FULL",
				       "WINDOWS_SERVER_2019_CORE",
				       "WINDOWS_SERVER_2016_FULL",
				       "WINDOWS_SERVER_2004_CORE",
				       "WINDOWS_SERVER_2022_CORE",
				       "WINDOWS_SERVER_2022_FULL",
				       "WINDOWS_SERVER_2025_CORE",
				       "WINDOWS_SERVER_2025_FULL",
				       "WINDOWS_SERVER_20H2_CORE",
				       "LINUX",
				       NULL};
/* KernelCapabilities: the API's list. */
static const char *const capability_names[] = {"ALL",
					       "AUDIT_CONTROL",
					       "AUDIT_WRITE",
					       "BLOCK_SUSPEND",
					       "CHOWN",
					       "DAC_OVERRIDE",
					       "DAC_READ_SEARCH",
					       "FOWNER",
					       "FSETID",
					       "IPC_LOCK",
					       "IPC_OWNER",
					       "KILL",
					       "LEASE",
					       "LINUX_IMMUTABLE",
					       "MAC_ADMIN",
					       "MAC_OVERRIDE",
					       "MKNOD",
					       "NET_ADMIN",
					       "NET_BIND_SERVICE",
					       "NET_BROADCAST",
					       "NET_RAW",
					       "SETFCAP",
					       "SETGID",
					       "SETPCAP",
					       "SETUID",
					       "SYS_ADMIN",
					       "SYS_BOOT",
					       "SYS_CHROOT",
					       "SYS_MODULE",
					       "SYS_NICE",
					       "SYS_PACCT",
					       "SYS_PTRACE",
					       "SYS_RAWIO",
					       "SYS_RESOURCE",
					       "SYS_TIME",
					       "SYS_TTY_CONFIG",
					       "SYSLOG",
					       "WAKE_ALARM",
					       NULL};
/* Tmpfs.mountOptions: the API's list. */
static const char *const tmpfs_option_names[] = {
    "defaults",	     "ro",	   "rw",	  "suid",
    "nosuid",	     "dev",	   "nodev",	  "exec",
    "noexec",	     "sync",	   "async",	  "dirsync",
    "remount",	     "mand",	   "nomand",	  "atime",
    "noatime",	     "diratime",   "nodiratime",  "bind",
    "rbind",	     "unbindable", "runbindable", "private",
    "rshared",	     "shared",	   "rprivate",	  "slave",
    "rslave",	     "relatime",   "norelatime",  "strictatime",
    "nostrictatime", "mode",	   "uid",	  "gid",
    "nr_inodes",     "nr_blocks",  "mpol",	  NULL};

/* ---- checks of single values ---------------------------------------------- */

static const char *str(const cJSON *v)
{
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void check_name(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && !taskdef_valid_name(s))
		td_error(w, path, "\"%.80s\": expected 1-255 letters, digits, '-' and '_'", s);
}

static int valid_path(const char *s)
{
	return s[0] == '/' && strlen(s) < 4096 && !strstr(s, "/../") &&
	       strcmp(s + strlen(s) - (strlen(s) >= 3 ? 3 : 0), "/..") != 0;
}

static void check_abs_path(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && !valid_path(s))
		td_error(w, path, "\"%.80s\": expected an absolute path without \"..\"", s);
}

/* repository-url/image:tag or repository-url/image@sha256:<64 hex>. */
static void check_image(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v), *at;
	if (!s)
		return;
	size_t name_len = (at = strchr(s, '@')) ? (size_t)(at - s) : strlen(s);
	if (name_len == 0 || name_len > 255 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:./#") <
		name_len)
		td_error(w, path,
			 "\"%.80s\": expected up to 255 letters, digits and \"-_:./#\" (then "
			 "@sha256:DIGEST)",
			 s);
	else if (at && (strncmp(at + 1, "sha256:", 7) || strlen(at + 8) != 64 ||
			strspn(at + 8, "0123456789abcdefABCDEF") != 64))
		td_error(w, path, "\"%.80s\": a digest is sha256: and 64 hex digits", s);
}

static void check_env_name(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && (strchr(s, '=') || strchr(s, '\0') != s + strlen(s)))
		td_error(w, path, "\"%.80s\": a variable name cannot hold '='", s);
}

static void check_links(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const cJSON *e;
	char child[TD_PATH_MAX], name[TD_NAME_MAX + 1];
	size_t i = 0;

	cJSON_ArrayForEach(e, v)
	{
		td_path_index(child, path, i++);
		const char *s = str(e), *colon = s ? strchr(s, ':') : NULL;
		size_t n = s ? (colon ? (size_t)(colon - s) : strlen(s)) : 0;
		if (!s)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(n < TD_NAME_MAX ? n : TD_NAME_MAX), s);
		if (n > TD_NAME_MAX || !taskdef_valid_name(name) ||
		    (colon && !taskdef_valid_name(colon + 1)))
			td_error(w, child, "\"%.80s\": expected NAME or NAME:ALIAS", s);
	}
}

static void check_hostname(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && (strlen(s) > 64 || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
					      "UVWXYZ0123456789-._") != strlen(s)))
		td_error(w, path,
			 "\"%.80s\": expected a host name of at most 64 letters, "
			 "digits, '-', '.' and '_'",
			 s);
}

static void check_user(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && (strchr(s, ' ') || s[0] == ':' || s[strlen(s) - 1] == ':' ||
		  strchr(s, ':') != strrchr(s, ':')))
		td_error(w, path, "\"%.80s\": expected user, uid, user:group or uid:gid", s);
}

static int is_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static void check_ip(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && !is_ip(s))
		td_error(w, path, "\"%.80s\": expected an IPv4 or IPv6 address", s);
}

static void check_ips(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const cJSON *e;
	char child[TD_PATH_MAX];
	size_t i = 0;

	cJSON_ArrayForEach(e, v)
	{
		td_path_index(child, path, i++);
		check_ip(w, child, e, NULL);
	}
}

static void check_secret_source(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	struct td_secret_ref ref;
	const char *s = str(v);
	if (s && taskdef_secret_ref(s, &ref) < 0)
		td_error(
		    w, path,
		    "\"%.80s\": expected a secret name (letters, digits, \"_.-/\") or the ARN of "
		    "a Secrets Manager secret or SSM parameter",
		    s);
}

/* An environment file is read on the node: S3 is not reachable from it. */
static void check_env_file(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	size_t n = s ? strlen(s) : 0;
	if (!s)
		return;
	if (!strncmp(s, "arn:", 4))
		td_error(
		    w, path,
		    "\"%.80s\": an S3 object cannot be read on a Skiff node; give the absolute "
		    "path of a .env file on the node",
		    s);
	else if (!valid_path(s) || n < 5 || strcmp(s + n - 4, ".env"))
		td_error(w, path, "\"%.80s\": expected the absolute path of a file ending in .env",
			 s);
}

static void check_health_command(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *first = str(cJSON_GetArrayItem(v, 0));
	if (!first || (strcmp(first, "CMD") && strcmp(first, "CMD-SHELL")) ||
	    cJSON_GetArraySize(v) < 2)
		td_error(w, path,
			 "expected [\"CMD\", program, args...] or [\"CMD-SHELL\", "
			 "\"shell command\"]");
}

static void check_security_options(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const cJSON *e;
	char child[TD_PATH_MAX];
	size_t i = 0;

	cJSON_ArrayForEach(e, v)
	{
		const char *s = str(e);
		td_path_index(child, path, i++);
		if (!s || !strcmp(s, "no-new-privileges"))
			continue;
		if (!strncmp(s, "apparmor:", 9) || !strncmp(s, "label:", 6) ||
		    !strncmp(s, "credentialspec:", 15))
			td_warning(w, child,
				   "\"%.80s\" accepted and ignored: Skiff nodes have no SELinux, "
				   "AppArmor or Active Directory",
				   s);
		else
			td_error(w, child,
				 "\"%.80s\": expected \"no-new-privileges\", \"apparmor:PROFILE\", "
				 "\"label:VALUE\" or \"credentialspec:PATH\"",
				 s);
	}
}

/* Namespaced sysctls only: net.*, the IPC ones and fs.mqueue.*. */
static void check_sysctl(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	static const char *const ipc[] = {
	    "kernel.msgmax", "kernel.msgmnb",	       "kernel.msgmni",
	    "kernel.sem",    "kernel.shmall",	       "kernel.shmmax",
	    "kernel.shmmni", "kernel.shm_rmid_forced", NULL};
	const char *s = str(v);
	int ok = s && (!strncmp(s, "net.", 4) || !strncmp(s, "fs.mqueue.", 10));
	for (size_t i = 0; s && ipc[i]; i++)
		ok |= !strcmp(s, ipc[i]);
	if (s && !ok)
		td_error(w, path,
			 "\"%.80s\": not a namespaced kernel parameter (net.*, fs.mqueue.*, "
			 "kernel.msg*, kernel.sem, kernel.shm*)",
			 s);
}

static void check_driver(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && strcmp(s, "local"))
		td_error(w, path,
			 "\"%.80s\": only the \"local\" volume driver exists on a Skiff node", s);
}

static void check_os(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const char *s = str(v);
	if (s && strcmp(s, "LINUX") && !strncmp(s, "WINDOWS", 7))
		td_error(w, path, "%s: Skiff nodes run Linux containers only", s);
}

/* Labels become OCI annotations: the runtime's and the agent's own keys
 * are not theirs to set. */
static void check_labels(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const cJSON *e;
	char child[TD_PATH_MAX];

	cJSON_ArrayForEach(e, v) if (!strncmp(e->string, "run.skiff.", 10) ||
				     !strncmp(e->string, "skiff.", 6))
	{
		td_path_key(child, path, e->string);
		td_error(w, child,
			 "label keys starting with skiff. and run.skiff. are Skiff's own");
	}
}

/* "mode=1777" and the like: the option's name before '='. */
static void check_tmpfs_options(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	const cJSON *e;
	char child[TD_PATH_MAX], name[32];
	size_t i = 0;

	cJSON_ArrayForEach(e, v)
	{
		const char *s = str(e);
		int known = 0;
		td_path_index(child, path, i++);
		if (!s)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)strcspn(s, "="), s);
		for (size_t k = 0; tmpfs_option_names[k]; k++)
			known |= !strcmp(name, tmpfs_option_names[k]);
		if (!known)
			td_error(w, child, "\"%.80s\": not a tmpfs mount option", s);
	}
}

static void check_launch_volume(struct td_walk *w, const char *path, const cJSON *v, void *slot)
{
	if (cJSON_IsTrue(v) || (str(v) && !strcmp(v->valuestring, "true")))
		td_error(w, path, "volumes configured at launch are EBS volumes, an AWS service");
}

/* ---- shapes ------------------------------------------------------------------ */

#define KV(m) offsetof(struct td_kv, m)
static const struct td_field kv_fields[] = {
    {.name = "name",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = KV(name),
     .flags = TD_REQUIRED,
     .check = check_env_name,
     .note = "the variable's name"},
    {.name = "value",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = KV(value),
     .flags = TD_EMPTY_SET | TD_ANY_SCALAR,
     .note = "its value (a number is taken as text)"},
};
static SHAPE(kv_shape, "KeyValuePair", struct td_kv, kv_fields, NULL);

#define TG(m) offsetof(struct td_tag, m)
static const struct td_field tag_fields[] = {
    {.name = "key", .kind = TD_STR, .use = TD_IGNORE, .off = TG(key), .max = 128, .note = "kept"},
    {.name = "value",
     .kind = TD_STR,
     .use = TD_IGNORE,
     .off = TG(value),
     .max = 256,
     .flags = TD_EMPTY_SET,
     .note = "kept"},
};
static SHAPE(tag_shape, "Tag", struct td_tag, tag_fields, NULL);

#define PM(m) offsetof(struct td_port_mapping, m)
static void finish_port(struct td_walk *w, const char *path, const cJSON *obj, void *target);
static const struct td_field port_fields[] = {
    {.name = "containerPort",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = PM(container_port),
     .min = 1,
     .max = 65535,
     .note = "the port the container listens on"},
    {.name = "hostPort",
     .kind = TD_INT,
     .use = TD_MAP,
     .off = PM(host_port),
     .min = 0,
     .max = 65535,
     .note = "bridge: the node's port, DNAT to the container; 0 or absent: a free port from "
	     "32768-61000, shown by task describe; host and awsvpc: the container's port"},
    {.name = "protocol",
     .kind = TD_ENUM,
     .use = TD_RUN,
     .off = PM(protocol),
     .values = td_protocol_names,
     .note = "tcp (default) or udp"},
    {.name = "name",
     .kind = TD_STR,
     .use = TD_IGNORE,
     .off = PM(name),
     .max = 64,
     .note = "port names are for Service Connect, an AWS service"},
    {.name = "appProtocol",
     .kind = TD_ENUM,
     .use = TD_IGNORE,
     .off = PM(app_protocol),
     .values = app_protocol_names,
     .note = "application protocols are for Service Connect, an "
	     "AWS service"},
    {.name = "containerPortRange",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = PM(container_port_range),
     .max = 11,
     .note = "\"FIRST-LAST\": each port mapped as containerPort with a dynamic host "
	     "port (bridge) or to itself (awsvpc, host)"},
};
static SHAPE(port_shape, "PortMapping", struct td_port_mapping, port_fields, finish_port);

static void finish_port(struct td_walk *w, const char *path, const cJSON *obj, void *target)
{
	struct td_port_mapping *p = target;
	char child[TD_PATH_MAX];

	p->range_first = p->range_last = TD_UNSET;
	if (p->container_port_range) {
		char *end;
		long a = strtol(p->container_port_range, &end, 10), b = 0;
		int ok = *end == '-' && (b = strtol(end + 1, &end, 10), !*end);
		td_path_key(child, path, "containerPortRange");
		if (!ok || a < 1 || b > 65535 || a >= b)
			td_error(w, child,
				 "\"%s\": expected FIRST-LAST, 1 <= FIRST < LAST <= 65535",
				 p->container_port_range);
		else if (b - a + 1 > TD_MAX_PORTS)
			td_error(w, child, "more than %d ports", TD_MAX_PORTS);
		p->range_first = a;
		p->range_last = b;
		if (p->container_port != TD_UNSET || (p->host_port != TD_UNSET && p->host_port))
			td_error(w, path,
				 "give containerPortRange without containerPort and "
				 "hostPort");
	} else if (p->container_port == TD_UNSET &&
		   !cJSON_GetObjectItemCaseSensitive(obj, "containerPort")) {
		td_path_key(child, path, "containerPort");
		td_error(w, child, "required (or containerPortRange)");
	}
}

#define RP(m) offsetof(struct td_restart_policy, m)
static const struct td_field restart_fields[] = {
    {.name = "enabled",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = RP(enabled),
     .flags = TD_REQUIRED,
     .note = "restart the container in place when it exits"},
    {.name = "ignoredExitCodes",
     .kind = TD_INTS,
     .use = TD_RUN,
     .off = RP(ignored_exit_codes),
     .n_off = RP(n_ignored_exit_codes),
     .max = 50,
     .note = "exit codes that are not restarted"},
    {.name = "restartAttemptPeriod",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = RP(restart_attempt_period),
     .min = 60,
     .max = 1800,
     .note = "seconds a container must have run before it is restarted (default 300)"},
};
static SHAPE(restart_shape, "ContainerRestartPolicy", struct td_restart_policy, restart_fields,
	     NULL);

#define EF(m) offsetof(struct td_environment_file, m)
static const struct td_field env_file_fields[] = {
    {.name = "value",
     .kind = TD_STR,
     .use = TD_MAP,
     .off = EF(value),
     .flags = TD_REQUIRED,
     .check = check_env_file,
     .note = "the absolute path of a .env file on the node"},
    {.name = "type",
     .kind = TD_ENUM,
     .use = TD_MAP,
     .off = EF(type),
     .values = env_file_types,
     .flags = TD_REQUIRED,
     .note = "\"s3\", the only value the API allows"},
};
static SHAPE(env_file_shape, "EnvironmentFile", struct td_environment_file, env_file_fields, NULL);

#define MP(m) offsetof(struct td_mount_point, m)
static const struct td_field mount_fields[] = {
    {.name = "sourceVolume",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = MP(source_volume),
     .flags = TD_REQUIRED,
     .note = "a volume of the task definition"},
    {.name = "containerPath",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = MP(container_path),
     .flags = TD_REQUIRED,
     .check = check_abs_path,
     .note = "where it is mounted"},
    {.name = "readOnly",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = MP(read_only),
     .note = "mounted read-only"},
};
static SHAPE(mount_shape, "MountPoint", struct td_mount_point, mount_fields, NULL);

#define VF(m) offsetof(struct td_volume_from, m)
static const struct td_field volume_from_fields[] = {
    {.name = "sourceContainer",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = VF(source_container),
     .flags = TD_REQUIRED,
     .note = "its mount points are mounted here too; it starts first"},
    {.name = "readOnly",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = VF(read_only),
     .note = "all of them read-only"},
};
static SHAPE(volume_from_shape, "VolumeFrom", struct td_volume_from, volume_from_fields, NULL);

#define CP(m) offsetof(struct td_capabilities, m)
static const struct td_field caps_fields[] = {
    {.name = "add",
     .kind = TD_STRS,
     .use = TD_RUN,
     .off = CP(add),
     .n_off = CP(n_add),
     .values = capability_names,
     .note = "added to Docker's default set"},
    {.name = "drop",
     .kind = TD_STRS,
     .use = TD_RUN,
     .off = CP(drop),
     .n_off = CP(n_drop),
     .values = capability_names,
     .note = "removed from it (ALL: all of them)"},
};
static SHAPE(caps_shape, "KernelCapabilities", struct td_capabilities, caps_fields, NULL);

#define DV(m) offsetof(struct td_device, m)
static const struct td_field device_fields[] = {
    {.name = "hostPath",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = DV(host_path),
     .flags = TD_REQUIRED,
     .check = check_abs_path,
     .note = "a device node of the node"},
    {.name = "containerPath",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = DV(container_path),
     .check = check_abs_path,
     .note = "its path in the container (default: hostPath)"},
    {.name = "permissions",
     .kind = TD_STRS,
     .use = TD_RUN,
     .off = DV(permissions),
     .n_off = DV(n_permissions),
     .values = permission_names,
     .note = "read, write, mknod: the device node's mode (no device cgroup)"},
};
static SHAPE(device_shape, "Device", struct td_device, device_fields, NULL);

#define TF(m) offsetof(struct td_tmpfs, m)
static const struct td_field tmpfs_fields[] = {
    {.name = "containerPath",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = TF(container_path),
     .flags = TD_REQUIRED,
     .check = check_abs_path,
     .note = "where the tmpfs is mounted"},
    {.name = "size",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = TF(size),
     .min = 1,
     .max = 1 << 24,
     .flags = TD_REQUIRED,
     .note = "its size in MiB"},
    {.name = "mountOptions",
     .kind = TD_STRS,
     .use = TD_RUN,
     .off = TF(mount_options),
     .n_off = TF(n_mount_options),
     .check = check_tmpfs_options,
     .note = "mount(8) options"},
};
static SHAPE(tmpfs_shape, "Tmpfs", struct td_tmpfs, tmpfs_fields, NULL);

#define LP(m) offsetof(struct td_linux_parameters, m)
static const struct td_field linux_fields[] = {
    {.name = "capabilities",
     .kind = TD_OBJ,
     .use = TD_RUN,
     .off = LP(capabilities),
     .shape = &caps_shape,
     .note = "capability sets of the container's process"},
    {.name = "devices",
     .kind = TD_LIST,
     .use = TD_RUN,
     .off = LP(devices),
     .n_off = LP(n_devices),
     .shape = &device_shape,
     .note = "device nodes created in the container"},
    {.name = "initProcessEnabled",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = LP(init_process_enabled),
     .note = "a tiny init (the agent's) is PID 1: forwards signals, reaps zombies"},
    {.name = "sharedMemorySize",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = LP(shared_memory_size),
     .min = 1,
     .max = 1 << 24,
     .note = "size of /dev/shm in MiB"},
    {.name = "tmpfs",
     .kind = TD_LIST,
     .use = TD_RUN,
     .off = LP(tmpfs),
     .n_off = LP(n_tmpfs),
     .shape = &tmpfs_shape,
     .note = "tmpfs mounts"},
    {.name = "maxSwap",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = LP(max_swap),
     .min = 0,
     .max = 1 << 30,
     .note = "memory.swap.max in MiB (needs the container's memory)"},
    {.name = "swappiness",
     .kind = TD_INT,
     .use = TD_IGNORE,
     .off = LP(swappiness),
     .min = 0,
     .max = 100,
     .note = "cgroup v2, which Skiff nodes run, has no per-container swappiness"},
};
static SHAPE(linux_shape, "LinuxParameters", struct td_linux_parameters, linux_fields, NULL);

#define SC(m) offsetof(struct td_secret, m)
static const struct td_field secret_fields[] = {
    {.name = "name",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = SC(name),
     .flags = TD_REQUIRED,
     .check = check_env_name,
     .note = "the environment variable it becomes"},
    {.name = "valueFrom",
     .kind = TD_STR,
     .use = TD_MAP,
     .off = SC(value_from),
     .flags = TD_REQUIRED,
     .check = check_secret_source,
     .note = "a secret of the cluster's store (skiffctl secret put); Secrets Manager and SSM "
	     "ARNs name theirs by their last part"},
};
static SHAPE(secret_shape, "Secret", struct td_secret, secret_fields, NULL);

#define DP(m) offsetof(struct td_dependency, m)
static const struct td_field depends_fields[] = {
    {.name = "containerName",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = DP(container_name),
     .flags = TD_REQUIRED,
     .note = "a container of the task"},
    {.name = "condition",
     .kind = TD_ENUM,
     .use = TD_RUN,
     .off = DP(condition),
     .values = td_condition_names,
     .flags = TD_REQUIRED,
     .note = "START: it started; COMPLETE: it exited; SUCCESS: it exited 0; HEALTHY: its health "
	     "check passed"},
};
static SHAPE(depends_shape, "ContainerDependency", struct td_dependency, depends_fields, NULL);

#define HE(m) offsetof(struct td_host_entry, m)
static const struct td_field host_entry_fields[] = {
    {.name = "hostname",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = HE(hostname),
     .max = 255,
     .flags = TD_REQUIRED,
     .note = "a name in the container's /etc/hosts"},
    {.name = "ipAddress",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = HE(ip_address),
     .flags = TD_REQUIRED,
     .check = check_ip,
     .note = "its address"},
};
static SHAPE(host_entry_shape, "HostEntry", struct td_host_entry, host_entry_fields, NULL);

#define UL(m) offsetof(struct td_ulimit_entry, m)
static void finish_ulimit(struct td_walk *w, const char *path, const cJSON *obj, void *target)
{
	const struct td_ulimit_entry *u = target;
	if (u->soft_limit != TD_UNSET && u->hard_limit != TD_UNSET && u->hard_limit != -1 &&
	    (u->soft_limit == -1 || u->soft_limit > u->hard_limit))
		td_error(w, path, "softLimit %lld is above hardLimit %lld",
			 (long long)u->soft_limit, (long long)u->hard_limit);
}
static const struct td_field ulimit_fields[] = {
    {.name = "name",
     .kind = TD_ENUM,
     .use = TD_RUN,
     .off = UL(name),
     .values = td_ulimit_names,
     .flags = TD_REQUIRED,
     .note = "the resource (RLIMIT_...)"},
    {.name = "softLimit",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = UL(soft_limit),
     .min = -1,
     .max = INT32_MAX,
     .flags = TD_REQUIRED,
     .note = "-1: unlimited"},
    {.name = "hardLimit",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = UL(hard_limit),
     .min = -1,
     .max = INT32_MAX,
     .flags = TD_REQUIRED,
     .note = "-1: unlimited"},
};
static SHAPE(ulimit_shape, "Ulimit", struct td_ulimit_entry, ulimit_fields, finish_ulimit);

#define LC(m) offsetof(struct td_log_configuration, m)
static void finish_log(struct td_walk *w, const char *path, const cJSON *obj, void *target)
{
	const struct td_log_configuration *l = target;
	int d = l->log_driver;

	struct logconf_syslog sl;
	struct sk_err err = {0};

	if (d == TD_LOG_SYSLOG && logconf_syslog(l, &sl, &err) < 0)
		td_error(w, path, "%s", err.msg);
	else if (d == TD_LOG_AWSLOGS)
		td_note(w, path,
			"awslogs: the logs stay on the node; the awslogs options are not "
			"sent anywhere");
	else if (d >= 0 && d != TD_LOG_JSON_FILE && d != TD_LOG_LOCAL && d != TD_LOG_SYSLOG)
		td_warning(w, path, "%s: the logs stay on the node; Skiff does not ship them to %s",
			   td_log_driver_names[d], td_log_driver_names[d]);
}
static const struct td_field log_fields[] = {
    {.name = "logDriver",
     .kind = TD_ENUM,
     .use = TD_MAP,
     .off = LC(log_driver),
     .values = td_log_driver_names,
     .flags = TD_REQUIRED,
     .note = "json-file, local and awslogs: logs kept on the node (DATA/logs/TASK/CONTAINER/); "
	     "syslog: kept and shipped to syslog-address (RFC 5424 over TCP or TLS); "
	     "other drivers likewise kept, with a warning"},
    {.name = "options",
     .kind = TD_DICT,
     .use = TD_MAP,
     .off = LC(options),
     .n_off = LC(n_options),
     .note = "kept; Skiff caps each stream at 1 MiB plus one rotated file"},
    {.name = "secretOptions",
     .kind = TD_LIST,
     .use = TD_IGNORE,
     .off = LC(secret_options),
     .n_off = LC(n_secret_options),
     .shape = &secret_shape,
     .note = "log drivers that would need secrets do not ship logs on Skiff"},
};
static SHAPE(log_shape, "LogConfiguration", struct td_log_configuration, log_fields, finish_log);

#define HC(m) offsetof(struct td_health_check, m)
static void finish_health(struct td_walk *w, const char *path, const cJSON *obj, void *target)
{
	struct td_health_check *h = target;
	if (h->interval == TD_UNSET)
		h->interval = 30;
	if (h->timeout == TD_UNSET)
		h->timeout = 5;
	if (h->retries == TD_UNSET)
		h->retries = 3;
	if (h->start_period == TD_UNSET)
		h->start_period = 0;
}
static const struct td_field health_fields[] = {
    {.name = "command",
     .kind = TD_STRS,
     .use = TD_RUN,
     .off = HC(command),
     .n_off = HC(n_command),
     .flags = TD_REQUIRED,
     .check = check_health_command,
     .note = "run inside the container by the agent; exit 0 is healthy"},
    {.name = "interval",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = HC(interval),
     .min = 5,
     .max = 300,
     .note = "seconds between checks (default 30)"},
    {.name = "timeout",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = HC(timeout),
     .min = 2,
     .max = 60,
     .note = "seconds before a check counts as failed (default 5)"},
    {.name = "retries",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = HC(retries),
     .min = 1,
     .max = 10,
     .note = "failures in a row that make it UNHEALTHY (default 3)"},
    {.name = "startPeriod",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = HC(start_period),
     .min = 0,
     .max = 300,
     .note = "seconds during which failures do not count (default 0)"},
};
static SHAPE(health_shape, "HealthCheck", struct td_health_check, health_fields, finish_health);

#define SY(m) offsetof(struct td_system_control, m)
static const struct td_field sysctl_fields[] = {
    {.name = "namespace",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = SY(namespace_),
     .flags = TD_REQUIRED,
     .check = check_sysctl,
     .note = "a namespaced sysctl"},
    {.name = "value",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = SY(value),
     .flags = TD_REQUIRED | TD_EMPTY_SET | TD_ANY_SCALAR,
     .note = "its value"},
};
static SHAPE(sysctl_shape, "SystemControl", struct td_system_control, sysctl_fields, NULL);

#define RC(m) offsetof(struct td_repository_credentials, m)
static const struct td_field repo_fields[] = {
    {.name = "credentialsParameter",
     .kind = TD_STR,
     .use = TD_MAP,
     .off = RC(credentials_parameter),
     .flags = TD_REQUIRED,
     .check = check_secret_source,
     .note = "a secret of the cluster's store holding {\"username\",\"password\"}"},
};
static SHAPE(repo_shape, "RepositoryCredentials", struct td_repository_credentials, repo_fields,
	     NULL);

#define FL(m) offsetof(struct td_firelens_configuration, m)
static const struct td_field firelens_fields[] = {
    {.name = "type",
     .kind = TD_ENUM,
     .use = TD_IGNORE,
     .off = FL(type),
     .values = firelens_types,
     .flags = TD_REQUIRED,
     .note = "kept"},
    {.name = "options",
     .kind = TD_DICT,
     .use = TD_IGNORE,
     .off = FL(options),
     .n_off = FL(n_options),
     .note = "kept"},
};
static SHAPE(firelens_shape, "FirelensConfiguration", struct td_firelens_configuration,
	     firelens_fields, NULL);

#define CD(m) offsetof(struct td_container, m)
#define CL(m) .off = CD(m), .n_off = CD(n_##m)
static void finish_container(struct td_walk *w, const char *path, const cJSON *obj, void *target);
static const struct td_field container_fields[] = {
    {.name = "name",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = CD(name),
     .flags = TD_REQUIRED,
     .check = check_name,
     .note = "the container's name in the task"},
    {.name = "image",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = CD(image),
     .flags = TD_REQUIRED,
     .check = check_image,
     .note = "pulled from its registry when the task starts"},
    {.name = "repositoryCredentials",
     .kind = TD_OBJ,
     .use = TD_MAP,
     .off = CD(repository_credentials),
     .shape = &repo_shape,
     .note = "registry credentials from the cluster's secret store"},
    {.name = "cpu",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = CD(cpu),
     .min = 0,
     .max = 10485760,
     .note = "CPU units: the container cgroup's cpu.weight (as cpu.shares), and placement"},
    {.name = "memory",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = CD(memory),
     .min = 6,
     .max = INT32_MAX,
     .note = "MiB: memory.max (the container is killed above it)"},
    {.name = "memoryReservation",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = CD(memory_reservation),
     .min = 6,
     .max = INT32_MAX,
     .note = "MiB: memory.low (a soft limit); what placement reserves"},
    {.name = "links",
     .kind = TD_STRS,
     .use = TD_RUN,
     CL(links),
     .check = check_links,
     .note = "bridge mode: linked containers' addresses in /etc/hosts by name and alias; they "
	     "start first"},
    {.name = "portMappings",
     .kind = TD_LIST,
     .use = TD_MAP,
     CL(port_mappings),
     .shape = &port_shape,
     .max = TD_MAX_PORTS,
     .note = "see PortMapping"},
    {.name = "essential",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = CD(essential),
     .note = "default true; when an essential container stops, the task stops"},
    {.name = "restartPolicy",
     .kind = TD_OBJ,
     .use = TD_RUN,
     .off = CD(restart_policy),
     .shape = &restart_shape,
     .note = "the agent restarts the container in place"},
    {.name = "entryPoint",
     .kind = TD_STRS,
     .use = TD_RUN,
     CL(entry_point),
     .note = "replaces the image's ENTRYPOINT (and its CMD)"},
    {.name = "command",
     .kind = TD_STRS,
     .use = TD_RUN,
     CL(command),
     .note = "replaces the image's CMD"},
    {.name = "environment",
     .kind = TD_LIST,
     .use = TD_RUN,
     CL(environment),
     .shape = &kv_shape,
     .note = "added to the image's environment"},
    {.name = "environmentFiles",
     .kind = TD_LIST,
     .use = TD_MAP,
     CL(environment_files),
     .shape = &env_file_shape,
     .max = TD_MAX_ENV_FILES,
     .note = ".env files read on the node when the container starts (environment wins)"},
    {.name = "mountPoints",
     .kind = TD_LIST,
     .use = TD_RUN,
     CL(mount_points),
     .shape = &mount_shape,
     .note = "the task's volumes, bind-mounted"},
    {.name = "volumesFrom",
     .kind = TD_LIST,
     .use = TD_RUN,
     CL(volumes_from),
     .shape = &volume_from_shape,
     .note = "another container's mount points"},
    {.name = "linuxParameters",
     .kind = TD_OBJ,
     .use = TD_RUN,
     .off = CD(linux_parameters),
     .shape = &linux_shape,
     .note = "see LinuxParameters"},
    {.name = "secrets",
     .kind = TD_LIST,
     .use = TD_MAP,
     CL(secrets),
     .shape = &secret_shape,
     .note = "environment variables from the cluster's secret store, delivered only to the node "
	     "that runs the task"},
    {.name = "dependsOn",
     .kind = TD_LIST,
     .use = TD_RUN,
     CL(depends_on),
     .shape = &depends_shape,
     .note = "start order; stop order is the reverse"},
    {.name = "startTimeout",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = CD(start_timeout),
     .min = 0,
     .max = 86400,
     .note = "seconds dependents wait for this container's condition (default "
	     "180)"},
    {.name = "stopTimeout",
     .kind = TD_INT,
     .use = TD_RUN,
     .off = CD(stop_timeout),
     .min = 0,
     .max = 86400,
     .note = "seconds between SIGTERM and SIGKILL (default: the agent's, 30)"},
    {.name = "versionConsistency",
     .kind = TD_ENUM,
     .use = TD_IGNORE,
     .off = CD(version_consistency),
     .values = consistency_names,
     .note = "the node pulls the tag when the task starts; tags are not pinned to digests"},
    {.name = "hostname",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = CD(hostname),
     .check = check_hostname,
     .note = "the container's host name"},
    {.name = "user",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = CD(user),
     .max = 255,
     .check = check_user,
     .note = "user, uid, user:group or uid:gid, resolved in the image"},
    {.name = "workingDirectory",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = CD(working_directory),
     .check = check_abs_path,
     .note = "the process's working directory"},
    {.name = "disableNetworking",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = CD(disable_networking),
     .note = "a network namespace with loopback only"},
    {.name = "privileged",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = CD(privileged),
     .note = "all capabilities, the node's devices, no masked paths, /sys writable"},
    {.name = "readonlyRootFilesystem",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = CD(readonly_root_filesystem),
     .note = "the root file system is mounted read-only"},
    {.name = "dnsServers",
     .kind = TD_STRS,
     .use = TD_RUN,
     CL(dns_servers),
     .check = check_ips,
     .note = "the container's own resolv.conf"},
    {.name = "dnsSearchDomains",
     .kind = TD_STRS,
     .use = TD_RUN,
     CL(dns_search_domains),
     .note = "the container's own resolv.conf"},
    {.name = "extraHosts",
     .kind = TD_LIST,
     .use = TD_RUN,
     CL(extra_hosts),
     .shape = &host_entry_shape,
     .note = "lines added to the container's /etc/hosts"},
    {.name = "dockerSecurityOptions",
     .kind = TD_STRS,
     .use = TD_MAP,
     CL(docker_security_options),
     .check = check_security_options,
     .note = "no-new-privileges is applied; SELinux, AppArmor and credential specs are "
	     "ignored with a warning"},
    {.name = "interactive",
     .kind = TD_BOOL,
     .use = TD_IGNORE,
     .off = CD(interactive),
     .note = "containers have no stdin on a Skiff node"},
    {.name = "pseudoTerminal",
     .kind = TD_BOOL,
     .use = TD_IGNORE,
     .off = CD(pseudo_terminal),
     .note = "containers run without a terminal; their output goes to the logs"},
    {.name = "dockerLabels",
     .kind = TD_DICT,
     .use = TD_RUN,
     CL(docker_labels),
     .check = check_labels,
     .note = "annotations of the container; shown by skiffctl task describe"},
    {.name = "ulimits",
     .kind = TD_LIST,
     .use = TD_RUN,
     CL(ulimits),
     .shape = &ulimit_shape,
     .note = "resource limits (setrlimit) of the container's process"},
    {.name = "logConfiguration",
     .kind = TD_OBJ,
     .use = TD_MAP,
     .off = CD(log_configuration),
     .shape = &log_shape,
     .note = "see LogConfiguration"},
    {.name = "healthCheck",
     .kind = TD_OBJ,
     .use = TD_RUN,
     .off = CD(health_check),
     .shape = &health_shape,
     .note = "see HealthCheck"},
    {.name = "systemControls",
     .kind = TD_LIST,
     .use = TD_RUN,
     CL(system_controls),
     .shape = &sysctl_shape,
     .note = "sysctls set in the container's namespaces"},
    {.name = "resourceRequirements",
     .kind = TD_LIST,
     .use = TD_REFUSE,
     .off = TD_NOWHERE,
     .note = "GPUs and accelerators are not scheduled on Skiff nodes; the "
	     "container cannot run without them"},
    {.name = "firelensConfiguration",
     .kind = TD_OBJ,
     .use = TD_IGNORE,
     .off = CD(firelens_configuration),
     .shape = &firelens_shape,
     .note = "FireLens log routing is an AWS feature; the container runs, its logs stay on the "
	     "node"},
    {.name = "credentialSpecs",
     .kind = TD_STRS,
     .use = TD_IGNORE,
     CL(credential_specs),
     .max = 1,
     .note = "Active Directory credential specs (gMSA) need AWS"},
};
SHAPE(td_container_shape, "ContainerDefinition", struct td_container, container_fields,
      finish_container);

static void finish_container(struct td_walk *w, const char *path, const cJSON *obj, void *target)
{
	struct td_container *c = target;
	char child[TD_PATH_MAX];

	if (c->essential == TD_NOBOOL) /* as ECS: essential unless said otherwise */
		c->essential = 1;
	if (c->memory != TD_UNSET && c->memory_reservation != TD_UNSET &&
	    c->memory_reservation > c->memory) {
		td_path_key(child, path, "memoryReservation");
		td_error(w, child, "%lld MiB is above memory (%lld MiB)",
			 (long long)c->memory_reservation, (long long)c->memory);
	}
	if (c->linux_parameters && c->linux_parameters->max_swap != TD_UNSET &&
	    c->memory == TD_UNSET) {
		td_path_key(child, path, "linuxParameters.maxSwap");
		td_warning(w, child, "has no effect without the container's memory");
	}
}

#define HV(m) offsetof(struct td_host_volume, m)
static const struct td_field host_volume_fields[] = {
    {.name = "sourcePath",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = HV(source_path),
     .check = check_abs_path,
     .note = "a directory of the node, created if missing; absent: a task-scoped empty "
	     "directory"},
};
static SHAPE(host_volume_shape, "HostVolumeProperties", struct td_host_volume, host_volume_fields,
	     NULL);

#define DK(m) offsetof(struct td_docker_volume, m)
static void finish_docker_volume(struct td_walk *w, const char *path, const cJSON *obj,
				 void *target)
{
	const struct td_docker_volume *d = target;
	char child[TD_PATH_MAX];

	if (d->autoprovision == 1 && d->scope != TD_SCOPE_SHARED) {
		td_path_key(child, path, "autoprovision");
		td_error(w, child, "only a shared volume is autoprovisioned");
	}
}
static const struct td_field docker_volume_fields[] = {
    {.name = "scope",
     .kind = TD_ENUM,
     .use = TD_RUN,
     .off = DK(scope),
     .values = scope_names,
     .note = "task (default): made for the task and removed after it; shared: kept on the node"},
    {.name = "autoprovision",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = DK(autoprovision),
     .note = "a shared volume is created if missing (else it must exist)"},
    {.name = "driver",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = DK(driver),
     .check = check_driver,
     .note = "\"local\" only"},
    {.name = "driverOpts",
     .kind = TD_DICT,
     .use = TD_RUN,
     .off = DK(driver_opts),
     .n_off = DK(n_driver_opts),
     .note = "local driver: type, device and o mount the volume (as docker volume create)"},
    {.name = "labels",
     .kind = TD_DICT,
     .use = TD_RUN,
     .off = DK(labels),
     .n_off = DK(n_labels),
     .note = "kept"},
};
static SHAPE(docker_volume_shape, "DockerVolumeConfiguration", struct td_docker_volume,
	     docker_volume_fields, finish_docker_volume);

#define VO(m) offsetof(struct td_volume, m)
static void finish_volume(struct td_walk *w, const char *path, const cJSON *obj, void *target)
{
	const struct td_volume *v = target;
	if (v->host && v->docker)
		td_error(w, path, "give host or dockerVolumeConfiguration, not both");
}
static const struct td_field volume_fields[] = {
    {.name = "name",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = VO(name),
     .flags = TD_REQUIRED,
     .check = check_name,
     .note = "what mountPoints.sourceVolume names"},
    {.name = "host",
     .kind = TD_OBJ,
     .use = TD_RUN,
     .off = VO(host),
     .shape = &host_volume_shape,
     .note = "a bind mount of a node directory; neither host nor dockerVolumeConfiguration: a "
	     "task-scoped empty directory"},
    {.name = "dockerVolumeConfiguration",
     .kind = TD_OBJ,
     .use = TD_RUN,
     .off = VO(docker),
     .shape = &docker_volume_shape,
     .note = "a named local volume under DATA/volumes/"},
    {.name = "efsVolumeConfiguration",
     .kind = TD_RAW,
     .use = TD_REFUSE,
     .off = TD_NOWHERE,
     .note = "EFS is an AWS service: mount the file system on the node and use a host volume"},
    {.name = "s3filesVolumeConfiguration",
     .kind = TD_RAW,
     .use = TD_REFUSE,
     .off = TD_NOWHERE,
     .note = "S3 Files is an AWS service: use a host volume"},
    {.name = "fsxWindowsFileServerVolumeConfiguration",
     .kind = TD_RAW,
     .use = TD_REFUSE,
     .off = TD_NOWHERE,
     .note = "FSx for Windows File Server serves Windows containers, which Skiff does not run"},
    {.name = "configuredAtLaunch",
     .kind = TD_BOOL,
     .use = TD_RUN,
     .off = VO(configured_at_launch),
     .check = check_launch_volume,
     .note = "false only: volumes configured at launch are EBS volumes"},
};
static SHAPE(volume_shape, "Volume", struct td_volume, volume_fields, finish_volume);

#define PC(m) offsetof(struct td_placement_constraint, m)
static const struct td_field constraint_fields[] = {
    {.name = "type",
     .kind = TD_ENUM,
     .use = TD_RUN,
     .off = PC(type),
     .values = constraint_types,
     .flags = TD_REQUIRED,
     .note = "memberOf"},
    {.name = "expression",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = PC(expression),
     .max = 2000,
     .flags = TD_REQUIRED,
     .note = "as for services: attribute:KEY == VALUE (or !=) on node labels and attributes"},
};
static SHAPE(constraint_shape, "TaskDefinitionPlacementConstraint", struct td_placement_constraint,
	     constraint_fields, NULL);

#define PL(m) offsetof(struct td_runtime_platform, m)
static const struct td_field platform_fields[] = {
    {.name = "cpuArchitecture",
     .kind = TD_ENUM,
     .use = TD_MAP,
     .off = PL(cpu_architecture),
     .values = td_arch_names,
     .note = "matched against the node's architecture (attribute ecs.cpu-architecture) at "
	     "placement"},
    {.name = "operatingSystemFamily",
     .kind = TD_ENUM,
     .use = TD_MAP,
     .off = PL(operating_system_family),
     .values = os_names,
     .check = check_os,
     .note = "LINUX; the Windows families are refused"},
};
static SHAPE(platform_shape, "RuntimePlatform", struct td_runtime_platform, platform_fields, NULL);

static const struct td_field proxy_fields[] = {
    {.name = "type",
     .kind = TD_ENUM,
     .use = TD_IGNORE,
     .off = TD_NOWHERE,
     .values = proxy_types,
     .note = "kept"},
    {.name = "containerName",
     .kind = TD_STR,
     .use = TD_IGNORE,
     .off = TD_NOWHERE,
     .flags = TD_REQUIRED,
     .note = "kept"},
    {.name = "properties",
     .kind = TD_LIST,
     .use = TD_IGNORE,
     .off = TD_NOWHERE,
     .shape = &kv_shape,
     .note = "kept"},
};
static SHAPE(proxy_shape, "ProxyConfiguration", char, proxy_fields, NULL);

static const struct td_field accelerator_fields[] = {
    {.name = "deviceName",
     .kind = TD_STR,
     .use = TD_IGNORE,
     .off = TD_NOWHERE,
     .flags = TD_REQUIRED,
     .note = "kept"},
    {.name = "deviceType",
     .kind = TD_STR,
     .use = TD_IGNORE,
     .off = TD_NOWHERE,
     .flags = TD_REQUIRED,
     .note = "kept"},
};
static SHAPE(accelerator_shape, "InferenceAccelerator", char, accelerator_fields, NULL);

static const struct td_field ephemeral_fields[] = {
    {.name = "sizeInGiB",
     .kind = TD_INT,
     .use = TD_IGNORE,
     .off = TD_NOWHERE,
     .min = 21,
     .max = 200,
     .flags = TD_REQUIRED,
     .note = "kept"},
};
static SHAPE(ephemeral_shape, "EphemeralStorage", char, ephemeral_fields, NULL);

static const struct td_field attribute_fields[] = {
    {.name = "name",
     .kind = TD_STR,
     .use = TD_OUTPUT,
     .off = TD_NOWHERE,
     .flags = TD_REQUIRED,
     .note = "-"},
    {.name = "value", .kind = TD_STR, .use = TD_OUTPUT, .off = TD_NOWHERE, .note = "-"},
    {.name = "targetType",
     .kind = TD_ENUM,
     .use = TD_OUTPUT,
     .off = TD_NOWHERE,
     .values = attr_targets,
     .note = "-"},
    {.name = "targetId", .kind = TD_STR, .use = TD_OUTPUT, .off = TD_NOWHERE, .note = "-"},
};
static SHAPE(attribute_shape, "Attribute", char, attribute_fields, NULL);

static void finish_task(struct td_walk *w, const char *path, const cJSON *obj, void *target)
{
	const struct taskdef *td = target;
	char child[TD_PATH_MAX];

	for (size_t i = 0; i < td->n_requires_compatibilities; i++)
		if (!strcmp(td->requires_compatibilities[i], "FARGATE")) {
			td_path_key(child, path, "requiresCompatibilities");
			td_note(w, child, "FARGATE: the task runs on a Skiff node, as with EC2");
		}
}

#define TD(m) offsetof(struct taskdef, m)
static const struct td_field task_fields[] = {
    {.name = "family",
     .kind = TD_STR,
     .use = TD_RUN,
     .off = TD(family),
     .flags = TD_REQUIRED,
     .check = check_name,
     .note = "the definition's name; each registration is its next revision"},
    {.name = "taskRoleArn",
     .kind = TD_STR,
     .use = TD_IGNORE,
     .off = TD(task_role_arn),
     .note = "IAM roles are an AWS service; containers get no role credentials"},
    {.name = "executionRoleArn",
     .kind = TD_STR,
     .use = TD_IGNORE,
     .off = TD(execution_role_arn),
     .note = "IAM roles are an AWS service; the node pulls images and reads secrets itself"},
    {.name = "networkMode",
     .kind = TD_ENUM,
     .use = TD_MAP,
     .off = TD(network_mode),
     .values = td_network_names,
     .note = "bridge (default), host and none as in ECS; awsvpc: one network namespace per task "
	     "with its own address on the node's bridge, shared by its containers"},
    {.name = "containerDefinitions",
     .kind = TD_LIST,
     .use = TD_RUN,
     .off = TD(containers),
     .n_off = TD(n_containers),
     .shape = &td_container_shape,
     .max = TD_MAX_CONTAINERS,
     .flags = TD_REQUIRED,
     .note = "1 to 10 containers"},
    {.name = "volumes",
     .kind = TD_LIST,
     .use = TD_RUN,
     .off = TD(volumes),
     .n_off = TD(n_volumes),
     .shape = &volume_shape,
     .note = "see Volume"},
    {.name = "placementConstraints",
     .kind = TD_LIST,
     .use = TD_RUN,
     .off = TD(placement_constraints),
     .n_off = TD(n_placement_constraints),
     .shape = &constraint_shape,
     .max = TD_MAX_CONSTRAINTS,
     .note = "applied with the service's constraints at placement"},
    {.name = "requiresCompatibilities",
     .kind = TD_STRS,
     .use = TD_IGNORE,
     .off = TD(requires_compatibilities),
     .n_off = TD(n_requires_compatibilities),
     .values = compat_names,
     .note = "launch types are AWS's; every task runs on a Skiff node (FARGATE as EC2)"},
    {.name = "cpu",
     .kind = TD_UNITS,
     .use = TD_RUN,
     .off = TD(cpu),
     .min = 128,
     .max = 196608,
     .flags = TD_CPU,
     .note = "CPU units or \"N vCPU\": the task cgroup's cpu.max (a hard "
	     "limit), and placement"},
    {.name = "memory",
     .kind = TD_UNITS,
     .use = TD_RUN,
     .off = TD(memory),
     .min = 6,
     .max = INT32_MAX,
     .note = "MiB or \"N GB\": the task cgroup's memory.max, and placement"},
    {.name = "tags",
     .kind = TD_LIST,
     .use = TD_IGNORE,
     .off = TD(tags),
     .n_off = TD(n_tags),
     .shape = &tag_shape,
     .max = 50,
     .note = "tags are kept with the definition, not used"},
    {.name = "pidMode",
     .kind = TD_ENUM,
     .use = TD_RUN,
     .off = TD(pid_mode),
     .values = pid_mode_names,
     .note = "host: the node's PID namespace; task: one shared by the task's containers"},
    {.name = "ipcMode",
     .kind = TD_ENUM,
     .use = TD_RUN,
     .off = TD(ipc_mode),
     .values = td_ns_mode_names,
     .note = "host: the node's IPC namespace; task: one (and one /dev/shm) shared by the task's "
	     "containers; none: private, no /dev/shm"},
    {.name = "proxyConfiguration",
     .kind = TD_RAW,
     .use = TD_IGNORE,
     .off = TD(proxy_configuration),
     .shape = &proxy_shape,
     .note = "App Mesh is an AWS service: the containers run, traffic is not redirected through "
	     "the proxy"},
    {.name = "inferenceAccelerators",
     .kind = TD_RAW,
     .use = TD_IGNORE,
     .off = TD(inference_accelerators),
     .shape = &accelerator_shape,
     .note = "Elastic Inference is an AWS service"},
    {.name = "ephemeralStorage",
     .kind = TD_RAW,
     .use = TD_IGNORE,
     .off = TD(ephemeral_storage),
     .shape = &ephemeral_shape,
     .note = "Fargate only: a container's storage is the node's data partition"},
    {.name = "runtimePlatform",
     .kind = TD_OBJ,
     .use = TD_MAP,
     .off = TD(runtime_platform),
     .shape = &platform_shape,
     .note = "see RuntimePlatform"},
    {.name = "enableFaultInjection",
     .kind = TD_BOOL,
     .use = TD_IGNORE,
     .off = TD(enable_fault_injection),
     .note = "fault injection is an AWS service"},
    {.name = "taskDefinitionArn",
     .kind = TD_STR,
     .use = TD_OUTPUT,
     .off = TD_NOWHERE,
     .note = "describe output: dropped"},
    {.name = "revision",
     .kind = TD_INT,
     .use = TD_OUTPUT,
     .off = TD(revision),
     .min = 1,
     .max = INT32_MAX,
     .note = "describe output: replaced by the next revision"},
    {.name = "status",
     .kind = TD_STR,
     .use = TD_OUTPUT,
     .off = TD(status),
     .values = status_names,
     .note = "describe output: replaced (ACTIVE)"},
    {.name = "requiresAttributes",
     .kind = TD_RAW,
     .use = TD_OUTPUT,
     .off = TD_NOWHERE,
     .shape = &attribute_shape,
     .note = "describe output: dropped"},
    {.name = "compatibilities",
     .kind = TD_STRS,
     .use = TD_OUTPUT,
     .off = TD_NOWHERE,
     .values = compat_names,
     .note = "describe output: dropped"},
    {.name = "registeredAt",
     .kind = TD_STR,
     .use = TD_OUTPUT,
     .off = TD(registered_at),
     .flags = TD_ANY_SCALAR,
     .note = "describe output: replaced"},
    {.name = "deregisteredAt",
     .kind = TD_STR,
     .use = TD_OUTPUT,
     .off = TD_NOWHERE,
     .flags = TD_ANY_SCALAR,
     .note = "describe output: dropped"},
    {.name = "deleteRequestedAt",
     .kind = TD_STR,
     .use = TD_OUTPUT,
     .off = TD_NOWHERE,
     .flags = TD_ANY_SCALAR,
     .note = "describe output: dropped"},
    {.name = "registeredBy",
     .kind = TD_STR,
     .use = TD_OUTPUT,
     .off = TD(registered_by),
     .note = "describe output: replaced"},
};
SHAPE(td_taskdef_shape, "TaskDefinition", struct taskdef, task_fields, finish_task);

const struct td_shape *const td_all_shapes[] = {
    &td_taskdef_shape,	  &td_container_shape,
    &port_shape,	  &kv_shape,
    &env_file_shape,	  &mount_shape,
    &volume_from_shape,	  &linux_shape,
    &caps_shape,	  &device_shape,
    &tmpfs_shape,	  &secret_shape,
    &depends_shape,	  &host_entry_shape,
    &ulimit_shape,	  &log_shape,
    &health_shape,	  &sysctl_shape,
    &repo_shape,	  &restart_shape,
    &volume_shape,	  &host_volume_shape,
    &docker_volume_shape, &constraint_shape,
    &platform_shape,	  NULL,
};
