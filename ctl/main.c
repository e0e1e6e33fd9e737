/* skiffctl: command line for Skiff clusters. Parses global options,
 * dispatches a verb, and turns an error into an exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
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
	    "       | credentials ID [--out FILE] | remove ID\n"
	    "       | token create [--ttl D] [--labels K=V,...] | token ls | token revoke ID\n"
	    "       | requests | approve ID|--all [--follow]\n"
	    "       | update --image REF [--nodes SEL] [--max-unavailable N] | update status\n"
	    "       | update cancel\n"
	    "  secret put NAME [--from-file FILE] | ls | rm NAME\n"
	    "  events [--follow] [--since REV]\n"
	    "  scheduler [--id ID] [--ttl SEC]\n"
	    "  ca init | issue node|operator NAME\n"
	    "  auth init --dir DIR\n"
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
    {"ca", cmd_ca},	      {"events", cmd_events}, {"auth", cmd_auth},
};

static int output_format(void *ctx, const char *v, struct sk_err *err)
{
	struct ctl *c = ctx;
	if (strcmp(v, "json") != 0 && strcmp(v, "table") != 0)
		return ctl_usage_error(err, "-o: expected json or table, got `%s`", v);
	c->json = strcmp(v, "json") == 0;
	return 0;
}

/* Global options come before the verb; returns the verb's index in argv
 * (argc when there is none), or a usage error. */
static int global_options(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	int help = 0;
	const struct arg_opt opts[] = {
	    {"-h", ARG_FLAG, &help, NULL},
	    {"--help", ARG_FLAG, &help, NULL},
	    {"-o", ARG_FN, NULL, output_format},
	    {"--endpoints", ARG_STR, &c->endpoints, NULL},
	    {"--cluster", ARG_STR, &c->cluster, NULL},
	    {"--config", ARG_STR, &c->config, NULL},
	    {"--cacert", ARG_STR, &c->opts.ca_file, NULL},
	    {"--cert", ARG_STR, &c->opts.cert_file, NULL},
	    {"--key", ARG_STR, &c->opts.key_file, NULL},
	    {"--user", ARG_STR, &c->opts.user, NULL},
	    {"--api-cacert", ARG_STR, &c->api_ca, NULL},
	    {"--api-cert", ARG_STR, &c->api_cert, NULL},
	    {"--api-key", ARG_STR, &c->api_key, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	int i = sk_args_lead(argc, argv, 1, "options", opts, c, err);
	/* help wins over anything after it, as it always did */
	if (help) {
		usage(stdout);
		exit(0);
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
	int i = global_options(&c, argc, argv, &err);
	if (i < 0 || i >= argc) {
		if (i < 0)
			sk_print_fatalf("%s", err.msg);
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
