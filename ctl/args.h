/* The one argument parser of skiffctl's global options and verbs: each
 * lists its options in a table; words not starting with '-' (and a lone
 * "-") are its positional arguments. Anything else is a usage error
 * naming the word and the verb. (-h/--help is seen by each verb before
 * parsing; `task exec` hands the parser what comes before its "--".) */
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
 * (unset ones stay as they are). A lone "-" is a positional word (stdin).
 * Returns 0 or a usage error. */
int ctl_args(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
	     void *ctx, const char **pos, int npos, struct sk_err *err);
/* Parses the options of OPTS that lead argv[from..argc) (skiffctl's
 * global options) and stops at the first positional word: returns its
 * index (argc when there is none) or a usage error. */
int ctl_args_lead(int argc, char **argv, int from, const char *what, const struct arg_opt *opts,
		  void *ctx, struct sk_err *err);
/* A usage error "VERB: which WHAT?" when the positional word VALUE is missing. */
int ctl_args_need(const char *verb, const char *what, const char *value, struct sk_err *err);
/* The common shapes after "skiffctl VERB SUBVERB" (argv[2..]): nothing at
 * all, or exactly one positional word naming a WHAT (and no options). */
int ctl_args_none(int argc, char **argv, const char *verb, struct sk_err *err);
int ctl_args_one(int argc, char **argv, const char *verb, const char *what, const char **value,
		 struct sk_err *err);

#endif
