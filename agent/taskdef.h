/* An assignment (docs/cluster.md "assign/<node-id>/<task-id>") parsed and
 * validated: the task id, the desired status and the subset of the ECS
 * task definition the agent runs. Strings borrow from the kept cJSON tree. */
#ifndef AGENT_TASKDEF_H
#define AGENT_TASKDEF_H

#include <stdint.h>

#include "err.h"

#define TASK_MAX_CONTAINERS 8
#define TASK_MAX_PORTS	    8
#define TASK_MAX_ARGS	    64
#define TASK_MAX_ENV	    64

typedef struct cJSON cJSON;

struct port_mapping {
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t container_port, host_port;
};

struct container_def {
	const char *name;
	const char *image;
	int essential;
	const char *entrypoint[TASK_MAX_ARGS + 1]; /* NULL-terminated; empty: the image's */
	const char *command[TASK_MAX_ARGS + 1];	   /* NULL-terminated; empty: the image's */
	const char *env[TASK_MAX_ENV + 1];	   /* "NAME=value", owned by envbuf */
	char *envbuf;
	const char *workdir; /* NULL: the image's */
	const char *user;    /* NULL: the image's */
	int memory_mib;	     /* hard limit, 0: none */
	int cpu;	     /* units, 0: none */
	int stop_timeout_s;  /* -1: the agent's default */
	struct port_mapping ports[TASK_MAX_PORTS];
	int n_ports;
};

enum desired_status { DESIRED_RUNNING, DESIRED_STOPPED };

struct task_def {
	char task_id[128];
	enum desired_status desired;
	const char *family;
	int revision;
	int host_network; /* networkMode "host" */
	int no_network;	  /* networkMode "none" */
	struct container_def containers[TASK_MAX_CONTAINERS];
	int n_containers;
	cJSON *json;
};

/* Parses an assignment value. KEY_TASK_ID is the task id from the key;
 * the value's "task" must match it. Errors name the key path. */
int taskdef_parse(const char *text, const char *key_task_id, struct task_def **out,
		  struct sk_err *err);
void taskdef_free(struct task_def *td);
/* True when both ask for the same containers (a change of desiredStatus only). */
/* A name usable as an etcd key component and a container id: letters,
 * digits, '-', '_', '.', not starting with '.', shorter than MAX. */
int taskdef_valid_name(const char *s, size_t max);
int taskdef_same_containers(const struct task_def *a, const struct task_def *b);

#endif
