/* The kernel command line (lib/cmdline.c) and the keys read from it: init's
 * skiff.* overrides (init/config.c) and skiff.verity= (init/verity.c),
 * netcfg's ip= and skiff.net.* (netcfg/cmdline_net.c). Anyone who can edit
 * a boot entry controls it; it must never crash PID 1. */
#include "fuzz.h"
#include "cmdline.h"
#include "init/init_config.h"
#include "init/verity_dm.h"
#include "netcfg/netcfg.h"

/* init/boot.c's bounds */
#define CMDLINE_MAX  4096
#define CMDLINE_ARGS 128

/* A node.json as skiff-imagegen writes it, for the overrides to act on. */
static const char node_json[] =
    "{\"hostname\":\"node\",\"modules\":[\"virtio_net\"],\"shutdown_grace_ms\":5000,"
    "\"services\":[{\"name\":\"agent\",\"exec\":[\"/usr/bin/skiff-agent\"],\"restart\":\"always\"},"
    "{\"name\":\"shell\",\"exec\":[\"/bin/sh\"],\"restart\":\"on-failure\"}],"
    "\"network\":{\"interfaces\":[{\"match\":{\"name\":\"eth0\"},\"dhcp\":true}]}}";

static void quiet(void *ctx, const char *msg)
{
}

static void init_keys(const struct cmdline_arg *args, size_t n)
{
	static struct node_config cfg;
	struct sk_err err = {0};
	struct verity_args v;
	config_defaults(&cfg);
	FUZZ_REQUIRE(config_parse(&cfg, "node.json", node_json, sizeof node_json - 1, &err) == 0,
		     "%s", err.msg);
	int rc = config_apply_cmdline(&cfg, args, n, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	FUZZ_REQUIRE(cfg.n_modules <= CONFIG_MAX_MODULES, "%zu modules", cfg.n_modules);
	FUZZ_REQUIRE(memchr(cfg.hostname, 0, sizeof cfg.hostname), "hostname not terminated");
	const char *verity = cmdline_get(args, n, "skiff.verity");
	if (verity) {
		rc = verity_parse(verity, &v, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
	}
}

static void netcfg_keys(const char *text)
{
	static struct netcfg_config cfg;
	struct sk_err err = {0};
	struct netcfg_opts opts = {.report = quiet, .log = quiet};
	FUZZ_REQUIRE(netcfg_config_parse(node_json, &cfg, &opts, &err) == 0, "%s", err.msg);
	netcfg_config_cmdline(&cfg, text, &opts);
	FUZZ_REQUIRE(cfg.n_ifaces <= NETCFG_MAX_IFACES, "%zu interfaces", cfg.n_ifaces);
	FUZZ_REQUIRE(cfg.n_ns <= NETCFG_MAX_NS, "%zu name servers", cfg.n_ns);
	FUZZ_REQUIRE(cfg.n_search <= NETCFG_MAX_SEARCH, "%zu search domains", cfg.n_search);
	for (size_t i = 0; i < cfg.n_ifaces; i++)
		FUZZ_REQUIRE(cfg.ifaces[i].n_addrs <= NETCFG_MAX_ADDRS &&
				 cfg.ifaces[i].n_routes <= NETCFG_MAX_ROUTES,
			     "interface %zu: %zu addresses, %zu routes", i, cfg.ifaces[i].n_addrs,
			     cfg.ifaces[i].n_routes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct cmdline_arg args[CMDLINE_ARGS];
	/* init reads at most CMDLINE_MAX - 1 bytes of /proc/cmdline */
	if (len > CMDLINE_MAX - 1)
		len = CMDLINE_MAX - 1;
	char *text = fuzz_text(data, len);
	char *buf = fuzz_text(data, len);
	size_t n = cmdline_parse(buf, args, CMDLINE_ARGS);
	init_keys(args, n < CMDLINE_ARGS ? n : CMDLINE_ARGS);
	netcfg_keys(text);
	free(buf);
	free(text);
	return 0;
}
