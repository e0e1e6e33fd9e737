/* The scheduler's picture of the cluster: compact records indexed by id
 * and name, kept up to date from the watch one event at a time. Each key's
 * JSON is parsed once, when it changes; what a pass needs is then at hand
 * without parsing or scanning, and assignments (which carry a whole task
 * definition) are held as a revision and a flag, not as text. */
#ifndef SK_CTL_CLUSTER_H
#define SK_CTL_CLUSTER_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <time.h>

#include "etcd.h"
#include "hmap.h"

/* An interned name (node id, service name, task definition reference)
 * and the record of that name when there is one. */
struct sym {
	char *name;
	int refs;
	void *obj;
};

struct c_node {
	struct sym *id;
	int64_t rev;	  /* mod revision of nodes/<id>; 0: no record (lease gone) */
	int64_t meta_rev; /* of nodemeta/<id>; 0: none */
	int draining;
	int64_t cpu, memory;
	cJSON *labels;
	cJSON *attributes; /* built in: {"ecs.cpu-architecture":"x86_64",...} */
	cJSON *os;	   /* {"version","previous","update":{...}} or NULL */
	/* a pass's accounting */
	int64_t used_cpu, used_mem;
	int ntasks;
	int cand; /* index among the pass's candidates, -1 if none */
};

enum c_status { ST_NONE, ST_ACTIVE, ST_RUNNING, ST_STOPPED };

struct c_task {
	char *id;
	int64_t rev;
	char *rec; /* the record's JSON text */
	size_t rec_len;
	struct sym *taskdef, *service, *node; /* NULL when absent */
	int stopped;			      /* desiredStatus STOPPED */
	time_t created, stopped_at;
	/* assign/<node>/<id> and status/<node>/<id> for its node */
	int64_t assign_rev; /* 0: none */
	int assign_stopped;
	enum c_status status;
	char *stop_reason; /* the status's stoppedReason */
	int unhealthy;	   /* the status's healthStatus is UNHEALTHY */
	unsigned pass;	   /* the last pass that wrote it */
};

struct c_service {
	struct sym *name;
	int64_t rev;
	cJSON *rec;
	/* a pass's view: its tasks that should run */
	struct c_task **tasks;
	size_t ntasks, cap;
};

struct c_taskdef {
	struct sym *ref; /* "family:rev" */
	cJSON *rec;
	char *text; /* the JSON text, as assignments carry it */
	int64_t cpu, memory;
	size_t nsecrets; /* secrets it names (their values go in assignments) */
};

struct c_secret {
	char *name;
	char *value;
};

/* An assignment or status whose task is unknown or on another node. */
struct c_loose {
	char *key; /* "<node>/<task>" */
	int64_t rev;
	int bad; /* assignment that is not JSON */
	int stopped;
	enum c_status status;
	char *stop_reason;
	int unhealthy;
};

struct cluster {
	char prefix[256];
	size_t plen;
	struct hmap node_syms, service_syms, taskdef_syms; /* name → struct sym */
	struct hmap tasks;				   /* id → struct c_task */
	struct hmap loose_assigns, loose_statuses;	   /* key → struct c_loose */
	struct hmap secrets;				   /* name → struct c_secret */
	size_t nnodes;
	/* rollout/current (rollout.h), NULL when none */
	cJSON *rollout;
	int64_t rollout_rev;
	/* leader/scheduler */
	int64_t leader_create_rev, leader_lease;
	int64_t revision; /* everything up to here is in */
	int ready;	  /* a listing is complete */
};

void cluster_init(struct cluster *c, const char *prefix);
void cluster_free(struct cluster *c);
/* Forgets everything (a new listing follows). */
void cluster_clear(struct cluster *c);
/* One key put (or deleted) at its mod revision. -1: out of memory. */
int cluster_apply(struct cluster *c, const struct etcd_kv *kv, int deleted);

/* model_task_active's rule: holds resources on its node. */
int c_task_active(const struct c_task *t);
/* The value of a secret in the cluster's store, NULL if none (a lookup
 * for task_secrets_from; ctx is the cluster). */
const char *cluster_secret(void *ctx, const char *name);

#endif
