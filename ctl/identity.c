/* etcd users and roles of nodes and the scheduler: the grants of each
 * are one table, so what a node may do is written down once. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "identity.h"

struct grant {
	enum etcd_perm perm;
	const char *fmt; /* under the cluster's prefix; %s is the node id */
	int prefix;
};

/* The agent registers (nodes/<id>, on its lease), reports (status/<id>/),
 * watches its assignments, which carry the task definition and the
 * secrets it needs (the scheduler resolves them there), and watches the
 * one key that asks it to update its OS (written by the scheduler's
 * leader during a rollout; read only: a node cannot ask itself to update
 * to something else): nothing else. */
static const struct grant node_grants[] = {
    {ETCD_PERM_READWRITE, "nodes/%s", 0},
    {ETCD_PERM_READWRITE, "status/%s/", 1},
    {ETCD_PERM_READ, "assign/%s/", 1},
    {ETCD_PERM_READ, "updates/%s", 0},
};

int identity_node_user(const struct ctl *c, const char *id, char *buf, size_t size,
		       struct sk_err *err)
{
	if (!*id || strchr(id, '/'))
		return sk_failc(err, SK_ERR_USAGE, 0, "node `%s`: bad name", id);
	if ((size_t)snprintf(buf, size, "skiff:%s:node:%s", c->cluster, id) >= size)
		return sk_failc(err, SK_ERR_USAGE, 0, "node `%.64s…`: name too long", id);
	return 0;
}

void identity_scheduler_user(const struct ctl *c, char *buf, size_t size)
{
	snprintf(buf, size, "skiff:%s:scheduler", c->cluster);
}

static int already_exists(const struct sk_err *err)
{
	return strstr(err->msg, "already exists") != NULL;
}

static int grant_node(struct ctl *c, const char *role, const char *id, struct sk_err *err)
{
	for (size_t i = 0; i < sizeof node_grants / sizeof node_grants[0]; i++) {
		char rel[KEY_MAX], key[KEY_MAX];
		snprintf(rel, sizeof rel, node_grants[i].fmt, id);
		ctl_key(c, key, "%s", rel);
		if (etcd_role_grant(c->etcd, role, node_grants[i].perm, key, node_grants[i].prefix,
				    err) < 0)
			return -1;
	}
	return 0;
}

int identity_node_create(struct ctl *c, const char *id, const char *password, struct sk_err *err)
{
	char name[IDENTITY_NAME_MAX];
	if (identity_node_user(c, id, name, sizeof name, err) < 0 || ctl_connect(c, err) < 0)
		return -1;
	if (etcd_role_add(c->etcd, name, err) < 0 && !already_exists(err))
		return -1;
	if (grant_node(c, name, id, err) < 0)
		return -1;
	if (etcd_user_add(c->etcd, name, password, err) < 0) {
		if (!already_exists(err) || etcd_user_password(c->etcd, name, password, err) < 0)
			return -1;
	}
	return etcd_user_grant_role(c->etcd, name, name, err);
}

int identity_node_regrant(struct ctl *c, const char *id, struct sk_err *err)
{
	char name[IDENTITY_NAME_MAX];
	if (identity_node_user(c, id, name, sizeof name, err) < 0 || ctl_connect(c, err) < 0)
		return -1;
	if (grant_node(c, name, id, err) == 0)
		return 1;
	return strstr(err->msg, "role name not found") ? 0 : -1;
}

int identity_node_delete(struct ctl *c, const char *id, struct sk_err *err)
{
	char name[IDENTITY_NAME_MAX];
	if (identity_node_user(c, id, name, sizeof name, err) < 0 || ctl_connect(c, err) < 0)
		return -1;
	int user = etcd_user_delete(c->etcd, name, err);
	if (user < 0 && !strstr(err->msg, "not found"))
		return -1;
	int role = etcd_role_delete(c->etcd, name, err);
	if (role < 0 && !strstr(err->msg, "not found"))
		return -1;
	if (user < 0 && role < 0)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "node %s: no etcd user nor role", id);
	return 0;
}

int identity_auth_init(struct ctl *c, const char *root_password, const char *sched_password,
		       struct sk_err *err)
{
	char sched[IDENTITY_NAME_MAX];
	identity_scheduler_user(c, sched, sizeof sched);
	if (ctl_connect(c, err) < 0 || etcd_user_add(c->etcd, "root", root_password, err) < 0 ||
	    etcd_role_add(c->etcd, "root", err) < 0 ||
	    etcd_user_grant_role(c->etcd, "root", "root", err) < 0 ||
	    etcd_role_add(c->etcd, sched, err) < 0 ||
	    etcd_role_grant(c->etcd, sched, ETCD_PERM_READWRITE, c->prefix, 1, err) < 0 ||
	    etcd_user_add(c->etcd, sched, sched_password, err) < 0 ||
	    etcd_user_grant_role(c->etcd, sched, sched, err) < 0)
		return -1;
	return etcd_auth_enable(c->etcd, err);
}

int identity_secret(char out[IDENTITY_SECRET_SZ], struct sk_err *err)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[IDENTITY_SECRET_SZ - 1];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return sk_failc(err, SK_ERR_SYS, errno, "getrandom");
	for (size_t i = 0; i < sizeof r; i++)
		out[i] = alphabet[r[i] & 63];
	out[sizeof r] = '\0';
	return 0;
}
