/* What the agent changes in a bundle's config.json after the image library
 * wrote it: the container definition turned into OCI terms. spec_edit.c
 * owns the namespaces, resources, root and annotations; spec_mounts.c the
 * mounts (volumes, tmpfs, /dev/shm, /etc/hosts, resolv.conf, the init);
 * spec_security.c capabilities, rlimits, devices, sysctls and privileged. */
#ifndef AGENT_SPEC_EDIT_H
#define AGENT_SPEC_EDIT_H

#include <sys/types.h>

#include "err.h"
#include "taskdef.h"

typedef struct cJSON cJSON;

struct spec_mount { /* a bind mount of a node directory */
	const char *source, *destination;
	int read_only;
};

struct spec_device { /* a device node as the node has it */
	char path[256];
	char type; /* 'c' or 'b' */
	unsigned major, minor, mode;
};

struct spec_edit {
	const char *task, *container;
	const struct taskdef *td;
	const struct td_container *def;
	int host_network;	  /* share the node's network namespace */
	const char *netns_path;	  /* else join this one (NULL: leave as is) */
	const char *hosts_path;	  /* bind-mounted at /etc/hosts when set */
	const char *resolv_path;  /* bind-mounted at /etc/resolv.conf when set */
	const char *hostname;	  /* NULL: the node's (host network) */
	const char *pid_ns_path;  /* pidMode task */
	const char *ipc_ns_path;  /* ipcMode task */
	const char *shm_dir;	  /* ipcMode task: the task's /dev/shm */
	const char *init_path;	  /* initProcessEnabled: the init binary on the node */
	const char *log_dir;	  /* where the runtime keeps stdout.log and stderr.log */
	const char *cgroups_path; /* NULL: the runtime's default */
	const struct spec_mount *mounts;
	size_t n_mounts;
	const struct spec_device *devices; /* linuxParameters.devices, or all of them */
	size_t n_devices;
	int limits; /* cgroup v2 is there: memory and CPU limits apply */
};

/* Where the init is mounted in a container (as Docker mounts docker-init). */
#define SPEC_INIT_PATH "/sbin/skiff-init-process"

/* Edits BUNDLE/config.json in place (atomically). */
int spec_edit_apply(const char *bundle, const struct spec_edit *ed, struct sk_err *err);
/* The same on a parsed config (for tests). */
int spec_edit_json(void *config_json, const struct spec_edit *ed, struct sk_err *err);

/* spec_mounts.c, spec_security.c */
int spec_edit_mounts(cJSON *root, const struct spec_edit *ed, struct sk_err *err);
int spec_edit_security(cJSON *root, const struct spec_edit *ed, struct sk_err *err);

#endif
