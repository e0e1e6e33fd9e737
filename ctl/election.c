/* Leader election. The lease lives on a thread of its own with its own
 * connection and is renewed every third of the TTL whatever the passes are
 * doing (renewing between passes let a long pass outlive the lease). A
 * replica becomes leader by creating leader/scheduler under its lease
 * (txn: create_revision == 0); the key vanishes with the lease when a
 * leader dies, and followers campaign as soon as their watch sees it go.
 * The key's create revision is the fence of every write. A leader steps
 * down at once when etcd says the lease is gone, or when no renewal went
 * through for a whole TTL counted from when the last good one was sent
 * (never later than etcd itself can let it go). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "scheduler.h"
#include "clock.h"

#define RETRY_MS 250

int64_t election_fence(struct sched *s)
{
	return __atomic_load_n(&s->fence, __ATOMIC_ACQUIRE);
}

void election_step_down(struct sched *s, const char *why)
{
	if (__atomic_exchange_n(&s->fence, 0, __ATOMIC_ACQ_REL))
		sched_log(s, "lost leadership: %s", why);
}

struct lease_clock {
	int64_t next;	  /* next renewal */
	int64_t deadline; /* the lease may be gone from here on */
	int64_t last_campaign;
};

static void renew(struct sched *s, struct lease_clock *lc, int64_t now)
{
	struct sk_err err = {0};
	int64_t ttl = 0;
	int rc;
	if (!s->lease) {
		rc = etcd_lease_grant(s->lease_etcd, s->ttl_s, 0, &s->lease, &ttl, &err);
	} else {
		rc = etcd_lease_keepalive(s->lease_etcd, s->lease, &ttl, &err);
		if (rc < 0 && err.cls == SK_ERR_GONE) {
			s->lease = 0;
			election_step_down(s, "lease expired");
		}
	}
	if (rc < 0) {
		sched_log(s, "lease: %s", err.msg);
		lc->next = now + RETRY_MS;
		return;
	}
	lc->deadline = now + (ttl > 0 ? ttl : s->ttl_s) * 1000;
	lc->next = now + s->ttl_s * 1000 / 3;
}

static void campaign(struct sched *s, struct lease_clock *lc, int64_t now)
{
	char key[KEY_MAX];
	struct sk_err err = {0};
	if (!s->lease || election_fence(s))
		return;
	int seen = __atomic_load_n(&s->leader_seen, __ATOMIC_ACQUIRE) != 0;
	if (now - lc->last_campaign < (seen ? 1000 : 200))
		return;
	lc->last_campaign = now;
	ctl_key(s->ctl, key, "leader/scheduler");
	struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = s->id, .lease = s->lease};
	struct etcd_op get = {.type = ETCD_OP_RANGE, .key = key};
	struct etcd_txn_resp r;
	int64_t fence = 0;
	int rc = etcd_txn(s->lease_etcd, &cmp, 1, &put, 1, &get, 1, &r, &err);
	if (rc < 0) {
		sched_log(s, "campaign: %s", err.msg);
		return;
	}
	if (rc == 1)
		fence = r.revision;
	else if (r.nresps == 1 && r.resps[0].range.nkvs == 1 &&
		 r.resps[0].range.kvs[0].lease == s->lease)
		fence = r.resps[0].range.kvs[0].create_revision; /* ours already */
	etcd_txn_resp_free(&r);
	if (fence && now < lc->deadline) {
		__atomic_store_n(&s->fence, fence, __ATOMIC_RELEASE);
		sched_log(s, "became leader (lease %llx, fence %lld)", (long long)s->lease,
			  (long long)fence);
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *lease_main(void *arg)
{
	struct sched *s = arg;
	struct lease_clock lc = {0};
	while (!s->lease_stop) {
		int64_t now = sk_now_ms();
		if (now >= lc.next)
			renew(s, &lc, now);
		if (election_fence(s) && sk_now_ms() >= lc.deadline)
			election_step_down(s, "lease not renewed within its TTL");
		campaign(s, &lc, sk_now_ms());
		sleep_ms(50);
	}
	return NULL;
}

int election_start(struct sched *s, struct sk_err *err)
{
	int period = s->ttl_s * 1000 / 3;
	if (etcd_dup(s->ctl->etcd, &s->lease_etcd, err) < 0)
		return -1;
	/* a renewal that hangs must leave time for another try, elsewhere */
	etcd_set_timeout(s->lease_etcd, period < 500 ? 500 : period);
	int rc = pthread_create(&s->lease_thread, NULL, lease_main, s);
	return rc ? sk_fail(err, rc, "lease thread") : 0;
}

void election_resign(struct sched *s)
{
	struct sk_err err = {0};
	s->lease_stop = 1;
	pthread_join(s->lease_thread, NULL);
	election_step_down(s, "shutting down");
	if (s->lease && etcd_lease_revoke(s->lease_etcd, s->lease, &err) < 0)
		sched_log(s, "revoke lease: %s", err.msg);
	s->lease = 0;
	etcd_free(s->lease_etcd);
}
