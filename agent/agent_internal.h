/* The agent's state, shared by its files: the loop (agent.c), registration
 * and lease (register.c), the assignment watch (watch.c), the task state
 * machine (tasks.c, the only writer of a task's state), its containers'
 * (containers.c: dependencies, start order, stop order, restarts, their
 * state read back from the runtime), health checks (health.c), host ports
 * (ports.c), workers (worker.c: child processes and how they ended),
 * adoption after a restart (reconcile.c) and the log (agent_log.c).
 * Calls go one way, from the loop down: no file calls back into one that
 * calls it. Everything but watch.c runs on the main thread. */
#ifndef AGENT_INTERNAL_H
#define AGENT_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "agent_config.h"
#include "agent_log.h"
#include "driver.h"
#include "etcd.h"
#include "task.h"

#define AGENT_MAX_TASKS 128

struct watch_msg;
struct agent;
struct api_server;

/* A process the agent keeps running beside its loop (helpers.c). */
struct helper {
	const char *name;
	pid_t (*spawn)(struct agent *a, struct sk_err *err);
	pid_t pid;
	int64_t started_at, restart_at;
	unsigned backoff_ms;
	int wanted;
};
enum { HELPER_API, HELPER_LOGSHIP, HELPER_COUNT };

struct agent {
	const struct agent_config *cfg;
	struct etcd *kv; /* main thread's client */
	struct driver *drv;
	char prefix[80];      /* /skiff/<cluster>/ */
	char assign_pfx[256]; /* /skiff/<cluster>/assign/<node>/ */
	char update_key[256]; /* /skiff/<cluster>/updates/<node> */
	int64_t lease;
	char addresses[512]; /* as last registered */
	int registered;
	int reachable;
	int64_t next_keepalive, next_register, next_reconcile, next_log_sweep;
	int synced;   /* the first assignment listing has been applied */
	int stopping; /* shutdown requested */
	int revoked;  /* etcd refused the node's credentials: stopping for good */
	int64_t shutdown_deadline;
	int sigfd;
	/* watch thread -> main thread */
	pthread_t watch_thread;
	struct etcd *watch_kv;
	struct etcd *update_kv; /* the updates/<node> watch's client */
	pthread_mutex_t q_lock;
	struct watch_msg *q_head, *q_tail;
	int q_pipe[2];
	struct task tasks[AGENT_MAX_TASKS];
	struct api_server *api; /* NULL: no node API */
	struct helper helpers[HELPER_COUNT];
	unsigned snapshot_sum; /* the task versions the last snapshot had */
};

/* register.c */
int register_node(struct agent *a, struct sk_err *err);
void register_keepalive(struct agent *a);
void register_revoke(struct agent *a);
/* Writes the node record again (the OS update state changed). */
void register_refresh(struct agent *a);
/* agent.c: etcd refused the node's credentials; stops every task, then exits. */
void agent_credentials_refused(struct agent *a, const struct sk_err *err);

/* watch.c: the assignments, and the node's updates/<node> key, each
 * watched by a thread of its own */
int watch_start(struct agent *a, struct sk_err *err);
/* Applies what the watch thread queued. */
void watch_drain(struct agent *a);

/* tasks.c */
struct task *tasks_find(struct agent *a, const char *id);
void tasks_transition(struct agent *a, struct task *t, enum task_state s, enum stop_reason r);
/* Starts stopping a task (ordered, with grace periods). */
void tasks_begin_stop(struct agent *a, struct task *t, enum stop_reason r);
struct task *tasks_add(struct agent *a, const char *id);
void tasks_assign(struct agent *a, const char *id, const char *value);
void tasks_unassign(struct agent *a, const char *id);
/* Advances one task as far as it can go now. */
void tasks_step(struct agent *a, struct task *t);
void tasks_step_all(struct agent *a);
/* A worker ended (worker_reaped): its task or container takes the outcome. */
struct worker_outcome;
void tasks_worker_done(struct agent *a, const struct worker_outcome *o);
/* The task of a container a previous agent left (reconcile.c). */
struct task *tasks_adopt(struct agent *a, const char *id);
/* Writes a task's status when etcd does not have the latest. */
void tasks_report(struct agent *a, struct task *t);
void tasks_report_all(struct agent *a, int force);
int tasks_all_stopped(const struct agent *a);
/* When a task next has something to do on time (a health check to start or
 * time out, a grace period to end); INT64_MAX if nothing. */
