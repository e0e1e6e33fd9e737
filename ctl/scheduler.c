/* skiffctl scheduler: a watch thread keeps the snapshot of the cluster
 * prefix (list+watch, relisting after compaction); the main thread runs
 * the election and, as leader, reconciles whenever the snapshot changed
 * (and at least every second, for backoff timers and retries). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scheduler.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = sig;
}

void sched_log(const struct sched *s, const char *fmt, ...)
{
	char now[32];
	va_list ap;
	ctl_now_rfc3339(now, sizeof now);
	fprintf(stderr, "%s skiffctl scheduler[%s]: ", now, s->id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- watch thread ---- */

struct watcher {
	struct sched *s;
	struct etcd *etcd;
};

static int w_reset(void *ctx, const struct etcd_kv *kvs, size_t n, int64_t rev, struct sk_err *err)
{
	struct snapshot *sn = &((struct watcher *)ctx)->s->snap;
	pthread_mutex_lock(&sn->lock);
	int rc = snapshot_reset(sn, kvs, n, rev);
	pthread_mutex_unlock(&sn->lock);
	if (rc < 0)
		return sk_fail(err, ENOMEM, "snapshot");
	sched_log(((struct watcher *)ctx)->s, "listed %zu keys at revision %lld", n,
		  (long long)rev);
	return 0;
}

static int w_event(void *ctx, const struct etcd_event *ev, int64_t rev, struct sk_err *err)
{
	struct snapshot *sn = &((struct watcher *)ctx)->s->snap;
	pthread_mutex_lock(&sn->lock);
	int rc = snapshot_apply(sn, ev);
	pthread_mutex_unlock(&sn->lock);
	return rc < 0 ? sk_fail(err, ENOMEM, "snapshot") : 0;
}

static int w_synced(void *ctx, int64_t rev, struct sk_err *err)
{
	struct snapshot *sn = &((struct watcher *)ctx)->s->snap;
	pthread_mutex_lock(&sn->lock);
	if (rev > sn->revision)
		sn->revision = rev;
	pthread_cond_signal(&sn->changed);
	pthread_mutex_unlock(&sn->lock);
	return 0;
}

static void w_trouble(void *ctx, int code, const struct sk_err *err)
{
	struct sched *s = ((struct watcher *)ctx)->s;
	sched_log(s, "%s: %s", code == ETCD_ECOMPACTED ? "watch compacted, relisting" : "watch",
		  err->msg);
}

static void *watch_main(void *arg)
{
	struct watcher *w = arg;
	struct etcd_sync_ops ops = {
	    .reset = w_reset, .event = w_event, .synced = w_synced, .trouble = w_trouble};
	struct sk_err err = {0};
	for (;;) {
		int rc = etcd_sync(w->etcd, w->s->ctl->prefix, &ops, w, &err);
		sched_log(w->s, "watch stopped (%d): %s; retrying", rc, err.msg);
		sleep(1);
	}
	return NULL;
}

/* ---- main loop ---- */

static int wait_change(struct sched *s, int ms)
{
	struct snapshot *sn = &s->snap;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	pthread_mutex_lock(&sn->lock);
	while (!sn->dirty && !stopping)
		if (pthread_cond_timedwait(&sn->changed, &sn->lock, &ts) == ETIMEDOUT)
			break;
	int dirty = sn->dirty;
	sn->dirty = 0;
	pthread_mutex_unlock(&sn->lock);
	return dirty;
}

/* Builds the model from the snapshot; 0 when the snapshot is not usable yet. */
static int snapshot_model(struct sched *s, struct model *m, struct sk_err *err)
{
	struct snapshot *sn = &s->snap;
	pthread_mutex_lock(&sn->lock);
	int ready = sn->ready;
	int rc = ready ? model_build(m, s->ctl->prefix, sn->kvs, sn->n, sn->revision, err) : 0;
	pthread_mutex_unlock(&sn->lock);
	if (rc < 0)
		return rc;
	return ready;
}

static void step(struct sched *s)
{
	struct model m;
	struct sk_err err = {0};
	int ready = snapshot_model(s, &m, &err);
	if (ready <= 0) {
		if (ready < 0)
			sched_log(s, "%s", err.msg);
		return;
	}
	int was_leader = s->leader;
	if (election_step(s, &m, &err) < 0)
		sched_log(s, "election: %s", err.msg);
	if (s->leader && !was_leader)
		s->min_rev = s->fence; /* act only on a snapshot that shows our key */
	if (s->leader && m.revision >= s->min_rev)
		reconcile(s, &m, &err);
	model_free(&m);
}

static int run(struct sched *s, struct sk_err *err)
{
	struct watcher w = {.s = s};
	pthread_t th;
	int rc = etcd_dup(s->ctl->etcd, &w.etcd, err);
	if (rc < 0)
		return rc;
	if ((rc = pthread_create(&th, NULL, watch_main, &w)) != 0)
		return sk_fail(err, rc, "watch thread");
	sched_log(s, "started (lease TTL %d s)", s->ttl_s);
	while (!stopping) {
		wait_change(s, 250);
		step(s);
	}
	election_resign(s);
	sched_log(s, "stopped");
	return 0; /* the watch thread ends with the process */
}

static int usage(FILE *f)
{
	fputs("usage: skiffctl scheduler [--id ID] [--ttl SECONDS] [--retention SECONDS]\n"
	      "  Runs a scheduler replica; one replica is elected leader through the lease\n"
	      "  on leader/scheduler and places tasks and keeps services at their count.\n"
	      "  --id ID          replica name (default: hostname-pid)\n"
	      "  --ttl SECONDS    leader lease TTL (default 5, at least 2)\n"
	      "  --retention SEC  stopped tasks are deleted after (default 3600)\n",
	      f);
	return f == stdout ? 0 : CTL_EUSAGE;
}

int cmd_scheduler(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	static struct sched s;
	long ttl = 5, retention = 3600;
	char host[64] = "scheduler";
	gethostname(host, sizeof host - 1);
	snprintf(s.id, sizeof s.id, "%s-%d", host, (int)getpid());
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (ctl_is_help(argv[i]))
			return usage(stdout);
		if (strcmp(argv[i], "--id") == 0 && v)
			snprintf(s.id, sizeof s.id, "%s", v);
		else if (strcmp(argv[i], "--ttl") == 0 && v) {
			if (ctl_parse_count("--ttl", v, &ttl, err) < 0)
				return CTL_EUSAGE;
		} else if (strcmp(argv[i], "--retention") == 0 && v) {
			if (ctl_parse_count("--retention", v, &retention, err) < 0)
				return CTL_EUSAGE;
		} else
			return usage(stderr),
			       ctl_usage_error(err, "scheduler: bad argument `%s`", argv[i]);
		i++;
	}
	if (ttl < 2)
		return ctl_usage_error(err, "--ttl: at least 2 seconds");
	int rc = ctl_connect(c, err);
	if (rc < 0)
		return rc;
	s.ctl = c;
	s.ttl_s = (int)ttl;
	s.retention_ms = retention * 1000;
	s.seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	pthread_mutex_init(&s.snap.lock, NULL);
	pthread_cond_init(&s.snap.changed, NULL);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return run(&s, err);
}
