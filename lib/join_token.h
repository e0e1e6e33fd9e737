/* A bootstrap token's text, "abcdef.0123456789abcdef" (Kubernetes'
 * shape): a public id and a secret, each of [a-z0-9]. One reader for
 * skiffctl (command line) and the agent (node.json, kernel command line),
 * so that what one accepts the other does too. */
#ifndef SK_JOIN_TOKEN_H
#define SK_JOIN_TOKEN_H

#include "err.h"

#define TOKEN_ID_LEN	 6
#define TOKEN_SECRET_LEN 16
#define TOKEN_LEN	 (TOKEN_ID_LEN + 1 + TOKEN_SECRET_LEN)

/* Splits "id.secret"; 0 when well formed, else a usage error that says
 * what is wrong (never echoing the secret). */
int token_parse(const char *token, char id[TOKEN_ID_LEN + 1], char secret[TOKEN_SECRET_LEN + 1],
		struct sk_err *err);
/* 1 when CH may stand in a token's id or secret. */
int token_char(char ch);

#endif
