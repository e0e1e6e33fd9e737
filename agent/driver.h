/* How the agent runs tasks, behind one small interface so that the
 * implementation (the runtime and image libraries in-process today) can be
 * swapped. A container id is "<task-id>.<container-name>" (names too long
 * for the runtime are shortened with a hash); the runtime's state
 * directory keeps each container's task and name as annotations, so that
 * a restarted agent finds its containers again.
 *
 * What containers of a task share is the task's: its directory
 * (<run>/tasks/<id>/: hosts and resolv.conf files, the state a restarted
 * agent needs), its volumes (<data>/volumes/), its network namespace
 * (awsvpc), its IPC namespace and /dev/shm (ipcMode task), the process
 * holding its PID namespace (pidMode task) and its cgroup
 * (skiff/<task-id>, when the task sets cpu or memory). */
#ifndef AGENT_DRIVER_H
#define AGENT_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "assign.h"
#include "agent_config.h"
#include "err.h"

#define DRIVER_ID_MAX 128

enum container_status { CONTAINER_ABSENT, CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_STOPPED };

struct container_state {
	enum container_status status;
	pid_t pid;
	int exit_code;	/* when stopped: code, or 128+signal */
	int exit_known; /* the monitor recorded how it ended (else 137 is a guess) */
	int oom_killed;
};

struct driver_container {
	char id[DRIVER_ID_MAX];
	char task[TASK_ID_MAX];
	char name[TD_NAME_MAX + 1];
};

/* A host port of a container: bridge mode maps it to the container port. */
struct port_binding {
	uint8_t container; /* index in containerDefinitions */
	uint8_t proto;	   /* enum td_protocol */
	uint16_t container_port, host_port;
};

/* What the task shares, as the prepare step left it. */
struct task_shared {
	char address[48]; /* awsvpc: the task's address */
	char resolv[512]; /* awsvpc: the task's resolv.conf */
	pid_t pause;	  /* pidMode task */
};

/* Everything a container's start needs besides its definition. */
struct start_ctx {
	const struct assignment *as;
	size_t index;
	const struct port_binding *ports; /* the task's; those of INDEX are used */
	size_t n_ports;
	const struct task_shared *shared;
	const char *const *addresses; /* each container's address ("" unknown) */
};

struct driver;

int driver_open(const struct agent_config *cfg, struct driver **out, struct sk_err *err);
void driver_close(struct driver *d);

/* "<task-id>.<name>" into buf (size DRIVER_ID_MAX). */
void driver_container_id(const char *task, const char *name, char buf[DRIVER_ID_MAX]);

/* Blocking; meant for worker processes. Pulls every image of the task
 * (with its repositoryCredentials), then sets up what its containers share. */
int driver_prepare(struct driver *d, const struct assignment *as, struct task_shared *out,
		   struct sk_err *err);
/* Creates, networks and starts one container; its address into ADDRESS. */
int driver_start(struct driver *d, const struct start_ctx *sc, char address[48],
		 struct sk_err *err);
/* Removes what the task shared (task-scoped volumes, namespaces, cgroup,
 * the PID namespace holder); absent is not an error. */
int driver_teardown(struct driver *d, const char *task_id, pid_t pause, struct sk_err *err);

/* The task's directory, and what driver_prepare left in it (zeroed if
 * nothing: a restarted agent reads it back). */
void driver_task_dir(const struct driver *d, const char *task_id, char *buf, size_t size);
int driver_shared_load(const struct driver *d, const char *task_id, struct task_shared *out);

int driver_state(struct driver *d, const char *id, struct container_state *st, struct sk_err *err);
int driver_kill(struct driver *d, const char *id, int sig, struct sk_err *err);
/* Runs ARGV inside the running container (a new process in its
 * namespaces and cgroup) and waits: *STATUS as a shell reports it. */
int driver_exec(struct driver *d, const char *id, char **argv, int *status, struct sk_err *err);
/* Deletes the container, its bundle and its network; absent is not an error. */
int driver_remove(struct driver *d, const char *id, struct sk_err *err);
/* The containers the runtime knows (malloc'd array). */
int driver_list(struct driver *d, struct driver_container **out, size_t *n, struct sk_err *err);
/* Where a task's logs stay: DATA/logs/<task-id>/. */
void driver_log_dir(const struct driver *d, const char *task_id, char *buf, size_t size);
/* Removes the logs of tasks KEEP says no (forgotten ones) that nothing
 * wrote to for MAX_AGE_S. */
void driver_logs_sweep(struct driver *d, int (*keep)(void *ctx, const char *task_id), void *ctx,
		       int max_age_s);

#endif
