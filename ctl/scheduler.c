/* skiffctl scheduler: a watch thread keeps the cluster's picture
 * (list+watch by pages, relisting after compaction, moving to another
 * member when its member stops answering); the lease thread keeps the
 * lease and campaigns; the main thread, while leading, runs a pass
 * whenever the picture changed and shows every write of the pass before
 * (and at least every 250 ms, for backoff timers and retries). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scheduler.h"
#include "clock.h"
#include "join.h"
#include "token.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = sig;
}

void sched_log_lines(const char *id, const char *text)
{
	char now[32];
	sk_now_rfc3339(now, sizeof now, 0);
	flockfile(stderr);
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(stderr, "%s skiffctl scheduler[%s]: %.*s\n", now, id, (int)n, p);
		p += n + (p[n] == '\n');
	}
	funlockfile(stderr);
}

void sched_log(const struct sched *s, const char *fmt, ...)
{
	char line[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sched_log_lines(s->id, line);
}

/* ---- watch thread ---- */

struct watcher {
	struct sched *s;
	struct etcd *etcd;
	size_t listed;
};

static void changed(struct sched *s)
{
	__atomic_store_n(&s->leader_seen, s->cl.leader_create_rev, __ATOMIC_RELEASE);
	s->dirty = 1;
	pthread_cond_signal(&s->changed);
}

static int apply_kvs(struct watcher *w, const struct etcd_kv *kvs, size_t n, struct sk_err *err)
{
	struct sched *s = w->s;
	int rc = 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cluster_apply(&s->cl, &kvs[i], 0);
	pthread_mutex_unlock(&s->lock);
	w->listed += n;
	return rc < 0 ? sk_fail(err, ENOMEM, "cluster picture") : 0;
}

static int w_reset(void *ctx, const struct etcd_kv *kvs, size_t n, int64_t rev, struct sk_err *err)
{
	struct watcher *w = ctx;
	pthread_mutex_lock(&w->s->lock);
	cluster_clear(&w->s->cl);
	pthread_mutex_unlock(&w->s->lock);
	w->listed = 0;
	return apply_kvs(w, kvs, n, err);
}

static int w_more(void *ctx, const struct etcd_kv *kvs, size_t n, struct sk_err *err)
{
	return apply_kvs(ctx, kvs, n, err);
}

static int w_event(void *ctx, const struct etcd_event *ev, int64_t rev, struct sk_err *err)
{
	struct sched *s = ((struct watcher *)ctx)->s;
	pthread_mutex_lock(&s->lock);
	int rc = cluster_apply(&s->cl, &ev->kv, ev->type == ETCD_EV_DELETE);
	pthread_mutex_unlock(&s->lock);
	return rc < 0 ? sk_fail(err, ENOMEM, "cluster picture") : 0;
}

static int w_synced(void *ctx, int64_t rev, struct sk_err *err)
{
	struct watcher *w = ctx;
	struct sched *s = w->s;
	pthread_mutex_lock(&s->lock);
	if (rev > s->cl.revision)
		s->cl.revision = rev;
	int first = !s->cl.ready;
	s->cl.ready = 1;
	changed(s);
	pthread_mutex_unlock(&s->lock);
	if (first)
		sched_log(s, "listed %zu keys at revision %lld", w->listed, (long long)rev);
	return 0;
}

static void w_trouble(void *ctx, const struct sk_err *err)
{
	struct sched *s = ((struct watcher *)ctx)->s;
	sched_log(s, "%s: %s",
		  err->cls == SK_ERR_COMPACTED ? "watch compacted, relisting" : "watch", err->msg);
}

static void *watch_main(void *arg)
{
	struct watcher *w = arg;
	struct etcd_sync_ops ops = {.reset = w_reset,
				    .more = w_more,
				    .event = w_event,
				    .synced = w_synced,
				    .trouble = w_trouble,
				    .liveness_ms = w->s->ttl_s * 1000};
	struct sk_err err = {0};
	for (;;) {
		int rc = etcd_sync(w->etcd, w->s->ctl->prefix, &ops, w, &err);
		sched_log(w->s, "watch stopped (%d): %s; retrying", rc, err.msg);
		sleep(1);
	}
	return NULL;
}

/* ---- main loop ---- */

static void wait_change(struct sched *s, int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	while (!s->dirty && !stopping)
		if (pthread_cond_timedwait(&s->changed, &s->lock, &ts) == ETIMEDOUT)
			break;
	s->dirty = 0;
}

