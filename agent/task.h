/* One task on this node: what the assignment asks for, what runs, and the
 * state the node reports:
 *
 *   PENDING -> PULLING -> ACTIVATING -> RUNNING -> STOPPED
 *
 * PULLING pulls the images and sets up what the containers share (the
 * task's volumes, network namespace, cgroup); ACTIVATING starts the
 * containers in dependency order; while stopping, the reported status
 * stays RUNNING. Each container has a phase of its own, its health, and
 * its host ports. */
#ifndef AGENT_TASK_H
#define AGENT_TASK_H

#include <stdint.h>
#include <sys/types.h>

#include "assign.h"
#include "driver.h"
#include "err.h"

enum task_state {
	TASK_PENDING,
	TASK_PULLING,
	TASK_ACTIVATING,
	TASK_RUNNING,
	TASK_STOPPING,
	TASK_STOPPED
};

enum stop_reason {
	REASON_NONE,
	REASON_ESSENTIAL_EXITED,
	REASON_OOM,
	REASON_FAILED_TO_START,
	REASON_USER,
	REASON_NODE_LOST,
};

/* A container's way through the task. */
enum container_phase {
	PHASE_WAITING,	/* for its dependencies */
	PHASE_STARTING, /* a worker creates and starts it */
	PHASE_RUNNING,
	PHASE_EXITED,
	PHASE_SKIPPED, /* never started: a dependency cannot be met */
};

enum health { HEALTH_NONE, HEALTH_UNKNOWN, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

struct task_container {
	char name[TD_NAME_MAX + 1];
	char id[DRIVER_ID_MAX];
	enum container_status status; /* as the runtime last said */
	enum container_phase phase;
	int essential;
	int has_exit, exit_code, oom_killed;
	int64_t unrecorded_ms; /* seen stopped before its monitor recorded the exit */
	int stop_timeout_s;
	char address[48]; /* its IPv4 address (bridge: its own; awsvpc: the task's) */
	pid_t worker;	  /* starting it */
	int worker_fd;
	int64_t since_ms; /* entered its phase */
	int64_t ran_ms;	  /* RUNNING since (for restartPolicy) */
	int restarts;
	/* health check */
	enum health health;
	int failures;
	pid_t probe;
	int64_t next_probe_ms, probe_deadline_ms;
	/* stopping */
	int termed, killed;
	int64_t kill_at_ms;
	char why[200]; /* why it was skipped, for people */
};

struct task {
	int used;
	char id[TASK_ID_MAX];
	struct assignment *def; /* the latest assignment; NULL when unknown */
	int assigned;		/* present under the node's assignment prefix */
	int seen;		/* present in the listing being applied */
	enum task_state state;
	enum stop_reason reason;
	char detail[256]; /* why it failed to start, for people */
	struct task_container c[TD_MAX_CONTAINERS];
	int n;
	pid_t worker;	  /* preparing or (worker_stops) removing, in a process of its own */
	int worker_stops; /* the worker is the stop worker */
	int worker_fd;
	struct port_binding *ports; /* host ports of every container */
	size_t n_ports;
	char address[48];	    /* awsvpc: the task's address */
	pid_t pause;		    /* pidMode task: the process holding the PID namespace */
	unsigned version, reported; /* reported == version: etcd has the latest */
};

const char *task_state_name(enum task_state s);
const char *task_reason_name(enum stop_reason r);
const char *task_health_name(enum health h);
/* The task's health: UNHEALTHY when an essential container is, HEALTHY
 * when every essential container with a check is, else UNKNOWN. */
enum health task_health(const struct task *t);
/* The status value (docs/cluster.md "status/<node-id>/<task-id>"), malloc'd. */
int task_status_json(const struct task *t, char **out, struct sk_err *err);
/* Takes the containers of t->def into t->c (names, ids, essential,
 * timeouts), keeping what is known about containers seen before. */
int task_set_containers(struct task *t, int default_stop_s, struct sk_err *err);

#endif
