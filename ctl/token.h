/* Bootstrap tokens, shaped as Kubernetes' ("abcdef.0123456789abcdef": a
 * public id and a secret): what a new node presents to join. etcd keeps
 * tokens/<id> with the secret's SHA-256 (never the secret), the expiry and
 * the labels a joining node gets; and a join-only etcd user per token,
 * skiff:<cluster>:join:<id>, whose password is the secret (etcd keeps its
 * bcrypt hash) and whose role may only read and write join/<id>/, so that
 * a node holding nothing but the token can reach etcd to ask to join. */
#ifndef SK_CTL_TOKEN_H
#define SK_CTL_TOKEN_H

#include <stdint.h>
#include <time.h>

#include "ctl.h"
#include "join_token.h"

#define TOKEN_LABELS_MAX 16

struct token_spec {
	int64_t ttl_s;		 /* 0: never expires */
	const cJSON *labels;	 /* {"k":"v"} or NULL */
	const char *description; /* or NULL */
};

/* Adds "k=v,k2=v2" to the object LABELS; errors name the entry. */
int token_parse_labels(cJSON *labels, const char *list, struct sk_err *err);
/* Parses "90s", "30m", "24h", "7d", "0" (never) into seconds. */
int token_parse_ttl(const char *s, int64_t *out, struct sk_err *err);

/* Makes a token: its record, its join user and role. Writes it to out. */
int token_create(struct ctl *c, const struct token_spec *spec, char out[TOKEN_LEN + 1],
		 struct sk_err *err);
/* The records of every token (an array), expired ones too. */
int token_list(struct ctl *c, cJSON **out, struct sk_err *err);
/* The record's expiry (0: none). */
time_t token_expires_at(const cJSON *rec);
/* 1 when the record's expiry has passed at NOW. */
int token_expired(const cJSON *rec, time_t now);
/* Checks a presented token: known, not expired at NOW, secret matching.
 * *rec (may be NULL) gets its record. A refusal is SK_ERR_FAIL naming
 * the token id and why; an unknown id is SK_ERR_NOTFOUND. */
int token_verify(struct ctl *c, const char *token, time_t now, cJSON **rec, struct sk_err *err);
/* Deletes a token's record, join user and role (SK_ERR_NOTFOUND if none). */
int token_revoke(struct ctl *c, const char *id, struct sk_err *err);
/* Revokes every token expired at NOW (etcd has no expiring users: an
 * expired token's join user lasts until this). Returns how many. */
int token_prune(struct ctl *c, time_t now, struct sk_err *err);

#endif
