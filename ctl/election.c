/* Leader election: every replica holds a lease (TTL --ttl) kept alive by
 * one POST per third of the TTL; a replica becomes leader by creating
 * leader/scheduler under its lease (txn: create_revision == 0). The key
 * vanishes with the lease when a leader dies; followers see the deletion in
 * their watched snapshot and campaign at once. The key's create revision
 * fences the leader's writes. */
#include <string.h>

#include "scheduler.h"

static void step_down(struct sched *s, const char *why)
{
	if (s->leader)
		sched_log(s, "lost leadership: %s", why);
	s->leader = 0;
	s->fence = 0;
}

static int keep_lease(struct sched *s, int64_t now, struct sk_err *err)
{
	struct etcd *e = s->ctl->etcd;
	if (!s->lease) {
		int rc = etcd_lease_grant(e, s->ttl_s, 0, &s->lease, NULL, err);
		if (rc < 0)
			return rc;
		s->last_keepalive_ms = s->last_ok_ms = now;
		return 0;
	}
	if (now - s->last_keepalive_ms < s->ttl_s * 1000 / 3)
		return 0;
	s->last_keepalive_ms = now;
	int rc = etcd_lease_keepalive(e, s->lease, NULL, err);
	if (rc == ETCD_ENOLEASE) {
		s->lease = 0;
		step_down(s, "lease expired");
		return rc;
	}
	if (rc < 0) {
		if (now - s->last_ok_ms > s->ttl_s * 1000)
			step_down(s, "etcd unreachable for longer than the lease TTL");
		return rc;
	}
	s->last_ok_ms = now;
	return 0;
}

static int campaign(struct sched *s, struct sk_err *err)
{
	char key[KEY_MAX];
	ctl_key(s->ctl, key, "leader/scheduler");
	struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = s->id, .lease = s->lease};
	struct etcd_op get = {.type = ETCD_OP_RANGE, .key = key};
	struct etcd_txn_resp r;
	int rc = etcd_txn(s->ctl->etcd, &cmp, 1, &put, 1, &get, 1, &r, err);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		s->fence = r.revision;
	} else if (r.nresps == 1 && r.resps[0].range.nkvs == 1 &&
		   r.resps[0].range.kvs[0].lease == s->lease) {
		s->fence = r.resps[0].range.kvs[0].create_revision; /* ours already */
	}
	etcd_txn_resp_free(&r);
	if (s->fence) {
		s->leader = 1;
		sched_log(s, "became leader (lease %llx, fence %lld)", (long long)s->lease,
			  (long long)s->fence);
	}
	return 0;
}

int election_step(struct sched *s, const struct model *m, struct sk_err *err)
{
	int64_t now = ctl_now_ms();
	int rc = keep_lease(s, now, err);
	if (rc < 0)
		return rc;
	if (s->leader) {
		/* the snapshot may lag our own write, but never shows someone else's
		 * key before ours is gone */
		if (m->leader_create_rev && m->leader_create_rev != s->fence &&
		    m->revision >= s->fence)
			step_down(s, "another replica holds leader/scheduler");
		return 0;
	}
	if (m->leader && now - s->last_campaign_ms < 1000)
		return 0;
	s->last_campaign_ms = now;
	return campaign(s, err);
}

void election_resign(struct sched *s)
{
	struct sk_err err;
	if (s->lease)
		etcd_lease_revoke(s->ctl->etcd, s->lease, &err);
	s->lease = 0;
	step_down(s, "shutting down");
}
