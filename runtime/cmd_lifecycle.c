/* create, run, start, state, kill, delete: runc's verbs and options. */
#define _GNU_SOURCE
#include "cmd.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CREATE_OPTS                                                                                \
	"  -b, --bundle DIR        the bundle (config.json and the root); default .\n"             \
	"  --pid-file FILE         write the container process's pid to FILE\n"                    \
	"  --console-socket PATH   with process.terminal: send the pty master to this unix\n"      \
	"                          socket (SCM_RIGHTS, the pty's name as payload)\n"               \
	"  --preserve-fds N        pass the caller's fds 3..3+N-1 to the process\n"                \
	"  --no-new-keyring        accepted; no session keyring is ever made\n"

static const char create_help[] =
    "skiff-runtime create [OPTIONS] ID\n"
    "Sets the container up and leaves its process waiting for `start`. The process\n"
    "gets the caller's stdin, stdout and stderr (as with runc), or a pty sent to\n"
    "--console-socket when process.terminal is true.\n" CREATE_OPTS;

static const char run_help[] =
    "skiff-runtime run [OPTIONS] ID\n"
    "create + start. In the foreground the runtime waits, forwards signals, relays\n"
    "the pty when process.terminal is true, deletes the container and exits with\n"
    "its status (128+signal when killed). With -d the container's output goes to\n"
    "size-capped logs in the state directory.\n"
    "  -d, --detach            leave the container running\n" CREATE_OPTS;

/* Options create and run share. */
static int parse_create(int argc, char **argv, const char *help, struct rt_create_opts *o,
			int *detach, int *first)
{
	const char *preserve = NULL;
	int ignored = 0;
	const struct arg_opt opts[] = {
	    {"--bundle", ARG_STR, &o->bundle, NULL},
	    {"-b", ARG_STR, &o->bundle, NULL},
	    {"--pid-file", ARG_STR, &o->pid_file, NULL},
	    {"--console-socket", ARG_STR, &o->console_socket, NULL},
	    {"--preserve-fds", ARG_STR, &preserve, NULL},
	    {"--no-new-keyring", ARG_FLAG, &ignored, NULL},
	    {"--no-pivot", ARG_FLAG, &ignored, NULL},
	    {"--detach", ARG_FLAG, detach, NULL},
	    {"-d", ARG_FLAG, detach, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	*first = cmd_parse(argc, argv, opts, help);
	if (*first < 0)
		return *first == -2 ? 0 : SK_EXIT_USAGE;
	if (cmd_count(preserve, &o->preserve_fds) < 0) {
		sk_print_fatalf("--preserve-fds: expected a count, not \"%s\"", preserve);
		return SK_EXIT_USAGE;
	}
	if (*first != argc - 1) {
		cmd_usage_line(help);
		return SK_EXIT_USAGE;
	}
	return -3;
}

int cmd_create(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	struct rt_create_opts o = {.inherit_stdio = 1};
	int detach = 0, first;
	int rc = parse_create(argc, argv, create_help, &o, &detach, &first);

	if (rc != -3)
		return rc;
	return rt_create(g, argv[first], &o, err) < 0 ? -1 : 0;
}

int cmd_run(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	struct rt_create_opts o = {0};
	int first, status;
	int rc = parse_create(argc, argv, run_help, &o, &o.detach, &first);

	if (rc != -3)
		return rc;
	return rt_run(g, argv[first], &o, &status, err) < 0 ? -1 : status;
}

/* Verbs of the form "VERB [flags] ID": returns the ID's index or an exit status. */
static int one_id(int argc, char **argv, const struct arg_opt *opts, const char *help, int *rc)
{
	int first = cmd_parse(argc, argv, opts, help);

	*rc = first == -2 ? 0 : SK_EXIT_USAGE;
	if (first < 0)
		return -1;
	if (first != argc - 1) {
		cmd_usage_line(help);
		return -1;
	}
	return first;
}

static const struct arg_opt no_opts[] = {{NULL, ARG_FLAG, NULL, NULL}};

int cmd_start(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char help[] =
	    "skiff-runtime start ID\n"
	    "Starts the process of a created container (it runs the\n"
	    "startContainer hooks, then the program; poststart hooks follow).\n";
	int rc, i = one_id(argc, argv, no_opts, help, &rc);
	return i < 0 ? rc : rt_start(g, argv[i], err) < 0 ? -1 : 0;
}

int cmd_state(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char help[] =
	    "skiff-runtime state ID\n"
	    "Prints the OCI state JSON (ociVersion id status pid bundle rootfs created\n"
	    "annotations; exitCode, exitSignal, oomKilled, finished once stopped).\n";
	char *json = NULL;
	int rc, i = one_id(argc, argv, no_opts, help, &rc);

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
	static const char help[] =
	    "skiff-runtime delete [-f|--force] ID\n"
	    "Removes a stopped (or created) container: its processes, cgroup subtree and\n"
	    "state; poststop hooks run.\n"
	    "  -f, --force   kill it first if it runs; a container that does not exist is\n"
	    "                no error\n";
	int force = 0, rc;
	const struct arg_opt opts[] = {{"--force", ARG_FLAG, &force, NULL},
				       {"-f", ARG_FLAG, &force, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	int i = one_id(argc, argv, opts, help, &rc);

	return i < 0 ? rc : rt_delete(g, argv[i], force, err) < 0 ? -1 : 0;
}

int cmd_kill(const struct rt_global *g, int argc, char **argv, struct sk_err *err)
{
	static const char help[] =
	    "skiff-runtime kill [-a|--all] ID [SIGNAL]\n"
	    "Sends SIGNAL (a name such as TERM or SIGKILL, or a number; default TERM) to\n"
	    "the container's process.\n"
	    "  -a, --all   to every process in its cgroup (and the cgroups below)\n";
	int all = 0, sig = SIGTERM;
	const struct arg_opt opts[] = {{"--all", ARG_FLAG, &all, NULL},
				       {"-a", ARG_FLAG, &all, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	int first = cmd_parse(argc, argv, opts, help);

	if (first < 0)
		return first == -2 ? 0 : SK_EXIT_USAGE;
	if (first != argc - 1 && first != argc - 2) {
		cmd_usage_line(help);
		return SK_EXIT_USAGE;
	}
	if (first == argc - 2 && (sig = rt_signal_parse(argv[argc - 1])) < 0) {
		sk_print_fatalf("unknown signal \"%s\"", argv[argc - 1]);
		return SK_EXIT_USAGE;
	}
	return rt_kill(g, argv[first], sig, all, err) < 0 ? -1 : 0;
}
