/* The driver's state, shared by its files: driver_runtime.c (container
 * lifecycle, ids, listing), driver_task.c (what a task's containers
 * share: pull, volumes, namespaces, cgroup) and driver_start.c (one
 * container: environment, network, files, config, create and start). */
#ifndef AGENT_DRIVER_INTERNAL_H
#define AGENT_DRIVER_INTERNAL_H

#include <limits.h>

#include "../netcfg/netcfg.h"
#include "../runtime/image.h"
#include "../runtime/runtime.h"
#include "driver.h"

struct driver {
	struct rt_global rt;
	struct image_opts img;
	struct netcfg_bridge br;
	const char *insecure[AGENT_MAX_REGISTRIES + 1];
	char rt_root[PATH_MAX];
	char bundles[PATH_MAX];
	char netns[PATH_MAX];
	char tasks[PATH_MAX];	/* <run>/tasks */
	char volumes[PATH_MAX]; /* <data>/volumes */
	char logs[PATH_MAX];	/* <data>/logs */
	char data[PATH_MAX];
	char self[PATH_MAX]; /* the agent's binary: the init of initProcessEnabled */
	int limits;	     /* cgroup v2 is there: memory and CPU limits apply */
};

/* DIR/NAME into buf; an over-long path is cut (and then not found). */
void driver_join(char *buf, size_t size, const char *dir, const char *name);
/* Where volume VOL of the task is on the node. */
void driver_volume_path(const struct driver *d, const char *task_id, const struct td_volume *vol,
			char *buf, size_t size);
/* The cgroup of the task, relative to /sys/fs/cgroup. */
void driver_task_cgroup(const char *task_id, char *buf, size_t size);

#endif
