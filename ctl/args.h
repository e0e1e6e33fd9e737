/* The one argument parser of skiffctl's verbs: each verb lists its
 * options in a table; words not starting with '-' are its positional
 * arguments. Anything else is a usage error naming the word and the verb.
 * (-h/--help is seen by each verb before parsing.) */
#ifndef SK_CTL_ARGS_H
#define SK_CTL_ARGS_H

#include "err.h"

enum arg_kind {
	ARG_FLAG,  /* sets *(int *)dst to 1 */
	ARG_STR,   /* *(const char **)dst gets the value */
	ARG_COUNT, /* *(long *)dst gets the value, a count 0..100000 */
	ARG_FN,	   /* fn(ctx, value, err) takes the value (a repeated option) */
};

struct arg_opt {
	const char *name; /* "--count" */
	enum arg_kind kind;
	void *dst;
	int (*fn)(void *ctx, const char *value, struct sk_err *err);
};

/* Parses argv[from..argc) for VERB ("task run"): the options of OPTS (its
 * end marked by a NULL name), and up to npos positional words into pos[]
 * (unset ones stay as they are). Returns 0 or a usage error. */
int ctl_args(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
	     void *ctx, const char **pos, int npos, struct sk_err *err);

#endif
