/* The node record under a lease, its keepalive (a POST every TTL/3) and
 * its revocation at shutdown. A lost lease (etcd says it is gone) means
 * registering again with a new one; an unreachable etcd means retrying
 * while the tasks keep running, then resynchronising. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_internal.h"
#include "cleanup.h"
#include "nodeinfo.h"
#include "update.h"
#include "clock.h"

static void node_key(const struct agent *a, char *buf, size_t size)
{
	snprintf(buf, size, "%snodes/%s", a->prefix, a->cfg->node_id);
}

static int64_t keepalive_period(const struct agent *a)
{
	return (int64_t)a->cfg->lease_ttl_s * 1000 / 3;
}

static void became_unreachable(struct agent *a, const struct sk_err *err)
{
	if (a->reachable)
		agent_log("etcd unreachable, tasks keep running: %s", err->msg);
	a->reachable = 0;
}

int register_node(struct agent *a, struct sk_err *err)
{
	SK_AUTOFREE char *record = NULL;
	char key[640];
	int64_t id, ttl;
	int rc;

	nodeinfo_addresses(a->addresses, sizeof a->addresses);
	if (nodeinfo_record(a->cfg, update_os(), &record, err) < 0)
		return -1;
	rc = etcd_lease_grant(a->kv, a->cfg->lease_ttl_s, 0, &id, &ttl, err);
	if (rc == 0) {
		node_key(a, key, sizeof key);
		rc = etcd_put(a->kv, key, record, strlen(record), id, NULL, NULL, err);
	}
	if (rc < 0) {
		if (err->cls == SK_ERR_NET)
			became_unreachable(a, err);
		return sk_wrap(err, "register %s", a->cfg->node_id);
	}
	a->lease = id;
	a->registered = 1;
	a->reachable = 1;
	a->next_keepalive = sk_now_ms() + keepalive_period(a);
	agent_log("registered as %s (lease %llx, ttl %llds)", a->cfg->node_id,
		  (unsigned long long)id, (long long)ttl);
	tasks_report_all(a, 1);
	return 0;
}

void register_refresh(struct agent *a)
{
	SK_AUTOFREE char *record = NULL;
	struct sk_err err = {0};
	char key[640];

	node_key(a, key, sizeof key);
	nodeinfo_addresses(a->addresses, sizeof a->addresses);
	if (nodeinfo_record(a->cfg, update_os(), &record, &err) < 0 ||
	    etcd_put(a->kv, key, record, strlen(record), a->lease, NULL, NULL, &err) < 0)
		agent_log("refresh node record: %s", err.msg);
}

/* Refreshes the record under the lease that survived an outage. */
static void resync(struct agent *a)
{
	agent_log("etcd reachable again, resynchronising");
	register_refresh(a);
	tasks_report_all(a, 1);
}

void register_keepalive(struct agent *a)
{
	struct sk_err err = {0};
	int64_t ttl = 0;
	int rc = etcd_lease_keepalive(a->kv, a->lease, &ttl, &err);

	if (rc == 0) {
		a->next_keepalive = sk_now_ms() + keepalive_period(a);
		if (!a->reachable) {
			a->reachable = 1;
			resync(a);
			return;
		}
		/* DHCP or netcfg may have added addresses since registration. */
		char now[sizeof a->addresses];
		nodeinfo_addresses(now, sizeof now);
		if (strcmp(now, a->addresses)) {
			agent_log("addresses now %s", now);
			register_refresh(a);
		}
		return;
	}
	if (err.cls == SK_ERR_GONE) {
		agent_log("lease %llx lost, registering again", (unsigned long long)a->lease);
		a->registered = 0;
		a->reachable = 1;
		a->next_register = sk_now_ms();
		return;
	}
	if (err.cls == SK_ERR_NET)
		became_unreachable(a, &err);
	else if (err.cls == SK_ERR_AUTH)
		agent_credentials_refused(a, &err);
	else
		agent_log("keepalive: %s", err.msg);
	a->next_keepalive = sk_now_ms() + 1000;
}

void register_revoke(struct agent *a)
{
	struct sk_err err = {0};

	if (!a->registered)
		return;
	if (etcd_lease_revoke(a->kv, a->lease, &err) < 0)
		agent_log("revoke lease: %s", err.msg);
	else
		agent_log("lease %llx revoked", (unsigned long long)a->lease);
	a->registered = 0;
}
