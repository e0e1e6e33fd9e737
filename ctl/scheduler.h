/* skiffctl scheduler: every replica keeps the cluster's picture up to
 * date from a watch; the replica holding leader/scheduler reconciles it.
 * Threads: the watch (cluster.c updates under `lock`), the lease and
 * election (election.c, never blocked by work), the main loop running the
 * passes (reconcile.c) and the writers of their batches (batch.c). */
#ifndef SK_CTL_SCHEDULER_H
#define SK_CTL_SCHEDULER_H

#include <pthread.h>
#include <time.h>

#include "batch.h"
#include "cluster.h"
#include "ctl.h"
#include "hmap.h"

#define SCHED_DEFAULT_WRITERS  2
#define SCHED_DEFAULT_PASS_MAX 4096

struct svc_backoff {
	char *name;
	int failures;
	int64_t next_ms;       /* no new task before */
	int64_t healthy_since; /* all desired tasks RUNNING since */
};

struct sched {
	struct ctl *ctl;
	char id[128];
	int ttl_s;
	int64_t retention_ms; /* stopped tasks are deleted after */
	unsigned seed;
	int writers;	 /* writer threads */
	size_t pass_max; /* changes per pass, at most */
	/* election: the lease thread writes, the others read (atomics) */
	int64_t lease;
	int64_t fence;	     /* create revision of our leader key; 0: not leading */
	int64_t leader_seen; /* create revision of leader/scheduler as watched; 0: none */
	struct etcd *lease_etcd;
	pthread_t lease_thread;
	volatile int lease_stop;
	/* the cluster, under lock; `changed` is signalled on every update */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct cluster cl;
	int dirty;
	/* the main loop's */
	int64_t acting_fence; /* the fence the passes act under */
	int64_t min_rev;      /* our last write: a pass needs a picture this new */
	unsigned pass;
	int64_t pass_started_ms;
	struct hmap backoff; /* service name → struct svc_backoff */
	int64_t last_placement_log_ms;
	struct batcher batch;
	/* auto-approval of join requests by the leader (needs etcd's root) */
	const char *approve_ca_dir; /* NULL: off */
	int64_t approved_ms;
	int64_t pruned_ms; /* expired tokens last revoked (leader, with approval) */
};

/* Runs the replica S (its options set: id, ttl_s, retention_ms, writers,
 * pass_max) until SIGTERM or SIGINT. */
int scheduler_run(struct sched *s, struct ctl *c, struct sk_err *err);

/* election.c: the lease's own thread (keepalive on its timer, whatever the
 * passes do) and the campaign for leader/scheduler. */
int election_start(struct sched *s, struct sk_err *err);
/* Stops leading at once (idempotent); why is logged. */
void election_step_down(struct sched *s, const char *why);
/* The fence while leading, else 0. */
int64_t election_fence(struct sched *s);
/* Stops the thread and revokes the lease. */
void election_resign(struct sched *s);

/* reconcile.c: one pass of the leader over the picture: decides with the
 * lock held and hands its writes to the batcher (-1: no pass). Then,
 * without the lock, batcher_end() waits for them, and reconcile_settle()
 * (lock held) takes in what they did. */
int reconcile(struct sched *s);
void reconcile_settle(struct sched *s);

/* rollout_drive.c: one step of the rollout at rollout/current, if any:
 * 1 when w->u holds it (the document, guarded by its revision, and what
 * the step writes: nodemeta/, updates/). */
struct rollout_write {
	struct unit u;
	char keys[UNIT_MAX][KEY_MAX];
	char rollout_key[KEY_MAX];
};
int rollout_drive(struct sched *s, struct cluster *c, time_t now, struct rollout_write *w);

/* Logs "TIME skiffctl scheduler[ID]: ..." on stderr. */
void sched_log(const struct sched *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs each line of text so. */
void sched_log_lines(const char *id, const char *text);

#endif
