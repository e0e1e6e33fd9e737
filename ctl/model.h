/* The cluster as records: nodes, services, tasks (with their assignment
 * and reported status), task definitions, built from the keys under
 * /skiff/<cluster>/ (a snapshot from the scheduler's watch or one range). */
#ifndef SK_CTL_MODEL_H
#define SK_CTL_MODEL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "etcd.h"

struct m_node {
	char *id;
	cJSON *rec;	  /* nodes/<id>, NULL when the node's lease is gone */
	int64_t rev;	  /* mod_revision of nodes/<id> */
	cJSON *meta;	  /* nodemeta/<id> or NULL */
	int64_t meta_rev; /* mod_revision of nodemeta/<id>, 0 if absent */
	int draining;
	int64_t cpu, memory;	    /* capacity */
	int64_t used_cpu, used_mem; /* by tasks placed on it that still run */
	int ntasks;
};

struct m_task {
	char *id;
	cJSON *rec;
	int64_t rev;
	const char *taskdef, *service, *node, *desired; /* "" when absent */
	const cJSON *td;				/* the task definition, NULL if unknown */
	int64_t cpu, memory;				/* from the task definition */
	cJSON *assign; /* assign/<node>/<id> for its node, or NULL */
	int64_t assign_rev;
	cJSON *status;		 /* status/<node>/<id> for its node, or NULL */
	const char *last_status; /* status.status or "" */
};

struct m_service {
	char *name;
	cJSON *rec;
	int64_t rev;
};

struct m_taskdef {
	char *ref; /* "family:rev" */
	cJSON *rec;
};

struct m_secret {
	char *name;
	cJSON *rec; /* {"name","value","updatedAt"} */
};

/* a key no record owns any more (assignment of a deleted task, ...) */
struct m_orphan {
	char *key;
	int64_t rev;
};

struct model {
	struct m_node *nodes;
	size_t nnodes;
	struct m_task *tasks;
	size_t ntasks;
	struct m_service *services;
	size_t nservices;
	struct m_taskdef *taskdefs;
	size_t ntaskdefs;
	struct m_secret *secrets;
	size_t nsecrets;
	struct m_orphan *orphans;
	size_t norphans;
	char *leader; /* value of leader/scheduler or NULL */
	int64_t leader_create_rev, leader_lease;
	int64_t revision;
};

/* kvs need not be sorted; prefix is "/skiff/<cluster>/". */
int model_build(struct model *m, const char *prefix, const struct etcd_kv *kvs, size_t n,
		int64_t revision, struct sk_err *err);
void model_free(struct model *m);

struct m_node *model_node(const struct model *m, const char *id);
struct m_task *model_task(const struct model *m, const char *id);
struct m_service *model_service(const struct model *m, const char *name);
const cJSON *model_taskdef(const struct model *m, const char *ref);
/* The value of secret NAME, NULL if there is none. */
const char *model_secret(const struct model *m, const char *name);
/* A task still holds resources on its node when it should run or has not
 * been reported stopped yet. */
int model_task_active(const struct m_task *t);

#endif
