/* skiff-agent: parses its options and runs the agent library. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent_config.h"
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
	      "  --node-id ID         node id (default: hostname-<boot id prefix>)\n"
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
	      "  --api-key FILE       node API: its private key\n",
	      f);
}

enum {
	OPT_CONFIG = 256,
	OPT_CLUSTER,
	OPT_ENDPOINTS,
	OPT_CACERT,
	OPT_CERT,
	OPT_KEY,
	OPT_NODE_ID,
	OPT_LABELS,
	OPT_CPU,
	OPT_MEMORY,
	OPT_DATA,
	OPT_RUN,
	OPT_TTL,
	OPT_STOP,
	OPT_LOG_RETENTION,
	OPT_INSECURE,
	OPT_BRIDGE,
	OPT_SUBNET,
	OPT_API_PORT,
	OPT_API_CA,
	OPT_API_CERT,
	OPT_API_KEY,
};

static const struct option options[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"cluster", required_argument, NULL, OPT_CLUSTER},
    {"endpoints", required_argument, NULL, OPT_ENDPOINTS},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"node-id", required_argument, NULL, OPT_NODE_ID},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"cpu", required_argument, NULL, OPT_CPU},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"data", required_argument, NULL, OPT_DATA},
    {"run", required_argument, NULL, OPT_RUN},
    {"lease-ttl", required_argument, NULL, OPT_TTL},
    {"stop-timeout", required_argument, NULL, OPT_STOP},
    {"log-retention", required_argument, NULL, OPT_LOG_RETENTION},
    {"insecure-registry", required_argument, NULL, OPT_INSECURE},
    {"bridge", required_argument, NULL, OPT_BRIDGE},
    {"bridge-subnet", required_argument, NULL, OPT_SUBNET},
    {"api-port", required_argument, NULL, OPT_API_PORT},
    {"api-cacert", required_argument, NULL, OPT_API_CA},
    {"api-cert", required_argument, NULL, OPT_API_CERT},
    {"api-key", required_argument, NULL, OPT_API_KEY},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static int number(const char *s, int min, int max, int *out, const char *opt, struct sk_err *err)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		return sk_fail(err, 0, "--%s %s: expected a number in %d..%d", opt, s, min, max);
	*out = (int)v;
	return 0;
}

static int copy(char *dst, size_t size, const char *s, const char *opt, struct sk_err *err)
{
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

static int apply(struct agent_config *cfg, int opt, const char *v, struct sk_err *err)
{
	switch (opt) {
	case OPT_CLUSTER:
		return copy(cfg->cluster, sizeof cfg->cluster, v, "cluster", err);
	case OPT_ENDPOINTS:
		return agent_config_set_endpoints(cfg, v, err);
	case OPT_CACERT:
		return copy(cfg->ca_file, sizeof cfg->ca_file, v, "cacert", err);
	case OPT_CERT:
		return copy(cfg->cert_file, sizeof cfg->cert_file, v, "cert", err);
	case OPT_KEY:
		return copy(cfg->key_file, sizeof cfg->key_file, v, "key", err);
	case OPT_NODE_ID:
		return copy(cfg->node_id, sizeof cfg->node_id, v, "node-id", err);
	case OPT_LABELS:
		return labels(cfg, v, err);
	case OPT_CPU:
		return number(v, 1, 1 << 24, &cfg->cpu_units, "cpu", err);
	case OPT_MEMORY:
		return number(v, 1, 1 << 30, &cfg->memory_mib, "memory", err);
	case OPT_DATA:
		return copy(cfg->data_dir, sizeof cfg->data_dir, v, "data", err);
	case OPT_RUN:
		return copy(cfg->run_dir, sizeof cfg->run_dir, v, "run", err);
	case OPT_TTL:
		return number(v, 2, 3600, &cfg->lease_ttl_s, "lease-ttl", err);
	case OPT_STOP:
		return number(v, 0, 3600, &cfg->stop_timeout_s, "stop-timeout", err);
	case OPT_LOG_RETENTION:
		return number(v, 0, 365 * 86400, &cfg->log_retention_s, "log-retention", err);
	case OPT_INSECURE:
		return agent_config_add_registry(cfg, v, err);
	case OPT_BRIDGE:
		return copy(cfg->bridge_name, sizeof cfg->bridge_name, v, "bridge", err);
	case OPT_SUBNET:
		return copy(cfg->bridge_subnet, sizeof cfg->bridge_subnet, v, "bridge-subnet", err);
	case OPT_API_PORT:
		return number(v, 1, 65535, &cfg->api.port, "api-port", err);
	case OPT_API_CA:
		return copy(cfg->api.ca_file, sizeof cfg->api.ca_file, v, "api-cacert", err);
	case OPT_API_CERT:
		return copy(cfg->api.cert_file, sizeof cfg->api.cert_file, v, "api-cert", err);
	case OPT_API_KEY:
		return copy(cfg->api.key_file, sizeof cfg->api.key_file, v, "api-key", err);
	}
	return 0;
}

/* The config file first, so that every other option overrides it. */
static int load_config(struct agent_config *cfg, int argc, char **argv, struct sk_err *err)
{
	const char *path = "/etc/skiff/node.json";
	int required = 0, opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == OPT_CONFIG) {
			path = optarg;
			required = 1;
		} else if (opt == 'h') {
			usage(stdout);
			exit(0);
		} else if (opt == '?') {
			usage(stderr);
			exit(SK_EXIT_USAGE);
		}
	}
	if (optind < argc)
		return sk_fail(err, 0, "unexpected argument %s", argv[optind]);
	return agent_config_load(cfg, path, required, err);
}

int agent_main(int argc, char **argv)
{
	static struct agent_config cfg;
	struct sk_err err = {0};
	int opt;

	sk_progname = "skiff-agent";
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("skiff-agent %s\n", SKIFF_VERSION);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	agent_config_defaults(&cfg);
	/* The configuration is input: what is wrong with it is a usage error. */
	if (load_config(&cfg, argc, argv, &err) < 0)
		sk_class(&err, SK_ERR_USAGE), sk_fatal(&err);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1)
		if (apply(&cfg, opt, optarg, &err) < 0)
			sk_class(&err, SK_ERR_USAGE), sk_fatal(&err);
	if (agent_config_finish(&cfg, &err) < 0)
		sk_class(&err, SK_ERR_USAGE), sk_fatal(&err);
	/* The agent ends only when the node, etcd or a system call fails it. */
	if (agent_run(&cfg, &err) < 0)
		sk_class(&err, SK_ERR_SYS), sk_fatal(&err);
	return 0;
}
