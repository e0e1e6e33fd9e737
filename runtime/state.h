/* <root>/<id>/state.json (written at create), exit.json (written when the
 * container's process ends) and the OCI state built from them. */
#ifndef RT_STATE_H
#define RT_STATE_H

#include "container.h"

#include <limits.h>
#include <stddef.h>

struct rt_state {
	cJSON *json;
	char dir[PATH_MAX];
	const char *id, *bundle, *cgroup;
	pid_t pid, monitor_pid;
	unsigned long long start_time, monitor_start;
};

/* <root>/<id> after checking ID ([A-Za-z0-9][A-Za-z0-9_.+-]*, < 256). */
int state_dir(const struct rt_global *g, const char *id, char *buf, size_t size,
	      struct sk_err *err);
int state_save(const struct container *c, struct sk_err *err);
/* Fails with err->errnum ENOENT when there is no such container. */
int state_load(const struct rt_global *g, const char *id, struct rt_state *st, struct sk_err *err);
void state_free(struct rt_state *st);
/* "created", "running" or "stopped". */
const char *state_status(const struct rt_state *st);
/* The OCI state of a loaded container, allocated. */
char *state_oci_json(const struct rt_state *st);
/* The OCI state handed to hooks while the container is being set up. */
char *state_hook_json(const struct container *c, const char *status);
/* Records how the process ended (a wait status) in DIR/exit.json. */
int state_record_exit(const char *dir, int wstatus, long oom_kills, struct sk_err *err);
/* Exit status as a shell reports it: code, or 128+signal. */
int state_exit_code(int wstatus);
/* Removes DIR and the files in it. */
int state_remove_dir(const char *dir, struct sk_err *err);

#endif
