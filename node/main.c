/* skiff: the one node binary. Each role is a program of its own, run by
 * the name it was called as (basename of argv[0], with or without the
 * "skiff-" prefix: /sbin/init, /usr/bin/skiff-agent, ...) or, when called
 * as anything else, by its first argument (`skiff agent --help`), as
 * busybox does. Linking the roles once shares the libraries they all use
 * (cJSON, musl, lib/, netcfg), which is most of each. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "node/roles.h"
#include "version.h"

/* The one list of roles: the name, its entry point, and what it is. */
static const struct role {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
} roles[] = {
    {"init", init_main, "PID 1 of a node: boots, supervises, shuts down"},
    {"agent", agent_main, "the cluster agent: registers, runs the node's tasks"},
    {"runtime", runtime_main, "an OCI runtime with runc's command line, and an image store"},
    {"netcfg", netcfg_main, "the node network: links, addresses, DHCP, container bridge"},
    {"init-process", container_init_main, "PID 1 inside a container (initProcessEnabled)"},
};

static const struct role *find(const char *name)
{
	if (strncmp(name, "skiff-", 6) == 0)
		name += 6;
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

static void usage(FILE *f)
{
	fputs("usage: skiff ROLE [ARGS...]   (or run through a link named after ROLE:\n"
	      "       /sbin/init, skiff-agent, skiff-runtime, skiff-netcfg)\n"
	      "roles:\n",
	      f);
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		fprintf(f, "  %-13s %s\n", roles[i].name, roles[i].summary);
	fputs("`skiff ROLE --help` describes a role.\n", f);
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const struct role *r = argc > 0 ? find(base ? base + 1 : argv[0]) : NULL;

	if (r)
		return r->main(argc, argv);
	sk_progname = "skiff";
	if (argc < 2) {
		usage(stderr);
		return SK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("skiff %s\n", SKIFF_VERSION);
		return 0;
	}
	if (!(r = find(argv[1]))) {
		sk_print_fatalf("unknown role \"%s\"", argv[1]);
		usage(stderr);
		return SK_EXIT_USAGE;
	}
	return r->main(argc - 1, argv + 1);
}
