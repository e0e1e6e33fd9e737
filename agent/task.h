/* One task on this node: what the assignment asks for, what runs, and the
 * state the node reports (PENDING -> PULLING -> RUNNING -> STOPPED, with
 * STOPPING while containers get SIGTERM and the grace period). */
#ifndef AGENT_TASK_H
#define AGENT_TASK_H

#include <stdint.h>
#include <sys/types.h>

#include "driver.h"
#include "err.h"
#include "taskdef.h"

enum task_state { TASK_PENDING, TASK_PULLING, TASK_RUNNING, TASK_STOPPING, TASK_STOPPED };

enum stop_reason {
	REASON_NONE,
	REASON_ESSENTIAL_EXITED,
	REASON_OOM,
	REASON_FAILED_TO_START,
	REASON_USER,
	REASON_NODE_LOST,
};

struct task_container {
	char name[64];
	char id[DRIVER_ID_MAX];
	enum container_status status;
	int essential;
	int has_exit;
	int exit_code;
	int oom_killed;
	int stop_timeout_s;
};

struct task {
	int used;
	char id[128];
	struct task_def *def; /* the latest assignment; NULL when unknown */
	int assigned;	      /* present under the node's assignment prefix */
	int seen;	      /* present in the listing being applied */
	enum task_state state;
	enum stop_reason reason;
	char detail[256]; /* why it failed to start, for people */
	struct task_container c[TASK_MAX_CONTAINERS];
	int n;
	pid_t worker; /* pulling and starting, in a process of its own */
	int worker_fd;
	int64_t stop_deadline; /* ms, monotonic; SIGKILL after */
	int termed, killed;
	unsigned version, reported; /* reported == version: etcd has the latest */
};

const char *task_state_name(enum task_state s);
const char *task_reason_name(enum stop_reason r);
/* The status value (docs/cluster.md "status/<node-id>/<task-id>"), malloc'd. */
int task_status_json(const struct task *t, char **out, struct sk_err *err);
/* Copies the containers of t->def into t->c (names, ids, essential, timeouts). */
int task_set_containers(struct task *t, int default_stop_s, struct sk_err *err);

#endif
