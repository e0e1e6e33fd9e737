/* skiff-netcfg: the command around netcfg.h. Each verb parses its
 * arguments and calls one library function; only main() exits.
 * Run as udhcpc's script (argv[1] is a DHCP event), it applies the lease. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "netcfg.h"
#include "node/roles.h"
#include "version.h"

#define MAX_MAPS 32

static int usage_up(FILE *f, int status)
{
	fprintf(f, "usage: skiff-netcfg up [options] [NODE_JSON]\n"
		   "Configures the node network from NODE_JSON's \"network\" object\n"
		   "(default /etc/skiff/node.json) and kernel command-line overrides.\n"
		   "  --cmdline STR     apply ip=/skiff.net.* overrides from STR\n"
		   "  --proc-cmdline    apply overrides from /proc/cmdline\n"
		   "  --resolv PATH     resolv.conf to write (default /etc/resolv.conf)\n"
		   "  --state DIR       state directory (default /run/skiff/net)\n"
		   "  --no-dhcp         do not start udhcpc for DHCP interfaces\n");
	return status;
}

static char *read_proc_cmdline(void)
{
	static char buf[4096];
	FILE *f = fopen("/proc/cmdline", "re");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

/* A usage error: what is wrong, then the verb's usage; exits 2. */
static void usage_fatal(const struct sk_err *err, int (*usage_fn)(FILE *, int))
{
	sk_print_fatal(err);
	exit(usage_fn(stderr, SK_EXIT_USAGE));
}

static int usage_show(FILE *f, int status)
{
	fprintf(f, "usage: skiff-netcfg show [-o table|json]\n"
		   "Prints links, addresses (with lifetimes) and main-table routes.\n");
	return status;
}

static int usage_dhcp(FILE *f, int status)
{
	fprintf(f, "usage: skiff-netcfg dhcp-event deconfig|bound|renew|leasefail|nak\n"
		   "The udhcpc script (udhcpc -s /usr/bin/skiff-netcfg also works): applies\n"
		   "the lease in the environment (interface, ip, mask, router, dns, domain,\n"
		   "search, lease, mtu). Env SKIFF_NETCFG_RESOLV, SKIFF_NETCFG_STATE.\n");
	return status;
}

static int usage_carrier(FILE *f, int status)
{
	fprintf(f, "usage: skiff-netcfg wait-carrier IFNAME [TIMEOUT_MS]\n");
	return status;
}

static int cmd_up(int argc, char **argv, struct sk_err *err)
{
	struct netcfg_opts o = {0};
	const char *cmdline = NULL, *json = "/etc/skiff/node.json";
	int proc = 0, no_dhcp = 0;
	const struct arg_opt opts[] = {
	    {"--cmdline", ARG_STR, &cmdline, NULL},	 {"--proc-cmdline", ARG_FLAG, &proc, NULL},
	    {"--resolv", ARG_STR, &o.resolv_path, NULL}, {"--state", ARG_STR, &o.state_dir, NULL},
	    {"--no-dhcp", ARG_FLAG, &no_dhcp, NULL},	 {NULL, ARG_FLAG, NULL, NULL},
	};

	if (sk_args_help(argc, argv, 1, 0))
		exit(usage_up(stdout, 0));
	if (sk_args(argc, argv, 1, "up", opts, NULL, &json, 1, err) < 0)
		usage_fatal(err, usage_up);
	o.no_dhcp = no_dhcp;
	return netcfg_node_up(json, proc ? read_proc_cmdline() : cmdline, &o, err);
}

