/* The leader's writes in batches. A pass hands over units, each the
 * compares and operations of one change that must go together (place a
 * task: its record and its assignment, guarded by the revisions they were
 * decided on). Units are packed into transactions up to etcd's limits
 * (128 compares, 128 operations, a byte budget), each also guarded by the
 * fence, and a few writer threads run them in parallel, each on its own
 * connection, while the pass goes on deciding and after it let go of the
 * picture (so the watch is never held up by writes). A transaction whose fence
 * compare fails stops the whole pass at once; one whose other compares fail
 * changes nothing, and the next pass decides again on newer state. */
#ifndef SK_CTL_BATCH_H
#define SK_CTL_BATCH_H

#include <pthread.h>
#include <stdint.h>

#include "ctl.h"

#define UNIT_MAX 3

struct unit {
	struct etcd_cmp cmp[UNIT_MAX];
	size_t ncmp;
	struct etcd_op op[UNIT_MAX];
	size_t nop;
	/* Keys are copied; put values are taken over (malloc'd, NULL when out
	 * of memory: the unit is dropped). An op whose value is NULL and
	 * whose key is rewrite_assign gets the assignment as it is in etcd with
	 * desiredStatus STOPPED (the scheduler does not keep assignments). */
	const char *rewrite_assign;
	size_t rewrite_bytes;	    /* about how long that assignment is */
	char log[256];		    /* logged once applied, when not empty */
	const char *failed_service; /* a task of it failed: told once applied */
};

struct batch;

struct batcher {
	struct ctl *ctl;
	const char *who; /* for log lines */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *open;		  /* being filled (main thread only) */
	struct batch *queue, *queue_tail; /* waiting for a writer */
	size_t queued, busy;
	size_t nwriters;
	struct etcd **clients;
	char fence_key[KEY_MAX];
	int64_t fence;
	const int64_t *leading;	   /* the fence we lead under now, 0 if none (atomic) */
	size_t max_ops, max_bytes; /* per transaction; halved if etcd refuses */
	/* what the pass's writes did */
	int64_t max_rev; /* newest revision a transaction saw */
	int fence_lost;
	int uncertain;	  /* a transaction's outcome is unknown (no answer) */
	size_t applied;	  /* changes that went through */
	size_t conflicts; /* in transactions whose compares failed: nothing done */
	size_t unknown;	  /* in transactions that got no answer */
	size_t unsent;	  /* dropped once the fence was lost */
	size_t txns;
	char **failed_services;
	size_t nfailed;
};

/* Starts nwriters threads, each with a client of c's family. A batch is
 * sent only while *leading still holds the pass's fence. */
int batcher_start(struct batcher *b, struct ctl *c, const char *who, const int64_t *leading,
		  size_t nwriters, struct sk_err *err);
/* A pass begins: every transaction will be fenced by fence. */
void batcher_begin(struct batcher *b, int64_t fence);
/* Queues a unit; -1 when the pass must stop (the fence was lost). A
 * queued unit holds copies of all it needs: the pass may let go of the
 * picture it decided on while its writes are under way. The queue is not
 * bounded; the pass is (sched's pass_max). */
int batcher_add(struct batcher *b, struct unit *u);
/* Hands the last, partly filled transaction to the writers. */
void batcher_submit(struct batcher *b);
/* Sends what is left and waits for every writer. */
void batcher_end(struct batcher *b);

#endif
