/* create, run, start, state, kill, delete: runc's verbs and options. */
#define _GNU_SOURCE
#include "cmd.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CREATE_USAGE_OPTS                                                                          \
	"[-b|--bundle DIR] [--pid-file FILE] [--no-new-keyring] [--preserve-fds 0]"

/* Options create and run share; --console-socket is refused (no terminals). */
static int parse_create(int argc, char **argv, const char *usage, struct rt_create_opts *o,
			int *detach, int *first)
{
	const char *console = NULL, *preserve = NULL;
	int ignored = 0;
	const struct cmd_opt opts[] = {
		{"bundle", 'b', &o->bundle, NULL, NULL},
		{"pid-file", 0, &o->pid_file, NULL, NULL},
		{"console-socket", 0, &console, NULL, NULL},
		{"preserve-fds", 0, &preserve, NULL, NULL},
		{"no-new-keyring", 0, NULL, &ignored, NULL},
		{"detach", 'd', NULL, detach, NULL},
		{NULL, 0, NULL, NULL, NULL},
	};
	*first = cmd_parse(argc, argv, opts, usage);
	if (*first < 0)
		return *first == -2 ? 0 : SK_EXIT_USAGE;
	if (console || (preserve && strcmp(preserve, "0") != 0)) {
		fprintf(stderr, "skiff-runtime: %s is not supported (process.terminal must be false)\n",
			console ? "--console-socket" : "--preserve-fds");
		return SK_EXIT_USAGE;
	}
	if (*first != argc - 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return SK_EXIT_USAGE;
	}
	return -3;
}

int cmd_create(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char usage[] = "skiff-runtime create " CREATE_USAGE_OPTS " ID";
	struct rt_create_opts o = {0};
	int detach = 0, first;
	int rc = parse_create(argc, argv, usage, &o, &detach, &first);

	if (rc != -3)
		return rc;
	return rt_create(g, argv[first], &o, err) < 0 ? -1 : 0;
}

int cmd_run(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char usage[] = "skiff-runtime run [-d|--detach] " CREATE_USAGE_OPTS " ID";
	struct rt_create_opts o = {0};
	int first, status;
	int rc = parse_create(argc, argv, usage, &o, &o.detach, &first);

	if (rc != -3)
		return rc;
	return rt_run(g, argv[first], &o, &status, err) < 0 ? -1 : status;
}

/* Verbs of the form "VERB [flags] ID": returns the ID's index or an exit status. */
static int one_id(int argc, char **argv, const struct cmd_opt *opts, const char *usage, int *rc)
{
	int first = cmd_parse(argc, argv, opts, usage);

	*rc = first == -2 ? 0 : SK_EXIT_USAGE;
	if (first < 0)
		return -1;
	if (first != argc - 1) {
		fprintf(stderr, "usage: %s\n", usage);
		return -1;
	}
	return first;
}

static const struct cmd_opt no_opts[] = {{NULL, 0, NULL, NULL, NULL}};

int cmd_start(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	int rc, i = one_id(argc, argv, no_opts, "skiff-runtime start ID", &rc);
	return i < 0 ? rc : rt_start(g, argv[i], err) < 0 ? -1 : 0;
}

int cmd_state(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	char *json = NULL;
	int rc, i = one_id(argc, argv, no_opts, "skiff-runtime state ID", &rc);

	if (i < 0)
		return rc;
	if (rt_state(g, argv[i], &json, err) < 0)
		return -1;
	printf("%s\n", json);
	free(json);
	return 0;
}

int cmd_delete(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	int force = 0, rc;
	const struct cmd_opt opts[] = {{"force", 'f', NULL, &force, NULL},
				       {NULL, 0, NULL, NULL, NULL}};
	int i = one_id(argc, argv, opts, "skiff-runtime delete [-f|--force] ID", &rc);

	return i < 0 ? rc : rt_delete(g, argv[i], force, err) < 0 ? -1 : 0;
}

int cmd_kill(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char usage[] = "skiff-runtime kill [-a|--all] ID [SIGNAL]";
	int all = 0, sig = SIGTERM;
	const struct cmd_opt opts[] = {{"all", 'a', NULL, &all, NULL}, {NULL, 0, NULL, NULL, NULL}};
	int first = cmd_parse(argc, argv, opts, usage);

	if (first < 0)
		return first == -2 ? 0 : SK_EXIT_USAGE;
	if (first != argc - 1 && first != argc - 2) {
		fprintf(stderr, "usage: %s\n", usage);
		return SK_EXIT_USAGE;
	}
	if (first == argc - 2 && (sig = rt_signal_parse(argv[argc - 1])) < 0) {
		fprintf(stderr, "skiff-runtime: unknown signal \"%s\"\n", argv[argc - 1]);
		return SK_EXIT_USAGE;
	}
	return rt_kill(g, argv[first], sig, all, err) < 0 ? -1 : 0;
}
