/* skiffctl auth init|update-roles: etcd's access control for a cluster
 * (root, the scheduler's user, every node role's grants), and skiffctl
 * node credentials|remove: a node's own etcd user. Passwords are made
 * here and written to files (0600), never taken on the command line. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "file.h"
#include "identity.h"
#include "join.h"
#include "lookup.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl auth init --dir DIR\n"
	      "       skiffctl auth update-roles\n"
	      "  Creates etcd's root user and the scheduler's user of this cluster, with new\n"
	      "  random passwords written to DIR/root.password and DIR/scheduler.password\n"
	      "  (0600), and turns etcd auth on. The scheduler's role reads and writes the\n"
	      "  cluster's prefix; operators use root (only root may manage etcd users).\n"
	      "  Then: skiffctl --user root (password in SKIFF_ETCD_PASSWORD or the config\n"
	      "  file), and skiffctl node credentials NODE for each node.\n"
	      "  update-roles: gives every node's etcd role the grants of this skiffctl (after\n"
	      "  an upgrade, e.g. reading its updates/NODE key); passwords stay. Needs root.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

/* Writes TEXT to PATH, readable by its owner only; never replaces a file. */
static int write_secret(const char *path, const char *text, struct sk_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return sk_failc(err, SK_ERR_SYS, errno, "create %s", path);
	int rc = sk_write_all(fd, text, strlen(text)) < 0 || sk_write_all(fd, "\n", 1) < 0;
	if (close(fd) < 0 || rc)
		return sk_failc(err, SK_ERR_SYS, errno, "write %s", path);
	return 0;
}

static int auth_init(struct ctl *c, const char *dir, struct sk_err *err)
{
	char root[IDENTITY_SECRET_SZ], sched[IDENTITY_SECRET_SZ];
	char root_path[PATH_MAX], sched_path[PATH_MAX];
	snprintf(root_path, sizeof root_path, "%s/root.password", dir);
	snprintf(sched_path, sizeof sched_path, "%s/scheduler.password", dir);
	if (access(root_path, F_OK) == 0 || access(sched_path, F_OK) == 0)
		return ctl_usage_error(err, "auth init: %s already holds passwords", dir);
	if (identity_secret(root, err) < 0 || identity_secret(sched, err) < 0 ||
	    write_secret(root_path, root, err) < 0 || write_secret(sched_path, sched, err) < 0)
		return -1;
	if (identity_auth_init(c, root, sched, err) < 0) {
		unlink(root_path);
		unlink(sched_path);
		return -1;
	}
	char user[IDENTITY_NAME_MAX];
	identity_scheduler_user(c, user, sizeof user);
	printf("etcd auth on; root: %s; %s: %s\n", root_path, user, sched_path);
	return 0;
}

/* Every node the cluster knows: by record, by nodemeta, by identity. */
static int each_node_id(struct ctl *c, int (*fn)(struct ctl *, const char *, void *), void *arg,
			struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_range_resp r;
	struct model m;
	if (ctl_load_model(c, &m, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < m.nnodes && rc >= 0; i++)
		rc = fn(c, m.nodes[i].id, arg);
	struct etcd_range_req req = {
	    .key = ctl_key(c, key, "identities/"), .prefix = 1, .keys_only = 1};
	if (rc >= 0 && (rc = etcd_range(c->etcd, &req, &r, err)) >= 0) {
		for (size_t i = 0; i < r.nkvs && rc >= 0; i++)
			if (!model_node(&m, r.kvs[i].key + strlen(key)))
				rc = fn(c, r.kvs[i].key + strlen(key), arg);
		etcd_range_resp_free(&r);
	}
	model_free(&m);
	return rc;
}

struct regrant {
	struct sk_err *err;
	int updated, without;
};

static int regrant_one(struct ctl *c, const char *id, void *arg)
{
	struct regrant *g = arg;
	int rc = identity_node_regrant(c, id, g->err);
	if (rc < 0)
		return sk_wrap(g->err, "node %s", id);
	g->updated += rc;
	g->without += !rc;
	return 0;
}

static int update_roles(struct ctl *c, struct sk_err *err)
{
	struct regrant g = {.err = err};
	if (ctl_connect(c, err) < 0 || each_node_id(c, regrant_one, &g, err) < 0)
		return -1;
	printf("%d node role%s updated (%d node%s without a role of its own)\n", g.updated,
	       g.updated == 1 ? "" : "s", g.without, g.without == 1 ? "" : "s");
	return 0;
}

int cmd_auth(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "", *dir = NULL;
	const struct arg_opt opts[] = {{"--dir", ARG_STR, &dir, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	for (int i = 1; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if (strcmp(verb, "update-roles") == 0)
		return sk_args_none(argc, argv, "auth update-roles", err) < 0
			   ? -1
			   : update_roles(c, err);
	if (strcmp(verb, "init") != 0) {
		usage(stderr, err);
		return ctl_usage_error(err, "auth: bad arguments");
	}
	if (sk_args(argc, argv, 2, "auth init", opts, NULL, NULL, 0, err) < 0 ||
	    sk_args_need("auth init", "--dir", dir, err) < 0)
		return -1;
	return auth_init(c, dir, err);
}

static int credentials(struct ctl *c, const char *id, const char *out, struct sk_err *err)
{
	char pw[IDENTITY_SECRET_SZ], user[IDENTITY_NAME_MAX];
	if (identity_node_user(c, id, user, sizeof user, err) < 0 || identity_secret(pw, err) < 0)
		return -1;
	if (out && write_secret(out, pw, err) < 0)
		return -1;
	if (identity_node_create(c, id, pw, err) < 0) {
		if (out)
			unlink(out);
		return -1;
	}
	if (out)
		printf("%s: etcd user %s, password in %s\n", id, user, out);
	else
		printf("%s\n", pw);
	return 0;
}

int cmd_node_credentials(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *id = NULL, *out = NULL;
	const struct arg_opt opts[] = {{"--out", ARG_STR, &out, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	if (sk_args(argc, argv, 2, "node credentials", opts, NULL, &id, 1, err) < 0 ||
	    sk_args_need("node credentials", "node", id, err) < 0)
		return -1;
	return credentials(c, id, out, err);
}

/* Ends the node's lease with its record. etcd checks no credentials on a
 * lease keepalive, so a removed agent whose lease lived on would learn of
 * its removal only at its next other request (an idle node: maybe never);
 * with the lease gone, its next keepalive fails, it registers again, and
 * that is refused. Without its record the node is down: the scheduler
 * moves its tasks. */
static int end_record(struct ctl *c, const char *id, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_kv kv;
	int rc = etcd_get(c->etcd, ctl_key(c, key, "nodes/%s", id), &kv, NULL, err);

	if (rc < 0)
		return -1;
	int64_t lease = rc ? kv.lease : 0;
	etcd_kv_clear(&kv);
	if (lease && etcd_lease_revoke(c->etcd, lease, err) < 0 && err->cls != SK_ERR_GONE)
		return -1;
	return etcd_delete(c->etcd, key, 0, NULL, NULL, err) < 0 ? -1 : 0;
}

int cmd_node_remove(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *id = NULL;
	if (sk_args_one(argc, argv, "node remove", "node", &id, err) < 0 ||
	    identity_node_delete(c, id, err) < 0 || join_revoke_identity(c, id, err) < 0 ||
	    end_record(c, id, err) < 0)
		return -1;
	printf("%s: removed (etcd user and role deleted, certificate recorded revoked)\n", id);
	return 0;
}
