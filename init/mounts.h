/* The early mounts (/proc, /sys, /dev, ..., cgroup2) and their unmounting
 * at shutdown. */
#ifndef SK_INIT_MOUNTS_H
#define SK_INIT_MOUNTS_H

#include "err.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define CGROUP_SERVICES CGROUP_ROOT "/services"

/* Mounts everything in order, logging "mounted PATH" for each; enables the
 * cpu, memory, pids and io controllers for child cgroups. */
int mounts_setup(struct sk_err *err);
/* Unmounts in reverse order, logging each success; never fails. */
void mounts_teardown(void);

#endif
