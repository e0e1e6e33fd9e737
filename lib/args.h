/* The one argument parser of Skiff's commands (skiffctl, the node roles,
 * skiff-imagegen): each command lists its options in a table, one entry
 * per spelling ("--bundle" and "-b" are two entries with one destination).
 * A value follows its option as the next word, or after '=' for a long
 * option ("--root=DIR"), or attached to a short one ("-bDIR"). "--" ends
 * the options; a lone "-" is a positional word (stdin). Anything else is
 * a usage error of one shape, naming the word: "VERB: bad argument `W`".
 * (-h/--help is the command's to look for, before parsing, so that help
 * works whatever else is on the line.) */
#ifndef SK_ARGS_H
#define SK_ARGS_H

#include "err.h"

enum arg_kind {
	ARG_FLAG,  /* sets *(int *)dst to 1; takes no value */
	ARG_STR,   /* *(const char **)dst gets the value (the last one given) */
	ARG_COUNT, /* *(long *)dst gets the value, a count 0..100000 */
	ARG_FN,	   /* fn(ctx, value, err) takes the value (a repeated option) */
	ARG_LIST,  /* appended to *(const char ***)dst, an allocated NULL-ended list */
};

struct arg_opt {
	const char *name; /* "--count", "-c" */
	enum arg_kind kind;
	void *dst;
	int (*fn)(void *ctx, const char *value, struct sk_err *err);
};

/* Parses argv[from..argc) for VERB ("task run"): the options of OPTS (its
 * end marked by a NULL name) anywhere among up to npos positional words,
 * which go into pos[] (unset ones stay as they are). Returns 0 or a usage
 * error. */
int sk_args(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
	    void *ctx, const char **pos, int npos, struct sk_err *err);
/* Parses the options of OPTS that lead argv[from..argc) and stops at the
 * first positional word (runc's rule: options before operands; what
 * follows, a verb or a command line, is the caller's): returns its index
 * (argc when there is none; the word after a "--") or a usage error. */
int sk_args_lead(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
		 void *ctx, struct sk_err *err);
/* Whether argv[from..) asks for help (-h or --help) before a "--" or, with
 * LEAD, before the first positional word. */
int sk_args_help(int argc, char **argv, int from, int lead);
/* A usage error "VERB: which WHAT?" when the positional word VALUE is missing. */
int sk_args_need(const char *verb, const char *what, const char *value, struct sk_err *err);
/* The common shapes after "skiffctl VERB SUBVERB" (argv[2..]): nothing at
 * all, or exactly one positional word naming a WHAT (and no options). */
int sk_args_none(int argc, char **argv, const char *verb, struct sk_err *err);
int sk_args_one(int argc, char **argv, const char *verb, const char *what, const char **value,
		struct sk_err *err);

#endif
