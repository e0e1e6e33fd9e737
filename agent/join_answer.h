/* Reading the approver's answer to a join request (docs/cluster.md,
 * "Joining"): a refusal in clear, or the node's etcd user and password,
 * its node API certificate, the cluster CA and the token's labels, sealed
 * to the node's key (lib/join_seal.h). Anyone holding the token may write
 * the answer key, so it is outside input: every field is checked before
 * it reaches a file or the log. */
#ifndef SK_AGENT_JOIN_ANSWER_H
#define SK_AGENT_JOIN_ANSWER_H

#include "agent_config.h"
#include "err.h"
#include "x509_issue.h"

#define JOIN_ANSWER_PEM_MAX (16 * 1024)

struct join_answer {
	char user[256];
	char password[128];
	char *cert; /* PEM, malloc'd */
	char *ca;   /* PEM, malloc'd */
	size_t n_labels;
	struct {
		char key[64];
		char value[128];
	} labels[AGENT_MAX_LABELS];
};

/* Reads ANSWER, sealed to K with AAD ("<token id>/<node>"). A refusal
 * fails with "join refused: WHY" (WHY cut to printable text); anything
 * else malformed fails saying which field. Clear a filled answer with
 * join_answer_clear (it wipes the password). */
int join_answer_read(const struct x509_key *k, const char *aad, const char *answer,
		     struct join_answer *a, struct sk_err *err);
/* Reads the opened (plain JSON) answer: what join_answer_read does after
 * opening the seal. */
int join_answer_parse(const char *plain, struct join_answer *a, struct sk_err *err);
void join_answer_clear(struct join_answer *a);

#endif
