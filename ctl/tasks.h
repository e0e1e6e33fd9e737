/* Writes to task records and assignments, each one etcd transaction
 * guarded by the revisions it was decided on (and, for the scheduler, by
 * its leadership: fence is the create revision of leader/scheduler). */
#ifndef SK_CTL_TASKS_H
#define SK_CTL_TASKS_H

#include "ctl.h"
#include "model.h"

/* The records, as the JSON text written to etcd (malloc'd; NULL when out
 * of memory). Shared by the CLI and the scheduler so both write the same. */
/* tasks/<id> of a new task: RUNNING, created now, on node when not NULL. */
char *task_record_new(const char *id, const char *taskdef, const char *service, const char *node);
/* rec with its node set. */
char *task_record_placed(const cJSON *rec, const char *node);
/* rec with desiredStatus STOPPED, and stoppedReason and stoppedAt (now)
 * unless it has them already. */
char *task_record_stopped(const cJSON *rec, const char *reason);
/* assign/<node>/<id>: the task definition's JSON text, desired RUNNING,
 * and the values of its secrets ({"name":"value"}) unless NULL. */
char *assign_record_new(const char *task, const char *taskdef_json, const cJSON *secrets);
/* An assignment with desiredStatus STOPPED. */
char *assign_record_stopped(const cJSON *assign);

/* Creates a PENDING task (no node). Writes its id (33 bytes). Returns the
 * revision (> 0), 0 if the fence failed, < 0 on error. */
int64_t task_create(struct ctl *c, const char *taskdef, const char *service, int64_t fence,
		    char id[33], struct sk_err *err);
/* Marks a task STOPPED with reason; its assignment gets desiredStatus
 * STOPPED, or is deleted when drop_assign (node gone, or stop reported). */
int64_t task_stop(struct ctl *c, const struct m_task *t, const char *reason, int drop_assign,
		  int64_t fence, struct sk_err *err);
/* Places a pending task on a node (guarded by the task's and the node's
 * revisions and by the assignment not existing). SECRETS ({"name":
 * "value"}, or NULL) go into the assignment, which only that node reads. */
int64_t task_place(struct ctl *c, const struct m_task *t, const struct m_node *n,
		   const cJSON *secrets, int64_t fence, struct sk_err *err);
/* The values of the secrets the task definition TD names, from the
 * cluster's store: 0 with *OUT set (NULL when it names none), or -1 with
 * the first missing name in MISSING. */
int task_secrets(const struct model *m, const cJSON *td, cJSON **out, char *missing, size_t size);
/* The same with the store behind lookup (NULL: no such secret). */
int task_secrets_from(const cJSON *td, const char *(*lookup)(void *ctx, const char *name),
		      void *ctx, cJSON **out, char *missing, size_t size);
/* Deletes a key if its mod_revision is still rev (any when 0) and the fence holds. */
int64_t key_delete_if(struct ctl *c, const char *key, int64_t rev, int64_t fence,
		      struct sk_err *err);

#endif
