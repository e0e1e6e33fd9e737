/* exec, list, spec. */
#define _GNU_SOURCE
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char exec_help[] =
    "skiff-runtime exec [OPTIONS] ID [COMMAND [ARG...]]\n"
    "Runs a new process in a running container, with the container's process as\n"
    "the model (its env, user, capabilities, rlimits, seccomp) and these changes.\n"
    "Exits with the process's status unless detached.\n"
    "  -p, --process FILE        the process as an OCI \"process\" JSON object\n"
    "  -e, --env K=V             add or override an environment variable (repeatable)\n"
    "  --cwd DIR                 working directory\n"
    "  -u, --user UID[:GID]      user and group ids\n"
    "  -g, --additional-gids G   an extra group id (repeatable)\n"
    "  -c, --cap CAP             add a capability, e.g. CAP_NET_ADMIN (repeatable)\n"
    "  --no-new-privs            set no_new_privs\n"
    "  -t, --tty                 a pty: relayed to this terminal, or sent to\n"
    "                            --console-socket\n"
    "  --console-socket PATH     with --tty: send the pty master to this unix socket\n"
    "  -d, --detach              do not wait for the process\n"
    "  --pid-file FILE           write the process's pid to FILE\n"
    "  --preserve-fds N          pass the caller's fds 3..3+N-1 to the process\n";

int cmd_exec(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	struct rt_exec_opts o = {0};
	const char **env = NULL, **gids = NULL, **caps = NULL, *preserve = NULL, *unused = NULL;
	int status = 0, ignored = 0;
	const struct arg_opt opts[] = {
	    {"--process", ARG_STR, &o.process_file, NULL},
	    {"-p", ARG_STR, &o.process_file, NULL},
	    {"--env", ARG_LIST, &env, NULL},
	    {"-e", ARG_LIST, &env, NULL},
	    {"--cwd", ARG_STR, &o.cwd, NULL},
	    {"--user", ARG_STR, &o.user, NULL},
	    {"-u", ARG_STR, &o.user, NULL},
	    {"--additional-gids", ARG_LIST, &gids, NULL},
	    {"-g", ARG_LIST, &gids, NULL},
	    {"--cap", ARG_LIST, &caps, NULL},
	    {"-c", ARG_LIST, &caps, NULL},
	    {"--no-new-privs", ARG_FLAG, &o.no_new_privs, NULL},
	    {"--tty", ARG_FLAG, &o.tty, NULL},
	    {"-t", ARG_FLAG, &o.tty, NULL},
	    {"--console-socket", ARG_STR, &o.console_socket, NULL},
	    {"--detach", ARG_FLAG, &o.detach, NULL},
	    {"-d", ARG_FLAG, &o.detach, NULL},
	    {"--pid-file", ARG_STR, &o.pid_file, NULL},
	    {"--preserve-fds", ARG_STR, &preserve, NULL},
	    {"--process-label", ARG_STR, &unused, NULL},
	    {"--apparmor", ARG_STR, &unused, NULL},
	    {"--ignore-paused", ARG_FLAG, &ignored, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	int first = cmd_parse(argc, argv, opts, exec_help), rc = SK_EXIT_USAGE;

	if (first == -2)
		rc = 0;
	else if (first < 0)
		;
	else if (cmd_count(preserve, &o.preserve_fds) < 0)
		sk_print_fatalf("--preserve-fds: expected a count");
	else if (unused)
		sk_print_fatalf("--process-label and --apparmor are not supported");
	else if (first >= argc || (!o.process_file && first == argc - 1))
		cmd_usage_line(exec_help);
	else {
		o.args = argv + first + 1;
		o.env = (char **)env;
		o.additional_gids = (char **)gids;
		o.caps = (char **)caps;
		o.no_new_privs = !!o.no_new_privs;
		rc = rt_exec(g, argv[first], &o, &status, err) < 0 ? -1 : status;
	}
	free(env);
	free(gids);
	free(caps);
	return rc;
}

int cmd_list(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char help[] = "skiff-runtime list [-q|--quiet] [-f|--format table|json]\n"
				   "Lists the containers of the state directory (--root).\n"
				   "  -q, --quiet         ids only\n"
				   "  -f, --format F      table (default) or json (their states)\n";
	const char *format = "table";
	int quiet = 0;
	const struct arg_opt opts[] = {{"--quiet", ARG_FLAG, &quiet, NULL},
				       {"-q", ARG_FLAG, &quiet, NULL},
				       {"--format", ARG_STR, &format, NULL},
				       {"-f", ARG_STR, &format, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	int first = cmd_parse(argc, argv, opts, help);

	if (first == -2)
		return 0;
	if (first != argc || (strcmp(format, "table") && strcmp(format, "json"))) {
		cmd_usage_line(help);
		return SK_EXIT_USAGE;
	}
	return rt_list(g, stdout, quiet, strcmp(format, "json") == 0, err) < 0 ? -1 : 0;
}

int cmd_spec(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char help[] =
	    "skiff-runtime spec [-b|--bundle DIR] [--seccomp-default] [--force]\n"
	    "Writes DIR/config.json, a default configuration like `runc spec` (sh in\n"
	    "./rootfs, read-only root, the usual mounts, masked paths and namespaces).\n"
	    "  -b, --bundle DIR      where to write it (default .)\n"
	    "  --seccomp-default     include the built-in seccomp profile\n"
	    "  --force               overwrite an existing config.json\n";
	const char *bundle = ".";
	int seccomp = 0, force = 0, rootless = 0;
	const struct arg_opt opts[] = {{"--bundle", ARG_STR, &bundle, NULL},
				       {"-b", ARG_STR, &bundle, NULL},
				       {"--seccomp-default", ARG_FLAG, &seccomp, NULL},
				       {"--force", ARG_FLAG, &force, NULL},
				       {"--rootless", ARG_FLAG, &rootless, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	int first = cmd_parse(argc, argv, opts, help);

	(void)g;
	if (first == -2)
		return 0;
	if (first != argc || rootless) {
		if (rootless)
			sk_print_fatalf("--rootless is not supported");
		cmd_usage_line(help);
		return SK_EXIT_USAGE;
	}
	return rt_spec(bundle, seccomp, force, err) < 0 ? -1 : 0;
}