/* Starts a pass when leading on a picture that shows our last writes;
 * 1 when one started. Called with the lock held. */
static int step(struct sched *s)
{
	int64_t fence = election_fence(s);
	if (fence != s->acting_fence) {
		s->acting_fence = fence;
		if (fence > s->min_rev)
			s->min_rev = fence; /* act only on a picture that shows our key */
	}
	if (!fence || !s->cl.ready || s->cl.revision < s->min_rev)
		return 0;
	/* the picture may lag our own key, but never shows someone else's
	 * key before ours is gone */
	if (s->cl.leader_create_rev && s->cl.leader_create_rev != fence &&
	    s->cl.revision >= fence) {
		election_step_down(s, "another replica holds leader/scheduler");
		return 0;
	}
	return reconcile(s) == 0;
}

/* A write with no answer may still have been applied: the next pass waits
 * for a picture at least as new as etcd is now. */
static void catch_up(struct sched *s)
{
	char key[KEY_MAX];
	struct etcd_kv kv;
	struct sk_err err = {0};
	int64_t rev = 0;
	if (etcd_get(s->ctl->etcd, ctl_key(s->ctl, key, "leader/scheduler"), &kv, &rev, &err) < 0)
		return;
	etcd_kv_clear(&kv);
	pthread_mutex_lock(&s->lock);
	if (rev > s->min_rev)
		s->min_rev = rev;
	s->batch.uncertain = 0;
	pthread_mutex_unlock(&s->lock);
}

#define PRUNE_EVERY_MS 30000

/* The leader answers join requests, once a second at most, and revokes
 * expired tokens every PRUNE_EVERY_MS (etcd has no expiring users: an
 * expired token's join user would last until someone prunes it; the
 * approver refuses its requests meanwhile). Outside the lock: it talks to
 * etcd on the replica's own connection, as root. */
static void approve_joins(struct sched *s)
{
	struct sk_err err = {0};
	int refused = 0;
	int64_t now = sk_now_ms();
	if (!s->approve_ca_dir || !election_fence(s) || now - s->approved_ms < 1000)
		return;
	s->approved_ms = now;
	if (join_approve(s->ctl, NULL, s->approve_ca_dir, &refused, &err) < 0)
		sched_log(s, "join approval: %s", err.msg);
	if (s->pruned_ms && now - s->pruned_ms < PRUNE_EVERY_MS)
		return;
	s->pruned_ms = now;
	int n = token_prune(s->ctl, time(NULL), &err);
	if (n < 0)
		sched_log(s, "token prune: %s", err.msg);
	else if (n > 0)
		sched_log(s, "revoked %d expired token%s (join users deleted)", n,
			  n == 1 ? "" : "s");
}

static int run(struct sched *s, struct sk_err *err)
{
	struct watcher w = {.s = s};
	pthread_t th;
	int rc = etcd_dup(s->ctl->etcd, &w.etcd, err);
	if (rc < 0 || batcher_start(&s->batch, s->ctl, s->id, &s->fence, s->writers, err) < 0)
		return rc < 0 ? rc : -1;
	if ((rc = pthread_create(&th, NULL, watch_main, &w)) != 0)
		return sk_fail(err, rc, "watch thread");
	if (election_start(s, err) < 0)
		return -1;
	sched_log(s, "started (lease TTL %d s)", s->ttl_s);
	while (!stopping) {
		pthread_mutex_lock(&s->lock);
		wait_change(s, 250);
		int ran = step(s);
		pthread_mutex_unlock(&s->lock);
		approve_joins(s);
		if (!ran)
			continue;
		batcher_end(&s->batch); /* the watch goes on meanwhile */
		pthread_mutex_lock(&s->lock);
		reconcile_settle(s);
		int uncertain = s->batch.uncertain;
		pthread_mutex_unlock(&s->lock);
		if (uncertain)
			catch_up(s);
	}
	election_resign(s);
	sched_log(s, "stopped");
	return 0; /* the watch and writer threads end with the process */
}

int scheduler_run(struct sched *s, struct ctl *c, struct sk_err *err)
{
	int rc = ctl_connect(c, err);
	if (rc < 0)
		return rc;
	s->ctl = c;
	s->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	cluster_init(&s->cl, c->prefix);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return run(s, err);
}
