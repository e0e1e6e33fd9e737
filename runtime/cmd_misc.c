/* exec, list, spec. */
#define _GNU_SOURCE
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_exec(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char usage[] =
		"skiff-runtime exec [-p|--process FILE] [-e|--env K=V]... [--cwd DIR] "
		"[-d|--detach] [--pid-file FILE] ID [COMMAND [ARG...]]";
	struct rt_exec_opts o = {0};
	const char **env = NULL, *console = NULL;
	int tty = 0, status = 0;
	const struct cmd_opt opts[] = {
		{"process", 'p', &o.process_file, NULL, NULL}, {"env", 'e', NULL, NULL, &env},
		{"cwd", 0, &o.cwd, NULL, NULL},                {"detach", 'd', NULL, &o.detach, NULL},
		{"pid-file", 0, &o.pid_file, NULL, NULL},      {"tty", 't', NULL, &tty, NULL},
		{"console-socket", 0, &console, NULL, NULL},   {NULL, 0, NULL, NULL, NULL},
	};
	int first = cmd_parse(argc, argv, opts, usage);

	if (first < 0 || first >= argc || (!o.process_file && first == argc - 1) || tty || console) {
		free(env);
		if (first == -2)
			return 0;
		fprintf(stderr, "%susage: %s\n",
			tty || console ? "skiff-runtime: terminals are not supported\n" : "", usage);
		return SK_EXIT_USAGE;
	}
	o.args = argv + first + 1;
	o.env = (char **)env;
	int rc = rt_exec(g, argv[first], &o, &status, err);
	free(env);
	return rc < 0 ? -1 : status;
}

int cmd_list(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char usage[] = "skiff-runtime list [-q|--quiet] [-f|--format table|json]";
	const char *format = "table";
	int quiet = 0;
	const struct cmd_opt opts[] = {{"quiet", 'q', NULL, &quiet, NULL},
				       {"format", 'f', &format, NULL, NULL},
				       {NULL, 0, NULL, NULL, NULL}};
	int first = cmd_parse(argc, argv, opts, usage);

	if (first == -2)
		return 0;
	if (first != argc || (strcmp(format, "table") && strcmp(format, "json"))) {
		fprintf(stderr, "usage: %s\n", usage);
		return SK_EXIT_USAGE;
	}
	return rt_list(g, stdout, quiet, strcmp(format, "json") == 0, err) < 0 ? -1 : 0;
}

int cmd_spec(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char usage[] =
		"skiff-runtime spec [-b|--bundle DIR] [--seccomp-default] [--force]";
	const char *bundle = ".";
	int seccomp = 0, force = 0, rootless = 0;
	const struct cmd_opt opts[] = {{"bundle", 'b', &bundle, NULL, NULL},
				       {"seccomp-default", 0, NULL, &seccomp, NULL},
				       {"force", 0, NULL, &force, NULL},
				       {"rootless", 0, NULL, &rootless, NULL},
				       {NULL, 0, NULL, NULL, NULL}};
	int first = cmd_parse(argc, argv, opts, usage);

	(void)g;
	if (first == -2)
		return 0;
	if (first != argc || rootless) {
		fprintf(stderr, "%susage: %s\n",
			rootless ? "skiff-runtime: --rootless is not supported\n" : "", usage);
		return SK_EXIT_USAGE;
	}
	return rt_spec(bundle, seccomp, force, err) < 0 ? -1 : 0;
}
