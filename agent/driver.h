/* How the agent runs containers, behind one small interface so that the
 * implementation (the runtime and image libraries in-process today) can be
 * swapped. A container id is "<task-id>.<container-name>"; the runtime's
 * state directory keeps each container's task and name as annotations, so
 * that a restarted agent finds its containers again. */
#ifndef AGENT_DRIVER_H
#define AGENT_DRIVER_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "err.h"
#include "taskdef.h"

#define DRIVER_ID_MAX 256

enum container_status { CONTAINER_ABSENT, CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_STOPPED };

struct container_state {
	enum container_status status;
	pid_t pid;
	int exit_code; /* when stopped: code, or 128+signal */
	int oom_killed;
};

struct driver_container {
	char id[DRIVER_ID_MAX];
	char task[128];
	char name[64];
};

struct driver;

int driver_open(const struct agent_config *cfg, struct driver **out, struct sk_err *err);
void driver_close(struct driver *d);

/* "<task-id>.<name>" into buf; fails when too long. */
int driver_container_id(const char *task, const char *name, char *buf, size_t size,
			struct sk_err *err);

/* Blocking; meant for a worker process: pulls the image of every container
 * of the task, then creates, networks and starts each container. */
int driver_pull(struct driver *d, const struct container_def *c, struct sk_err *err);
int driver_start(struct driver *d, const struct task_def *td, int index, struct sk_err *err);

int driver_state(struct driver *d, const char *id, struct container_state *st, struct sk_err *err);
int driver_kill(struct driver *d, const char *id, int sig, struct sk_err *err);
/* Deletes the container, its bundle and its network; absent is not an error. */
int driver_remove(struct driver *d, const char *id, struct sk_err *err);
/* The containers the runtime knows (malloc'd array). */
int driver_list(struct driver *d, struct driver_container **out, size_t *n, struct sk_err *err);

#endif