int64_t tasks_next_due(const struct agent *a);

/* containers.c */
/* Starts the containers whose dependencies are met; 1 once none waits or
 * starts any more, -1 when the task cannot start (t->detail says why). */
int containers_start_ready(struct agent *a, struct task *t);
/* A running container ended: restarts it when its restartPolicy says so;
 * 1 when it did. */
int containers_restart(struct agent *a, struct task *t, struct task_container *c);
/* Stops the containers in reverse dependency order (SIGTERM, SIGKILL after
 * each one's stopTimeout); 1 once all have stopped. */
int containers_stop_step(struct agent *a, struct task *t);
int containers_busy(const struct task *t); /* a worker or probe still runs */
/* Every container waits for its dependencies again (the task is prepared). */
void containers_reset(struct task *t);
/* A start worker ended: the container runs (at the address MSG) or not
 * (MSG says why: -1). */
int containers_started(struct agent *a, struct task *t, struct task_container *c, int ok,
		       const char *msg);
/* Refreshes the container states of running and stopping tasks from the
 * runtime. */
void containers_poll(struct agent *a, struct task *t);

/* health.c */
/* Starts due checks, times out late ones. */
void health_step(struct agent *a, struct task *t);
/* A check ended, OK or not (a check killed for taking too long is not). */
void health_result(struct agent *a, struct task *t, struct task_container *c, int ok);

/* ports.c */
/* Host ports of the task's mappings: static ones as given, dynamic ones
 * picked free on the node; refused when another task holds one. */
int ports_allocate(struct agent *a, struct task *t, struct sk_err *err);
/* Kept in the task's directory for a restarted agent. */
void ports_save(struct agent *a, const struct task *t);
void ports_load(struct agent *a, struct task *t);
/* The saved form: lines "container proto containerPort hostPort"; reads
 * at most MAX bindings, up to the first that is not four numbers. */
size_t ports_parse(const char *text, struct port_binding *out, size_t max);

/* worker.c: child processes, each for one job and reaped by the loop. */
int worker_prepare(struct agent *a, struct task *t, struct sk_err *err);
int worker_start(struct agent *a, struct task *t, struct task_container *c, struct sk_err *err);
int worker_probe(struct agent *a, struct task *t, struct task_container *c, struct sk_err *err);
/* Deletes the task's containers and what they shared. */
int worker_stop(struct agent *a, struct task *t, struct sk_err *err);
/* What the stop worker does, for when none can be started. */
int worker_remove_task(struct agent *a, const struct task *t);
enum worker_kind { WORKER_PREPARE, WORKER_START, WORKER_PROBE, WORKER_STOP };
struct worker_outcome {
	enum worker_kind kind;
	struct task *t;
	struct task_container *c; /* START, PROBE */
	int ok;			  /* the job succeeded (a probe: the check passed) */
	int wstatus;
	char msg[1100]; /* PREPARE, START: what failed, or the address */
};
/* Which worker PID was and how it ended (its slot is cleared); 0 if it
 * was none of them. */
int worker_reaped(struct agent *a, pid_t pid, int wstatus, struct worker_outcome *o);

/* helpers.c */
void helpers_init(struct agent *a);
/* Starts the log shipper if it is not running yet. */
void helpers_want_logship(struct agent *a);
/* A child ended: 1 if it was a helper (restarted later). */
int helpers_reaped(struct agent *a, pid_t pid, int wstatus);
void helpers_tick(struct agent *a);
int64_t helpers_next(const struct agent *a, int64_t next);
void helpers_stop(struct agent *a);

/* snapshot.c: <run>/agent/tasks.json, the tasks as last reported, for the
 * node API; rewritten when a task changed. Also starts the log shipper
 * when a task ships its logs. */
void snapshot_update(struct agent *a);

/* reconcile.c */
/* Finds containers left by a previous agent and adopts them as tasks. */
int reconcile_adopt(struct agent *a, struct sk_err *err);

#endif
