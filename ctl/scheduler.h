/* skiffctl scheduler: a replica keeps a watched snapshot of the cluster
 * prefix; the replica holding leader/scheduler reconciles it. */
#ifndef SK_CTL_SCHEDULER_H
#define SK_CTL_SCHEDULER_H

#include <pthread.h>

#include "ctl.h"
#include "model.h"

struct snapshot {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct etcd_kv *kvs; /* sorted by key */
	size_t n, cap;
	int64_t revision; /* everything up to here is in */
	int ready;	  /* listed at least once */
	int dirty;
	int resets;
};

struct svc_backoff {
	char name[256];
	int failures;
	int64_t next_ms;       /* no new task before */
	int64_t healthy_since; /* all desired tasks RUNNING since */
};

struct sched {
	struct ctl *ctl;
	char id[128];
	int ttl_s;
	int64_t lease;
	int64_t last_keepalive_ms, last_ok_ms;
	int leader;
	int64_t fence;	      /* create revision of our leader key */
	int64_t min_rev;      /* our last write: reconcile only on a snapshot this new */
	int64_t retention_ms; /* stopped tasks are deleted after */
	unsigned seed;
	struct snapshot snap;
	struct svc_backoff *backoff;
	size_t nbackoff;
	int64_t last_campaign_ms;
	int64_t last_placement_log_ms;
};

/* snapshot.c */
int snapshot_reset(struct snapshot *s, const struct etcd_kv *kvs, size_t n, int64_t rev);
int snapshot_apply(struct snapshot *s, const struct etcd_event *ev);
void snapshot_free(struct snapshot *s);

/* election.c: keeps the lease alive and campaigns; updates s->leader. */
int election_step(struct sched *s, const struct model *m, struct sk_err *err);
void election_resign(struct sched *s);

/* reconcile.c: one pass of the leader over the model. */
int reconcile(struct sched *s, const struct model *m, struct sk_err *err);

/* Logs "skiffctl scheduler[ID]: ..." on stderr. */
void sched_log(const struct sched *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