static int cmd_show(int argc, char **argv, struct sk_err *err)
{
	const char *format = "table";
	const struct arg_opt opts[] = {
	    {"-o", ARG_STR, &format, NULL},
	    {"--output", ARG_STR, &format, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};

	if (sk_args_help(argc, argv, 1, 0))
		exit(usage_show(stdout, 0));
	if (sk_args(argc, argv, 1, "show", opts, NULL, NULL, 0, err) < 0)
		usage_fatal(err, usage_show);
	if (strcmp(format, "table") && strcmp(format, "json")) {
		sk_failc(err, SK_ERR_USAGE, 0, "show: -o %s: expected table or json", format);
		usage_fatal(err, usage_show);
	}
	return netcfg_show(stdout, strcmp(format, "json") == 0, err);
}

static int cmd_dhcp(int argc, char **argv, struct sk_err *err)
{
	struct netcfg_opts o = {0};
	const char *event = NULL;
	static const struct arg_opt none[] = {{NULL, ARG_FLAG, NULL, NULL}};

	if (sk_args_help(argc, argv, 1, 0))
		exit(usage_dhcp(stdout, 0));
	if (sk_args(argc, argv, 1, "dhcp-event", none, NULL, &event, 1, err) < 0)
		usage_fatal(err, usage_dhcp);
	if (!event || !netcfg_is_dhcp_event(event)) {
		sk_failc(err, SK_ERR_USAGE, 0, "dhcp-event: `%s` is no DHCP event",
			 event ? event : "");
		usage_fatal(err, usage_dhcp);
	}
	return netcfg_dhcp_event(event, &o, err);
}

static int cmd_carrier(int argc, char **argv, struct sk_err *err)
{
	const char *pos[2] = {NULL, "5000"};
	static const struct arg_opt none[] = {{NULL, ARG_FLAG, NULL, NULL}};
	int ms;

	if (sk_args_help(argc, argv, 1, 0))
		exit(usage_carrier(stdout, 0));
	if (sk_args(argc, argv, 1, "wait-carrier", none, NULL, pos, 2, err) < 0 ||
	    sk_args_need("wait-carrier", "interface", pos[0], err) < 0)
		usage_fatal(err, usage_carrier);
	if ((ms = netcfg_wait_carrier(pos[0], atoi(pos[1]), err)) < 0)
		return -1;
	printf("%s: carrier after %d ms\n", pos[0], ms);
	return 0;
}

static int usage_bridge(FILE *f, int status)
{
	fprintf(f, "usage: skiff-netcfg bridge up|down [options]\n"
		   "       skiff-netcfg bridge attach [options] OWNER (--netns PATH | --pid PID)\n"
		   "       skiff-netcfg bridge detach [options] OWNER\n"
		   "  --bridge NAME     bridge name (default skiff0)\n"
		   "  --subnet CIDR     container subnet (default 172.31.0.0/24, gateway .1)\n"
		   "  --state DIR       state directory (default /run/skiff)\n"
		   "  --resolv PATH     host resolv.conf copied for containers\n"
		   "  --port H:C[/udp]  map host port H to container port C (repeatable)\n");
	return status;
}

struct bridge_args {
	struct netcfg_bridge br;
	struct netcfg_port_map maps[MAX_MAPS];
	size_t n_maps;
	char netns[64];
	const char *netns_path;
};

static int take_pid(void *ctx, const char *v, struct sk_err *err)
{
	struct bridge_args *a = ctx;
	snprintf(a->netns, sizeof a->netns, "/proc/%s/ns/net", v);
	a->netns_path = a->netns;
	return 0;
}

static int take_subnet(void *ctx, const char *v, struct sk_err *err)
{
	struct bridge_args *a = ctx;
	if (netcfg_prefix_parse(v, true, &a->br.subnet) < 0)
		return sk_fail(err, 0, "--subnet: malformed CIDR \"%s\"", v);
	return 0;
}

static int take_port(void *ctx, const char *v, struct sk_err *err)
{
	struct bridge_args *a = ctx;
	if (a->n_maps == MAX_MAPS || netcfg_port_map_parse(v, &a->maps[a->n_maps++], err) < 0)
		return sk_fail(err, 0, "--port %s: bad or too many mappings", v);
	return 0;
}

/* "bridge VERB [options] [OWNER]": the options and OWNER after VERB. */
static int bridge_opts(int argc, char **argv, struct bridge_args *a, const char **owner,
		       struct sk_err *err)
{
	const struct arg_opt opts[] = {
	    {"--bridge", ARG_STR, &a->br.name, NULL},
	    {"--state", ARG_STR, &a->br.state_dir, NULL},
	    {"--resolv", ARG_STR, &a->br.resolv_path, NULL},
	    {"--netns", ARG_STR, &a->netns_path, NULL},
	    {"--pid", ARG_FN, NULL, take_pid},
	    {"--subnet", ARG_FN, NULL, take_subnet},
	    {"--port", ARG_FN, NULL, take_port},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	return sk_args(argc, argv, 2, "bridge", opts, a, owner, 1, err);
}

static int cmd_bridge(int argc, char **argv, struct sk_err *err)
{
	struct bridge_args a = {0};
	struct netcfg_attach out;
	const char *verb = argc > 1 ? argv[1] : "", *owner = NULL;

	if (sk_args_help(argc, argv, 1, 0))
		exit(usage_bridge(stdout, 0));
	if (bridge_opts(argc, argv, &a, &owner, err) < 0) {
		if (err->cls == SK_ERR_USAGE)
			usage_fatal(err, usage_bridge);
		return -1;
	}
	if (!strcmp(verb, "up") && !owner)
		return netcfg_bridge_up(&a.br, err);
	if (!strcmp(verb, "down") && !owner)
		return netcfg_bridge_down(&a.br, err);
	if (!strcmp(verb, "detach") && owner)
		return netcfg_bridge_detach(&a.br, owner, err);
	if (strcmp(verb, "attach") || !owner || !a.netns_path)
		exit(usage_bridge(stderr, SK_EXIT_USAGE));
	if (netcfg_bridge_attach(&a.br, owner, a.netns_path, a.maps, a.n_maps, &out, err) < 0)
		return -1;
	printf("host_ifname=%s\nifname=%s\naddress=%s\ngateway=%s\nresolv_conf=%s\n",
	       out.host_ifname, out.ifname, out.address, out.gateway, out.resolv_path);
	return 0;
}

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: skiff-netcfg VERB [options]   (VERB --help for details)\n"
		   "  up [NODE_JSON]        configure the node network\n"
		   "  show [-o json]        links, addresses, routes\n"
		   "  dhcp-event EVENT      udhcpc script\n"
		   "  wait-carrier IFNAME   wait for carrier\n"
		   "  bridge up|down|attach|detach   container networking\n");
	return status;
}

