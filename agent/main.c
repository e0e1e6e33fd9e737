/* skiff-agent: parses its options (lib/args.c) and runs the agent library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent_config.h"
#include "args.h"
#include "err.h"
#include "node/roles.h"
#include "version.h"

static void usage(FILE *f)
{
	fputs("usage: skiff-agent [options]\n"
	      "  --config FILE        node.json whose \"cluster\" object configures the agent\n"
	      "                       (default /etc/skiff/node.json, if present)\n"
	      "  --cluster NAME       cluster name (keys under /skiff/NAME/)\n"
	      "  --endpoints URLS     etcd endpoints, comma-separated\n"
	      "  --cacert FILE        CA bundle to verify https endpoints (default: the system's)\n"
	      "  --cert FILE          TLS client certificate for etcd, PEM\n"
	      "  --key FILE           its private key, PEM, RSA or EC\n"
	      "  --password-file FILE password of the node's etcd user\n"
	      "  --user NAME          that user (default skiff:CLUSTER:node:NODE-ID)\n"
	      "  --join-token TOKEN   join with this bootstrap token (skiffctl node token;\n"
	      "                       else skiff.join_token= on the kernel command line)\n"
	      "  --node-id ID         node id (default: the one kept in DATA/node-id, made\n"
	      "                       once as hostname-<boot id prefix>)\n"
	      "  --labels K=V[,K=V]   node labels (repeatable)\n"
	      "  --cpu UNITS          CPU units to offer (default 1024 per CPU)\n"
	      "  --memory MIB         memory to offer (default MemTotal less the reservation)\n"
	      "  --data DIR           images and bundles (default /var/lib/skiff)\n"
	      "  --run DIR            runtime and network state (default /run/skiff)\n"
	      "  --lease-ttl SEC      node lease TTL (default 10)\n"
	      "  --stop-timeout SEC   SIGTERM grace when a container sets no stopTimeout (30)\n"
	      "  --log-retention SEC  keep the logs of a finished task this long (10800)\n"
	      "  --insecure-registry HOST:PORT  pull from this registry over plain HTTP "
	      "(repeatable)\n"
	      "  --bridge NAME        container bridge (default skiff0)\n"
	      "  --bridge-subnet CIDR container bridge subnet (default 172.31.0.0/24)\n"
	      "  --api-port PORT      node API port (default 7443)\n"
	      "  --api-cacert FILE    node API: the cluster CA that client certificates chain to\n"
	      "  --api-cert FILE      node API: this node's certificate (skiffctl ca issue node)\n"
	      "  --api-key FILE       node API: its private key\n"
	      "  --no-os-updates      ignore updates/<node> (an agent on an OS Skiff does not\n"
	      "                       manage; as the ECS agent's ECS_UPDATES_ENABLED=false)\n",
	      f);
}

/* The options as given: each applied to the configuration after the
 * config file, so that every option overrides it. */
struct args {
	const char *config, *cluster, *endpoints, *cacert, *cert, *key, *user, *password_file,
	    *join_token, *node_id, **labels, *cpu, *memory, *data, *run, *lease_ttl, *stop_timeout,
	    *log_retention, **insecure, *bridge, *subnet, *api_port, *api_ca, *api_cert, *api_key;
	int no_os_updates;
};

