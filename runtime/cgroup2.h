/* cgroup v2: the container's cgroup, its limits and its OOM counter. */
#ifndef RT_CGROUP2_H
#define RT_CGROUP2_H

#include "err.h"
#include "oci_spec.h"

#include <stddef.h>
#include <sys/types.h>

#define CGROUP_ROOT   "/sys/fs/cgroup"
#define CGROUP_HYBRID "/sys/fs/cgroup/unified" /* systemd's hybrid layout */

/* The cgroup v2 hierarchy: /sys/fs/cgroup, or on a hybrid host (v1
 * controllers, v2 without them) /sys/fs/cgroup/unified; NULL if none. */
const char *cgroup2_root(void);
int cgroup2_available(void);
/* A controller RES needs that the hierarchy does not offer, or NULL. */
const char *cgroup2_missing_controller(const struct oci_resources *res);
/* The cgroup directory: <root>/<cgroupsPath or skiff/ID>. */
void cgroup2_path(const struct oci_spec *spec, const char *id, char *buf, size_t size);
/* Creates the cgroup (enabling the controllers RES needs in its ancestors)
 * and writes the limits. */
int cgroup2_create(const char *path, const struct oci_resources *res, struct sk_err *err);
int cgroup2_enter(const char *path, pid_t pid, struct sk_err *err);
/* The oom_kill counter of memory.events, 0 if unreadable. */
long cgroup2_oom_kills(const char *path);
/* Sends SIG to every process in the cgroup and below (cgroup.kill for
 * SIGKILL). */
int cgroup2_kill(const char *path, int sig, struct sk_err *err);
/* Kills what is left (cgroup.kill) and removes the cgroup and the child
 * cgroups its processes made. */
int cgroup2_destroy(const char *path, struct sk_err *err);
/* The value written for each limit; exposed for the unit tests. */
int cgroup2_format_cpu_max(const struct oci_resources *res, char *buf, size_t size);

#endif
