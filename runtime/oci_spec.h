/* The parsed OCI runtime configuration (config.json). Strings borrow from
 * the cJSON tree kept in `json`; oci_spec_free releases both. */
#ifndef RT_OCI_SPEC_H
#define RT_OCI_SPEC_H

#include "err.h"

#include <stdint.h>
#include <sys/types.h>

typedef struct cJSON cJSON;

struct oci_rlimit {
	int type;
	uint64_t soft, hard;
};

struct oci_caps {
	int set; /* 0: no "capabilities" object, leave the caps alone */
	uint64_t bounding, effective, permitted, inheritable, ambient;
	const char *unknown; /* the first name not known (skipped, as runc does) */
	int nunknown;
};

struct oci_process {
	char **args; /* NULL-terminated, borrowed strings */
	char **env;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *gids;
	int ngids;
	int has_umask;
	mode_t umask;
	struct oci_caps caps;
	struct oci_rlimit *rlimits;
	int nrlimits;
	int no_new_privs;
	int terminal;
	const char *exe;  /* args[0] resolved by process_resolve, or NULL */
	int preserve_fds; /* fds 3..3+N-1 stay open across exec (--preserve-fds) */
	int has_oom_score_adj;
	int oom_score_adj;
	cJSON *json; /* the "process" object, for hooks/exec */
};

struct oci_mount {
	const char *dest, *type, *source;
	unsigned long flags;	   /* MS_* applied at mount time */
	unsigned long clear;	   /* flags an option turned off (rw, suid...) */
	unsigned long propagation; /* MS_PRIVATE, MS_SLAVE... with MS_REC */
	char *data;		   /* options the filesystem gets, comma joined */
};

struct oci_ns {
	int type; /* CLONE_NEW* */
	const char *path;
};

struct oci_idmap {
	uint32_t container, host, size;
};

struct oci_device {
	const char *path;
	char type; /* c, b, u, p */
	uint32_t major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

enum oci_hook_kind {
	HOOK_PRESTART,
	HOOK_CREATE_RUNTIME,
	HOOK_CREATE_CONTAINER,
	HOOK_START_CONTAINER,
	HOOK_POSTSTART,
	HOOK_POSTSTOP,
	HOOK_KINDS
};

struct oci_hook {
	const char *path;
	char **args;
	char **env;
	int timeout; /* seconds, 0 for none */
};

struct oci_hooks {
	struct oci_hook *v;
	int n;
};

/* One linux.resources.devices rule; access bits as the kernel's
 * BPF_DEVCG_ACC_* (m 1, r 2, w 4). */
struct oci_dev_rule {
	int allow;
	char type;	      /* 'a', 'c' or 'b' */
	int64_t major, minor; /* -1: any */
	unsigned access;
};

/* Values are -1 ("unset") unless the config gives them; swap/memory may
 * also be -2 for "max" (OCI's -1). */
struct oci_resources {
	int present;
	int64_t mem_limit, mem_reservation, mem_swap;
	int64_t cpu_shares, cpu_quota, cpu_period;
	int64_t pids_limit;
	const char *cpuset_cpus, *cpuset_mems;
	cJSON *unified; /* object of file -> value */
	struct oci_dev_rule *dev_rules;
	int ndev_rules;
	int has_limits; /* something besides device rules */
};

struct oci_sysctl {
	const char *key, *value;
};

struct oci_spec {
	cJSON *json;
	struct oci_process process;
	const char *root_path; /* as given */
	int root_readonly;
	const char *hostname, *domainname;
	struct oci_mount *mounts;
	int nmounts;
	struct oci_ns ns[8];
	int nns;
	struct oci_idmap uid_maps[16], gid_maps[16];
	int nuid_maps, ngid_maps;
	struct oci_device *devices;
	int ndevices;
	char **masked, **readonly;
	struct oci_resources res;
	const char *cgroups_path;
	struct oci_sysctl *sysctl;
	int nsysctl;
	unsigned long rootfs_propagation;
	cJSON *seccomp;	    /* linux.seccomp, validated by seccomp_build */
	cJSON *annotations; /* object or NULL */
	struct oci_hooks hooks[HOOK_KINDS];
};

/* Parses config.json text; errors name the key path ("process.args[0]").
 * On failure SPEC holds nothing (oci_spec_free is still safe). */
int oci_spec_parse(const char *text, struct oci_spec *spec, struct sk_err *err);
/* Reads and parses BUNDLE/config.json; errors start with "config.json". */
int oci_spec_load(const char *bundle, struct oci_spec *spec, char **text_out, struct sk_err *err);
void oci_spec_free(struct oci_spec *spec);
/* Parses a "process" object alone (exec --process FILE). */
int oci_process_parse(cJSON *obj, const char *path, struct oci_process *p, struct sk_err *err);
void oci_process_free(struct oci_process *p);

/* Flags of a namespace type name ("pid" -> CLONE_NEWPID), 0 if unknown. */
int oci_ns_flag(const char *name);
const char *oci_ns_name(int flag);
const struct oci_ns *oci_spec_ns(const struct oci_spec *spec, int flag);

/* 1 when the container gets a namespace of type FLAG of its own: a new
 * one, or one joined by a path that is not the runtime's own. */
int oci_spec_owns_ns(const struct oci_spec *spec, int flag);
/* Refuses a host name, domain name or sysctl that would be written in a
 * namespace the container shares with the host (oci_validate.c). */
int oci_spec_check_host_safe(const struct oci_spec *spec, struct sk_err *err);

/* Shares (2..262144) to cgroup v2 cpu.weight (1..10000), as crun does. */
uint64_t oci_shares_to_weight(uint64_t shares);

#endif
