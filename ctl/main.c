/* skiffctl: command line for Skiff clusters. Parses global options,
 * dispatches a verb, and turns an error into an exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static void usage(FILE *f)
{
	fputs(
	    "usage: skiffctl [OPTIONS] COMMAND ...\n"
	    "\n"
	    "commands:\n"
	    "  taskdef register FILE | validate FILE | ls | describe FAMILY[:REV]\n"
	    "          | deregister FAMILY:REV\n"
	    "  task run TASKDEF [--count N] | stop ID [--reason R] | ls [--service S] [--node N]\n"
	    "       | describe ID | logs ID [-f] [--tail N] [--since T] | exec ID [-it] -- CMD...\n"
	    "  service create NAME --taskdef F[:R] --desired-count N [--strategy S] [--constraint "
	    "C]\n"
	    "          | update NAME [--desired-count N] [--taskdef F[:R]] | delete NAME | ls\n"
	    "          | describe NAME\n"
	    "  node ls | describe ID | drain ID [--undo] | logs ID [-f] | dmesg ID | top ID\n"
	    "  secret put NAME [--from-file FILE] | ls | rm NAME\n"
	    "  events [--follow] [--since REV]\n"
	    "  scheduler [--id ID] [--ttl SEC]\n"
	    "  ca init | issue node|operator NAME\n"
	    "\n"
	    "options:\n"
	    "  --endpoints URL,URL  etcd endpoints (env SKIFF_ENDPOINTS, config file)\n"
	    "  --cluster NAME       cluster name (env SKIFF_CLUSTER; default \"default\")\n"
	    "  --config FILE        config file (default ~/.config/skiff/skiffctl.json)\n"
	    "  --cacert FILE        CA bundle for https endpoints\n"
	    "  --cert FILE          TLS client certificate, PEM (env SKIFF_ETCD_CERT)\n"
	    "  --key FILE           its private key, PEM, RSA or EC (env SKIFF_ETCD_KEY)\n"
	    "  --user NAME          etcd user (password from env SKIFF_ETCD_PASSWORD)\n"
	    "  --api-cacert FILE    node API: the cluster CA (env SKIFF_API_CACERT)\n"
	    "  --api-cert FILE      node API: operator certificate (env SKIFF_API_CERT)\n"
	    "  --api-key FILE       node API: its key (env SKIFF_API_KEY)\n"
	    "  -o json              machine-readable output\n"
	    "  -h, --help           this help (also after any command)\n"
	    "\n"
	    "exit status: 0 ok, 1 failure, 2 usage or bad input, 3 not found, 111 system or\n"
	    "network error\n",
	    f);
}

static const struct {
	const char *name;
	ctl_verb_fn fn;
} verbs[] = {
    {"taskdef", cmd_taskdef}, {"task", cmd_task},     {"service", cmd_service},
    {"node", cmd_node},	      {"secret", cmd_secret}, {"scheduler", cmd_scheduler},
    {"ca", cmd_ca},	      {"events", cmd_events},
};

/* Global options come before the verb; returns the verb's index in argv. */
static int global_options(struct ctl *c, int argc, char **argv)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (ctl_is_help(a)) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "-o") == 0 && v && strcmp(v, "json") == 0)
			c->json = 1;
		else if (strcmp(a, "-o") == 0 && v && strcmp(v, "table") == 0)
			c->json = 0;
		else if (strcmp(a, "--endpoints") == 0 && v)
			c->endpoints = v;
		else if (strcmp(a, "--cluster") == 0 && v)
			c->cluster = v;
		else if (strcmp(a, "--config") == 0 && v)
			c->config = v;
		else if (strcmp(a, "--cacert") == 0 && v)
			c->opts.ca_file = v;
		else if (strcmp(a, "--cert") == 0 && v)
			c->opts.cert_file = v;
		else if (strcmp(a, "--key") == 0 && v)
			c->opts.key_file = v;
		else if (strcmp(a, "--user") == 0 && v)
			c->opts.user = v;
		else if (strcmp(a, "--api-cacert") == 0 && v)
			c->api_ca = v;
		else if (strcmp(a, "--api-cert") == 0 && v)
			c->api_cert = v;
		else if (strcmp(a, "--api-key") == 0 && v)
			c->api_key = v;
		else
			return -1;
		i++;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct ctl c = {0};
	struct sk_err err = {0};
	sk_progname = "skiffctl";
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("skiffctl %s\n", SKIFF_VERSION);
		return 0;
	}
	int i = global_options(&c, argc, argv);
	if (i < 0 || i >= argc) {
		if (i < 0)
			sk_print_fatalf("bad option near `%s`\n", argv[argc > 1 ? 1 : 0]);
		usage(stderr);
		return SK_EXIT_USAGE;
	}
	for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++) {
		if (strcmp(argv[i], verbs[k].name) != 0)
			continue;
		int rc = ctl_configure(&c, &err);
		if (rc == 0)
			rc = verbs[k].fn(&c, argc - i, argv + i, &err);
		etcd_free(c.etcd);
		if (rc < 0)
			sk_fatal(&err); /* silent when the usage was printed */
		return rc;
	}
	sk_print_fatalf("unknown command `%s`", argv[i]);
	usage(stderr);
	return SK_EXIT_USAGE;
}