int netcfg_main(int argc, char **argv)
{
	struct sk_err err = {0};
	const char *verb = argc > 1 ? argv[1] : "";
	int r;

	sk_progname = "skiff-netcfg";
	if (!strcmp(verb, "--version")) {
		printf("skiff-netcfg %s\n", SKIFF_VERSION);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines interleave with errors */
	if (netcfg_is_dhcp_event(verb))	  /* udhcpc -s skiff-netcfg */
		r = cmd_dhcp(argc, argv, &err);
	else if (!strcmp(verb, "dhcp-event"))
		r = cmd_dhcp(argc - 1, argv + 1, &err);
	else if (!strcmp(verb, "up"))
		r = cmd_up(argc - 1, argv + 1, &err);
	else if (!strcmp(verb, "show"))
		r = cmd_show(argc - 1, argv + 1, &err);
	else if (!strcmp(verb, "wait-carrier"))
		r = cmd_carrier(argc - 1, argv + 1, &err);
	else if (!strcmp(verb, "bridge"))
		r = cmd_bridge(argc - 1, argv + 1, &err);
	else
		return usage(!strcmp(verb, "--help") || !strcmp(verb, "-h") ? stdout : stderr,
			     !strcmp(verb, "--help") || !strcmp(verb, "-h") ? 0 : SK_EXIT_USAGE);
	/* Whatever failed with an errno failed in the kernel: a system error. */
	if (r < 0 && err.errnum)
		sk_class(&err, SK_ERR_SYS);
	if (r < 0)
		sk_fatal(&err);
	return 0;
}
