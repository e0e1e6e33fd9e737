/* skiff-netcfg: the command around netcfg.h. Each verb parses its
 * arguments and calls one library function; only main() exits.
 * Run as udhcpc's script (argv[1] is a DHCP event), it applies the lease. */
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcfg.h"
#include "node/roles.h"
#include "version.h"

#define MAX_MAPS 32

static void opt_common(struct netcfg_opts *o, int c, const char *arg)
{
	if (c == 'r')
		o->resolv_path = arg;
	else if (c == 's')
		o->state_dir = arg;
}

static const struct option common_long[] = {{"resolv", required_argument, 0, 'r'},
					    {"state", required_argument, 0, 's'},
					    {"cmdline", required_argument, 0, 'c'},
					    {"proc-cmdline", no_argument, 0, 'P'},
					    {"no-dhcp", no_argument, 0, 'n'},
					    {"output", required_argument, 0, 'o'},
					    {"netns", required_argument, 0, 'N'},
					    {"pid", required_argument, 0, 'p'},
					    {"port", required_argument, 0, 'f'},
					    {"subnet", required_argument, 0, 'S'},
					    {"bridge", required_argument, 0, 'b'},
					    {"help", no_argument, 0, 'h'},
					    {0, 0, 0, 0}};

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

static int cmd_up(int argc, char **argv, struct sk_err *err)
{
	struct netcfg_opts o = {0};
	const char *cmdline = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", common_long, NULL)) != -1) {
		if (c == 'h')
			exit(usage_up(stdout, 0));
		else if (c == 'c')
			cmdline = optarg;
		else if (c == 'P')
			cmdline = read_proc_cmdline();
		else if (c == 'n')
			o.no_dhcp = true;
		else if (c == 'r' || c == 's')
			opt_common(&o, c, optarg);
		else
			exit(usage_up(stderr, SK_EXIT_USAGE));
	}
	if (argc - optind > 1)
		exit(usage_up(stderr, SK_EXIT_USAGE));
	return netcfg_node_up(optind < argc ? argv[optind] : "/etc/skiff/node.json", cmdline, &o,
			      err);
}

static int cmd_show(int argc, char **argv, struct sk_err *err)
{
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "ho:", common_long, NULL)) != -1) {
		if (c == 'o' && !strcmp(optarg, "json"))
			json = true;
		else if (c != 'o' || strcmp(optarg, "table")) {
			fprintf(
			    c == 'h' ? stdout : stderr,
			    "usage: skiff-netcfg show [-o table|json]\n"
			    "Prints links, addresses (with lifetimes) and main-table routes.\n");
			exit(c == 'h' ? 0 : SK_EXIT_USAGE);
		}
	}
	return netcfg_show(stdout, json, err);
}

static int cmd_dhcp(int argc, char **argv, struct sk_err *err)
{
	struct netcfg_opts o = {0};

	if (argc != 2 || !netcfg_is_dhcp_event(argv[1])) {
		bool help = argc == 2 && !strcmp(argv[1], "--help");
		fprintf(help ? stdout : stderr,
			"usage: skiff-netcfg dhcp-event deconfig|bound|renew|leasefail|nak\n"
			"The udhcpc script (udhcpc -s /usr/bin/skiff-netcfg also works): applies\n"
			"the lease in the environment (interface, ip, mask, router, dns, domain,\n"
			"search, lease, mtu). Env SKIFF_NETCFG_RESOLV, SKIFF_NETCFG_STATE.\n");
		exit(help ? 0 : SK_EXIT_USAGE);
	}
	return netcfg_dhcp_event(argv[1], &o, err);
}

static int cmd_carrier(int argc, char **argv, struct sk_err *err)
{
	int ms;

	if (argc < 2 || argc > 3 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: skiff-netcfg wait-carrier IFNAME [TIMEOUT_MS]\n");
		exit(argc == 2 ? 0 : SK_EXIT_USAGE);
	}
	if ((ms = netcfg_wait_carrier(argv[1], argc == 3 ? atoi(argv[2]) : 5000, err)) < 0)
		return -1;
	printf("%s: carrier after %d ms\n", argv[1], ms);
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

static int bridge_opts(int argc, char **argv, struct bridge_args *a, struct sk_err *err)
{
	int c;

	while ((c = getopt_long(argc, argv, "h", common_long, NULL)) != -1) {
		if (c == 'h')
			exit(usage_bridge(stdout, 0));
		else if (c == 'b')
			a->br.name = optarg;
		else if (c == 's')
			a->br.state_dir = optarg;
		else if (c == 'r')
			a->br.resolv_path = optarg;
		else if (c == 'N')
			a->netns_path = optarg;
		else if (c == 'p')
			a->netns_path =
			    (snprintf(a->netns, sizeof a->netns, "/proc/%s/ns/net", optarg),
			     a->netns);
		else if (c == 'S' && netcfg_prefix_parse(optarg, true, &a->br.subnet) < 0)
			return sk_fail(err, 0, "--subnet: malformed CIDR \"%s\"", optarg);
		else if (c == 'f' &&
			 (a->n_maps == MAX_MAPS ||
			  netcfg_port_map_parse(optarg, &a->maps[a->n_maps++], err) < 0))
			return sk_fail(err, 0, "--port %s: bad or too many mappings", optarg);
		else if (c != 'S' && c != 'f')
			exit(usage_bridge(stderr, SK_EXIT_USAGE));
	}
	return 0;
}

static int cmd_bridge(int argc, char **argv, struct sk_err *err)
{
	struct bridge_args a = {0};
	struct netcfg_attach out;
	const char *verb = argc > 1 ? argv[1] : "";

	if (!strcmp(verb, "--help") || !strcmp(verb, "-h"))
		exit(usage_bridge(stdout, 0));
	if (bridge_opts(argc - 1, argv + 1, &a, err) < 0)
		return -1;
	if (!strcmp(verb, "up") && optind + 1 == argc)
		return netcfg_bridge_up(&a.br, err);
	if (!strcmp(verb, "down") && optind + 1 == argc)
		return netcfg_bridge_down(&a.br, err);
	if (!strcmp(verb, "detach") && optind + 2 == argc)
		return netcfg_bridge_detach(&a.br, argv[optind + 1], err);
	if (strcmp(verb, "attach") || optind + 2 != argc || !a.netns_path)
		exit(usage_bridge(stderr, SK_EXIT_USAGE));
	if (netcfg_bridge_attach(&a.br, argv[optind + 1], a.netns_path, a.maps, a.n_maps, &out,
				 err) < 0)
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