static int parse(int argc, char **argv, struct args *a, struct sk_err *err)
{
	const struct arg_opt opts[] = {
	    {"--config", ARG_STR, &a->config, NULL},
	    {"--cluster", ARG_STR, &a->cluster, NULL},
	    {"--endpoints", ARG_STR, &a->endpoints, NULL},
	    {"--cacert", ARG_STR, &a->cacert, NULL},
	    {"--cert", ARG_STR, &a->cert, NULL},
	    {"--key", ARG_STR, &a->key, NULL},
	    {"--user", ARG_STR, &a->user, NULL},
	    {"--password-file", ARG_STR, &a->password_file, NULL},
	    {"--join-token", ARG_STR, &a->join_token, NULL},
	    {"--node-id", ARG_STR, &a->node_id, NULL},
	    {"--labels", ARG_LIST, &a->labels, NULL},
	    {"--cpu", ARG_STR, &a->cpu, NULL},
	    {"--memory", ARG_STR, &a->memory, NULL},
	    {"--data", ARG_STR, &a->data, NULL},
	    {"--run", ARG_STR, &a->run, NULL},
	    {"--lease-ttl", ARG_STR, &a->lease_ttl, NULL},
	    {"--stop-timeout", ARG_STR, &a->stop_timeout, NULL},
	    {"--log-retention", ARG_STR, &a->log_retention, NULL},
	    {"--insecure-registry", ARG_LIST, &a->insecure, NULL},
	    {"--bridge", ARG_STR, &a->bridge, NULL},
	    {"--bridge-subnet", ARG_STR, &a->subnet, NULL},
	    {"--api-port", ARG_STR, &a->api_port, NULL},
	    {"--api-cacert", ARG_STR, &a->api_ca, NULL},
	    {"--api-cert", ARG_STR, &a->api_cert, NULL},
	    {"--api-key", ARG_STR, &a->api_key, NULL},
	    {"--no-os-updates", ARG_FLAG, &a->no_os_updates, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	return sk_args(argc, argv, 1, "options", opts, NULL, NULL, 0, err);
}

static int number(const char *s, int min, int max, int *out, const char *opt, struct sk_err *err)
{
	char *end;
	long v;

	if (!s)
		return 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max)
		return sk_fail(err, 0, "--%s %s: expected a number in %d..%d", opt, s, min, max);
	*out = (int)v;
	return 0;
}

static int copy(char *dst, size_t size, const char *s, const char *opt, struct sk_err *err)
{
	if (!s)
		return 0;
	if (strlen(s) >= size)
		return sk_fail(err, 0, "--%s: too long", opt);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int labels(struct agent_config *cfg, const char *list, struct sk_err *err)
{
	char buf[1024], *save = NULL, *kv;

	if (copy(buf, sizeof buf, list, "labels", err) < 0)
		return -1;
	for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
		if (agent_config_add_label(cfg, kv, err) < 0)
			return -1;
	return 0;
}

static int lists(struct agent_config *cfg, const struct args *a, struct sk_err *err)
{
	for (size_t i = 0; a->labels && a->labels[i]; i++)
		if (labels(cfg, a->labels[i], err) < 0)
			return -1;
	for (size_t i = 0; a->insecure && a->insecure[i]; i++)
		if (agent_config_add_registry(cfg, a->insecure[i], err) < 0)
			return -1;
	return 0;
}

/* Applies what the command line set over the configuration. */
static int apply(struct agent_config *cfg, const struct args *a, struct sk_err *err)
{
	if (copy(cfg->cluster, sizeof cfg->cluster, a->cluster, "cluster", err) < 0 ||
	    (a->endpoints && agent_config_set_endpoints(cfg, a->endpoints, err) < 0) ||
	    copy(cfg->ca_file, sizeof cfg->ca_file, a->cacert, "cacert", err) < 0 ||
	    copy(cfg->cert_file, sizeof cfg->cert_file, a->cert, "cert", err) < 0 ||
	    copy(cfg->key_file, sizeof cfg->key_file, a->key, "key", err) < 0 ||
	    copy(cfg->user, sizeof cfg->user, a->user, "user", err) < 0 ||
	    copy(cfg->password_file, sizeof cfg->password_file, a->password_file, "password-file",
		 err) < 0 ||
	    copy(cfg->join_token, sizeof cfg->join_token, a->join_token, "join-token", err) < 0 ||
	    copy(cfg->node_id, sizeof cfg->node_id, a->node_id, "node-id", err) < 0 ||
	    number(a->cpu, 1, 1 << 24, &cfg->cpu_units, "cpu", err) < 0 ||
	    number(a->memory, 1, 1 << 30, &cfg->memory_mib, "memory", err) < 0 ||
	    copy(cfg->data_dir, sizeof cfg->data_dir, a->data, "data", err) < 0 ||
	    copy(cfg->run_dir, sizeof cfg->run_dir, a->run, "run", err) < 0 ||
	    number(a->lease_ttl, 2, 3600, &cfg->lease_ttl_s, "lease-ttl", err) < 0 ||
	    number(a->stop_timeout, 0, 3600, &cfg->stop_timeout_s, "stop-timeout", err) < 0 ||
	    number(a->log_retention, 0, 365 * 86400, &cfg->log_retention_s, "log-retention", err) <
		0 ||
	    copy(cfg->bridge_name, sizeof cfg->bridge_name, a->bridge, "bridge", err) < 0 ||
	    copy(cfg->bridge_subnet, sizeof cfg->bridge_subnet, a->subnet, "bridge-subnet", err) <
		0 ||
	    number(a->api_port, 1, 65535, &cfg->api.port, "api-port", err) < 0 ||
	    copy(cfg->api.ca_file, sizeof cfg->api.ca_file, a->api_ca, "api-cacert", err) < 0 ||
	    copy(cfg->api.cert_file, sizeof cfg->api.cert_file, a->api_cert, "api-cert", err) < 0 ||
	    copy(cfg->api.key_file, sizeof cfg->api.key_file, a->api_key, "api-key", err) < 0)
		return -1;
	if (a->no_os_updates)
		cfg->os_updates_off = 1;
	return lists(cfg, a, err);
}

int agent_main(int argc, char **argv)
{
	static struct agent_config cfg;
	struct args a = {0};
	struct sk_err err = {0};

	sk_progname = "skiff-agent";
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("skiff-agent %s\n", SKIFF_VERSION);
		return 0;
	}
	if (sk_args_help(argc, argv, 1, 0)) {
		usage(stdout);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (parse(argc, argv, &a, &err) < 0) {
		sk_print_fatal(&err);
		usage(stderr);
		return SK_EXIT_USAGE;
	}
	agent_config_defaults(&cfg);
	/* The configuration is input: what is wrong with it is a usage error.
	 * The config file first, so that every option overrides it. */
	if (agent_config_load(&cfg, a.config ? a.config : "/etc/skiff/node.json", !!a.config,
			      &err) < 0 ||
	    apply(&cfg, &a, &err) < 0 || agent_config_finish(&cfg, &err) < 0)
		sk_class(&err, SK_ERR_USAGE), sk_fatal(&err);
	if (!cfg.password_file[0])
		agent_join_token_from_cmdline(&cfg, "/proc/cmdline");
	if (cfg.join_token[0] && !cfg.password_file[0] && agent_join(&cfg, &err) < 0)
		sk_fatal(&err);
	/* The agent ends only when the node, etcd or a system call fails it. */
	if (agent_run(&cfg, &err) < 0)
		sk_class(&err, SK_ERR_SYS), sk_fatal(&err);
	return 0;
}
