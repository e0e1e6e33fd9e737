/* Who may touch what in etcd: the etcd users and roles of a cluster's
 * nodes and scheduler (docs/cluster.md, "Access control"). A node's role
 * allows exactly its own record and status and reading its own
 * assignments; the scheduler's the cluster's prefix; operators use root,
 * the only role etcd lets manage users. */
#ifndef SK_CTL_IDENTITY_H
#define SK_CTL_IDENTITY_H

#include <stddef.h>

#include "ctl.h"

#define IDENTITY_NAME_MAX  256
#define IDENTITY_SECRET_SZ 33 /* 32 characters + NUL */

/* The etcd user (and role) of node ID: "skiff:<cluster>:node:<id>". */
int identity_node_user(const struct ctl *c, const char *id, char *buf, size_t size,
		       struct sk_err *err);
/* Creates node ID's role and user with PASSWORD; an existing one (a node
 * that rejoins) gets the new password and its role's grants again. */
int identity_node_create(struct ctl *c, const char *id, const char *password, struct sk_err *err);
/* Deletes node ID's user and role: its token stops working at once. */
/* Gives node ID's existing role this version's grants (passwords stay):
 * 1 done, 0 the node has no role of its own. */
int identity_node_regrant(struct ctl *c, const char *id, struct sk_err *err);
int identity_node_delete(struct ctl *c, const char *id, struct sk_err *err);
/* Makes root (role root) and the scheduler's user and role, then turns
 * auth on. */
int identity_auth_init(struct ctl *c, const char *root_password, const char *sched_password,
		       struct sk_err *err);
/* "skiff:<cluster>:scheduler" */
void identity_scheduler_user(const struct ctl *c, char *buf, size_t size);
/* A random password of 32 URL-safe characters from the kernel's CSPRNG. */
int identity_secret(char out[IDENTITY_SECRET_SZ], struct sk_err *err);

#endif
