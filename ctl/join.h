/* Approving join requests (docs/cluster.md, "Joining"): a node that holds
 * a bootstrap token writes join/<tid>/<node>/request with its public key;
 * approval checks the token (known, not expired), that the name is free
 * or the same machine's, then issues the node's etcd user (identity.c)
 * and its node API certificate for its own key (pki.c), sealed to that
 * key (lib/join_seal.h) in join/<tid>/<node>/answer, and records
 * identities/<node>. A refusal is written in clear. Needs etcd's root
 * user and the CA's directory. */
#ifndef SK_CTL_JOIN_H
#define SK_CTL_JOIN_H

#include "ctl.h"

/* The requests not answered yet: [{"token","node","publicKey","requestedAt"}]. */
int join_pending(struct ctl *c, cJSON **out, struct sk_err *err);
/* Answers node's pending request(s) (NULL: every pending one). Returns the
 * number approved; refusals are answered and reported on stderr (and
 * counted in *refused). No request for node: SK_ERR_NOTFOUND. */
int join_approve(struct ctl *c, const char *node, const char *ca_dir, int *refused,
		 struct sk_err *err);
/* Marks node's identity revoked (its certificate's hash kept). */
int join_revoke_identity(struct ctl *c, const char *node, struct sk_err *err);

#endif
