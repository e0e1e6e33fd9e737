/* Option parsing shared by the verbs (see cmd.h): lib/args.c's parser,
 * and how the runtime reports what it found. */
#define _GNU_SOURCE
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cmd_usage_line(const char *help)
{
	fprintf(stderr, "usage: %.*s\n", (int)strcspn(help, "\n"), help);
}

int cmd_count(const char *s, int *out)
{
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;

	if (s && (end == s || *end || v < 0 || v > 1024))
		return -1;
	*out = (int)v;
	return 0;
}

static int parse(int argc, char **argv, const char *verb, const struct arg_opt *opts,
		 const char *help)
{
	struct sk_err err = {0};

	if (sk_args_help(argc, argv, 1, 1)) {
		printf("usage: %s", help);
		return -2;
	}
	int first = sk_args_lead(argc, argv, 1, verb, opts, NULL, &err);
	if (first < 0) {
		sk_print_fatal(&err);
		cmd_usage_line(help);
	}
	return first;
}

int cmd_parse(int argc, char **argv, const struct arg_opt *opts, const char *help)
{
	return parse(argc, argv, argv[0], opts, help);
}

int cmd_parse_globals(int argc, char **argv, const struct arg_opt *opts, const char *help)
{
	return parse(argc, argv, "options", opts, help);
}
