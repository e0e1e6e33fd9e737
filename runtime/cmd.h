/* The verbs of skiff-runtime: each parses its own arguments and calls one
 * library function. They return an exit status or -1 with ERR set;
 * usage errors return SK_EXIT_USAGE after printing the usage. */
#ifndef RT_CMD_H
#define RT_CMD_H

#include "args.h"
#include "runtime.h"

/* Parses the options that lead argv[1..] (lib/args.h, runc's rule:
 * options before operands) for the verb argv[0]. HELP is the verb's help
 * text: its first line is the usage line. Returns the index of the first
 * operand, -1 on a usage error (printed with the usage line), -2 for -h or
 * --help (HELP printed). */
int cmd_parse(int argc, char **argv, const struct arg_opt *opts, const char *help);
/* The same for the global options before the verb (argv[0] the program). */
int cmd_parse_globals(int argc, char **argv, const struct arg_opt *opts, const char *help);
/* Prints "usage: " and the first line of HELP to stderr. */
void cmd_usage_line(const char *help);
/* --preserve-fds N: a count, at most 1024. */
int cmd_count(const char *s, int *out);

int cmd_create(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_run(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_start(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_state(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_kill(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_delete(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_exec(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_list(const struct rt_global *g, int argc, char **argv, struct sk_err *err);
int cmd_spec(const struct rt_global *g, int argc, char **argv, struct sk_err *err);

#endif
