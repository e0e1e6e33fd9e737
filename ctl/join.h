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
#include "join_seal.h"
#include "join_token.h"

#define JOIN_NODE_MAX 128 /* with its NUL, as the agent's node_id */

/* One request, as read from its key and value. */
struct join_request {
	char token[TOKEN_ID_LEN + 1];
	char node[JOIN_NODE_MAX];  /* as in the key: a refused one may hold any byte */
	char shown[JOIN_NODE_MAX]; /* node, printable (for messages) */
	char public_key[128];	   /* base64, as the node wrote it */
	unsigned char pub[JOIN_PUBKEY_LEN];
	char why[256]; /* "": well formed; else why it is refused */
};

/* Reads KEY (PREFIX join/<tid>/<node>/request) and its VALUE, written
 * by anyone holding the token: 0 when KEY is no request (or its name is
 * too long to answer); 1 when it is,
 * with R->why set when the request must be refused (a bad node name, not
 * JSON, another node named inside, a bad public key). */
int join_request_read(const char *prefix, const char *key, const char *value,
		      struct join_request *r);

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
