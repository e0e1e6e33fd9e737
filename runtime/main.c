/* skiff-runtime: an OCI runtime with runc's command line, plus the image
 * verbs. Only main turns an error into an exit status. */
#define _GNU_SOURCE
#include "cmd.h"
#include "image_cli.h"
#include "runtime.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "version.h"
#include "clock.h"
#include "node/roles.h"
#define VERSION SKIFF_VERSION

static const struct {
	const char *name;
	int (*fn)(const struct rt_global *, int, char **, struct sk_err *);
} verbs[] = {
    {"create", cmd_create}, {"start", cmd_start},   {"state", cmd_state},
    {"kill", cmd_kill},	    {"delete", cmd_delete}, {"run", cmd_run},
    {"exec", cmd_exec},	    {"list", cmd_list},	    {"spec", cmd_spec},
};

static const char *const image_verbs[] = {"pull", "images", "rmi", "gc", "load", "bundle"};

static const char help_text[] =
    "usage: skiff-runtime [GLOBAL OPTIONS] VERB [ARGS...]\n"
    "An OCI runtime with runc's command line, and an OCI image store.\n"
    "\n"
    "container verbs:\n"
    "  create    set a container up; its process waits for start\n"
    "  start     start the process of a created container\n"
    "  run       create and start; in the foreground, wait and delete\n"
    "  state     print a container's OCI state JSON\n"
    "  kill      send a signal to a container's process(es)\n"
    "  delete    remove a container\n"
    "  exec      run a new process in a running container\n"
    "  list      list containers\n"
    "  spec      write a default config.json\n"
    "image verbs:\n"
    "  pull      fetch an image from a registry\n"
    "  images    list stored images\n"
    "  rmi       remove image names\n"
    "  gc        remove blobs and layers no image uses\n"
    "  load      import an OCI image layout\n"
    "  bundle    make a bundle (config.json + overlay root) from an image\n"
    "\n"
    "global options:\n"
    "  --root DIR                      state directory (default " RT_DEFAULT_ROOT ")\n"
    "  --log FILE                      append errors to FILE\n"
    "  --log-format text|json          format of --log (default text)\n"
    "  --cgroup-manager cgroupfs|disabled\n"
    "                                  disabled: no cgroup (limits are refused)\n"
    "  --no-cgroups                    same as --cgroup-manager disabled\n"
    "  --debug                         accepted (no debug output)\n"
    "  --systemd-cgroup                refused (no systemd cgroup driver)\n"
    "  -v, --version                   print the version\n"
    "  -h, --help                      this text\n"
    "\n"
    "`skiff-runtime VERB --help` describes a verb and its options.\n";

static void usage(FILE *f)
{
	fputs(help_text, f);
}

struct globals {
	struct rt_global g;
	const char *log, *log_format;
};

static void log_error(const struct globals *o, const char *msg)
{
	char now[64];

	if (!o->log)
		return;
	int fd = open(o->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return;
	sk_now_rfc3339(now, sizeof now, 1);
	if (o->log_format && strcmp(o->log_format, "json") == 0) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "level", "error");
		cJSON_AddStringToObject(j, "msg", msg);
		cJSON_AddStringToObject(j, "time", now);
		char *line = cJSON_PrintUnformatted(j);
		if (line)
			dprintf(fd, "%s\n", line);
		free(line);
		cJSON_Delete(j);
	} else
		dprintf(fd, "%s skiff-runtime: error: %s\n", now, msg);
	close(fd);
}

/* Global options before the verb; returns the verb's index or -1. */
static int parse_globals(int argc, char **argv, struct globals *o)
{
	const char *manager = NULL, *unused = NULL, *log_format = NULL;
	int debug = 0, no_cgroups = 0, help = 0, version = 0;
	const struct arg_opt opts[] = {
	    {"--root", ARG_STR, &o->g.root, NULL},
	    {"--log", ARG_STR, &o->log, NULL},
	    {"--log-format", ARG_STR, &log_format, NULL},
	    {"--cgroup-manager", ARG_STR, &manager, NULL},
	    {"--no-cgroups", ARG_FLAG, &no_cgroups, NULL},
	    {"--debug", ARG_FLAG, &debug, NULL},
	    {"--systemd-cgroup", ARG_FLAG, &help, NULL},
	    {"--rootless", ARG_STR, &unused, NULL},
	    {"--version", ARG_FLAG, &version, NULL},
	    {"-v", ARG_FLAG, &version, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	int first = cmd_parse_globals(argc, argv, opts, help_text + 7);

	if (first == -2 || version) {
		if (version)
			printf("skiff-runtime version " VERSION "\nspec: 1.0.2\n");
		return -2;
	}
	if (log_format && strcmp(log_format, "text") && strcmp(log_format, "json")) {
		sk_print_fatalf("--log-format: \"%s\" is neither text nor json", log_format);
		return -1;
	}
	if (first == -1)
		return -3; /* cmd_parse said what is wrong */
	if (help || (manager && strcmp(manager, "cgroupfs") && strcmp(manager, "disabled"))) {
		if (help || manager)
			sk_print_fatalf("only --cgroup-manager cgroupfs|disabled");
		return -1;
	}
	o->log_format = log_format;
	o->g.no_cgroups = no_cgroups || (manager && strcmp(manager, "disabled") == 0);
	return first < argc ? first : -1;
}

static int dispatch(const struct globals *o, int argc, char **argv, struct sk_err *err)
{
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(verbs[i].name, argv[0]) == 0)
			return verbs[i].fn(&o->g, argc, argv, err);
	for (size_t i = 0; i < sizeof image_verbs / sizeof image_verbs[0]; i++)
		if (strcmp(image_verbs[i], argv[0]) == 0)
			return image_cli(argc, argv);
	sk_print_fatalf("unknown verb \"%s\"", argv[0]);
	usage(stderr);
	return SK_EXIT_USAGE;
}

int runtime_main(int argc, char **argv)
{
	struct globals o = {{0}, NULL, NULL};
	struct sk_err err = {0};

	sk_progname = "skiff-runtime";
	int verb = parse_globals(argc, argv, &o);
	if (verb == -2)
		return 0;
	if (verb == -3)
		return SK_EXIT_USAGE;
	if (verb < 0) {
		usage(stderr);
		return SK_EXIT_USAGE;
	}
	int rc = dispatch(&o, argc - verb, argv + verb, &err);
	if (rc == -1) {
		log_error(&o, err.msg);
		/* runc's and crun's contract: any failure of a verb exits 1. */
		sk_class(&err, SK_ERR_FAIL);
		sk_fatal(&err);
	}
	return rc;
}
