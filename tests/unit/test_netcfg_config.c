/* netcfg configuration parsing: node.json "network", kernel command-line
 * overrides, and the text forms (CIDR, MAC, port mappings). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "check.h"
#include "../../netcfg/internal.h"
#include "../../netcfg/netcfg.h"

static char reports[8][512];
static int n_reports;

static void collect(void *ctx, const char *msg)
{
	if (n_reports < 8)
		snprintf(reports[n_reports], sizeof reports[0], "%s", msg);
	n_reports++;
}

static const struct netcfg_opts opts = {.report = collect};
static struct netcfg_config cfg;

static int parse(const char *json)
{
	struct sk_err err = {0};

	n_reports = 0;
	return netcfg_config_parse(json, &cfg, &opts, &err);
}

TEST(full_config)
{
	CHECK(parse("{\"network\":{\"interfaces\":[{\"match\":{\"name\":\"eth0\"},\"dhcp\":true,"
		    "\"mtu\":1400,\"addresses\":[\"10.0.2.15/24\",\"fd00::2/64\"],"
		    "\"routes\":[{\"to\":\"default\",\"via\":\"10.0.2.2\"},"
		    "{\"to\":\"10.9.0.0/16\",\"via\":\"10.0.2.3\",\"metric\":7}]},"
		    "{\"match\":{\"mac\":\"52:54:00:12:34:56\"}}],"
		    "\"dns\":{\"nameservers\":[\"10.0.2.3\"],\"search\":[\"a.test\"]},"
		    "\"carrier_timeout_ms\":1234}}") == 0);
	CHECK(cfg.n_ifaces == 2);
	CHECK_STREQ(cfg.ifaces[0].name, "eth0");
	CHECK(cfg.ifaces[0].dhcp && cfg.ifaces[0].mtu == 1400);
	CHECK(cfg.ifaces[0].n_addrs == 2 && cfg.ifaces[0].addrs[1].family == AF_INET6);
	CHECK(cfg.ifaces[0].n_routes == 2 && cfg.ifaces[0].routes[0].to.len == 0);
	CHECK(cfg.ifaces[0].routes[1].metric == 7);
	CHECK(cfg.ifaces[1].has_mac && cfg.ifaces[1].mac[5] == 0x56);
	CHECK(cfg.n_ns == 1 && cfg.n_search == 1);
	CHECK(cfg.carrier_timeout_ms == 1234);
}

TEST(bad_items_named_and_dropped)
{
	CHECK(parse("{\"network\":{\"interfaces\":[{\"match\":{\"name\":\"eth0\"},"
		    "\"addresses\":[\"10.0.0.2/24\",\"10.0.0.300/24\",\"10.0.0.2/24\"],"
		    "\"routes\":[{\"to\":\"default\",\"via\":\"192.168.1.1\"}],\"color\":1}]}}") ==
	      4);
	CHECK(cfg.n_ifaces == 1 && cfg.ifaces[0].n_addrs == 1 && cfg.ifaces[0].n_routes == 0);
	CHECK_STREQ(reports[0], "network.interfaces[0].color: unknown key");
	CHECK_STREQ(reports[1],
		    "network.interfaces[0].addresses[1]: malformed CIDR \"10.0.0.300/24\"");
	CHECK_STREQ(reports[2], "network.interfaces[0].addresses[2]: duplicate address "
				"\"10.0.0.2/24\" (also network.interfaces[0].addresses[0])");
	CHECK(strstr(reports[3],
		     "network.interfaces[0].routes[0].via: gateway 192.168.1.1 is off-link"));
}

TEST(bad_match_drops_interface)
{
	CHECK(parse("{\"network\":{\"interfaces\":[{\"match\":{\"mac\":\"52:54:00:12:34\"}},"
		    "{\"match\":{}}]}}") == 2);
	CHECK(cfg.n_ifaces == 0);
	CHECK(strstr(reports[0], "network.interfaces[0].match.mac: malformed MAC"));
}

TEST(not_json_and_no_network)
{
	struct sk_err err = {0};

	CHECK(netcfg_config_parse("{", &cfg, &opts, &err) < 0);
	CHECK(parse("{\"hostname\":\"x\"}") == 0 && cfg.n_ifaces == 0);
}

TEST(cmdline_kernel_ip)
{
	parse("{}");
	CHECK(netcfg_config_cmdline(
		  &cfg, "ip=10.1.0.5::10.1.0.1:255.255.255.0:h1:eth1:off:10.1.0.53", &opts) == 0);
	CHECK(cfg.n_ifaces == 1);
	CHECK_STREQ(cfg.ifaces[0].name, "eth1");
	CHECK(cfg.ifaces[0].n_addrs == 1 && cfg.ifaces[0].addrs[0].len == 24);
	CHECK(cfg.ifaces[0].n_routes == 1 && !cfg.ifaces[0].dhcp);
	CHECK(cfg.n_ns == 1);
	CHECK_STREQ(cfg.hostname, "h1");
	CHECK(netcfg_config_cmdline(&cfg, "ip=dhcp", &opts) == 0 && cfg.ifaces[0].dhcp);
	CHECK(netcfg_config_cmdline(&cfg, "ip=off", &opts) == 0 && cfg.n_ifaces == 0);
}

TEST(cmdline_skiff_net)
{
	parse("{\"network\":{\"interfaces\":[{\"match\":{\"name\":\"eth0\"},\"dhcp\":true}]}}");
	n_reports = 0;
	CHECK(netcfg_config_cmdline(&cfg,
				    "quiet skiff.net.eth0.dhcp=0 skiff.net.eth0.addr=10.2.0.2/16,"
				    "fd02::2/64 skiff.net.eth0.gw=10.2.0.1 skiff.net.eth0.mtu=9000 "
				    "skiff.net.dns=1.1.1.1,8.8.8.8 skiff.net.eth0.addr2=x",
				    &opts) == 1);
	CHECK(cfg.n_ifaces == 1 && !cfg.ifaces[0].dhcp && cfg.ifaces[0].mtu == 9000);
	CHECK(cfg.ifaces[0].n_addrs == 2 && cfg.ifaces[0].n_routes == 1 && cfg.n_ns == 2);
	CHECK(strstr(reports[0], "skiff.net.eth0.addr2"));
}

TEST(text_forms)
{
	struct netcfg_prefix p;
	struct netcfg_port_map m;
	struct sk_err err = {0};
	unsigned char mac[6];
	char buf[64];

	CHECK(netcfg_prefix_parse("10.0.0.1/33", true, &p) < 0);
	CHECK(netcfg_prefix_parse("10.0.0.1", true, &p) < 0);
	CHECK(netcfg_prefix_parse("10.0.0.1/", true, &p) < 0);
	CHECK(netcfg_prefix_parse("fd00::1/129", true, &p) < 0);
	CHECK(netcfg_prefix_parse("fd00::1/64", true, &p) == 0 && p.len == 64);
	netcfg_prefix_format(&p, true, buf, sizeof buf);
	CHECK_STREQ(buf, "fd00::1/64");
	CHECK(netcfg_mac_parse("52:54:00:12:34:5", mac) < 0);
	CHECK(netcfg_mac_parse("52:54:00:12:34:56:", mac) < 0);
	CHECK(netcfg_mac_parse("52:54:00:AB:cd:Ef", mac) == 0 && mac[0] == 0x52 && mac[3] == 0xab &&
	      mac[4] == 0xcd && mac[5] == 0xef);
	CHECK(netcfg_mac_parse("52:54:00:12:34:5g", mac) < 0);
	CHECK(netcfg_mac_parse("52-54-00-12-34-56", mac) < 0);
	CHECK(netcfg_mac_parse("5:254:00:12:34:56", mac) < 0);
	CHECK(netcfg_mac_parse("1:2:3:4:5:6xxxxxx", mac) < 0);
	/* sscanf's %2x took a sign or a space in a field; a MAC never has one */
	CHECK(netcfg_mac_parse("-1:54:00:12:34:56", mac) < 0);
	CHECK(netcfg_mac_parse(" 1:54:00:12:34:56", mac) < 0);
	CHECK(netcfg_port_map_parse("8080:80", &m, &err) == 0 && m.proto == IPPROTO_TCP &&
	      m.host_port == 8080 && m.container_port == 80);
	CHECK(netcfg_port_map_parse("53:5353/udp", &m, &err) == 0 && m.proto == IPPROTO_UDP);
	CHECK(netcfg_port_map_parse("0:80", &m, &err) < 0);
	CHECK(netcfg_port_map_parse("80:80/sctp", &m, &err) < 0);
}

/* udhcpc's environment: "router" lists every router, the first is taken. */
TEST(dhcp_lease_router)
{
	struct nc_lease l;
	struct sk_err err = {0};
	char buf[64];
	char *one[] = {"ip=10.0.2.15", "mask=24", "router=10.0.2.2", NULL};
	char *two[] = {"ip=10.0.2.15", "mask=24", "router= 10.0.2.3 10.0.2.2", NULL};
	char *none[] = {"ip=10.0.2.15", "mask=24", "router=  ", NULL};
	char *bad[] = {"ip=10.0.2.15", "mask=24", "router=10.0.2.x 10.0.2.2", NULL};

	CHECK(nc_lease_parse(one, &l, &err) == 0);
	netcfg_prefix_format(&l.gw.via, false, buf, sizeof buf);
	CHECK_STREQ(buf, "10.0.2.2");
	CHECK(nc_lease_parse(two, &l, &err) == 0);
	netcfg_prefix_format(&l.gw.via, false, buf, sizeof buf);
	CHECK_STREQ(buf, "10.0.2.3");
	CHECK(nc_lease_parse(none, &l, &err) == 0 && l.gw.via.family == 0);
	CHECK(nc_lease_parse(bad, &l, &err) < 0);
	CHECK(strstr(err.msg, "router=\"10.0.2.x\"") != NULL);
}

int main(void)
{
	RUN(full_config);
	RUN(bad_items_named_and_dropped);
	RUN(bad_match_drops_interface);
	RUN(not_json_and_no_network);
	RUN(cmdline_kernel_ip);
	RUN(cmdline_skiff_net);
	RUN(text_forms);
	RUN(dhcp_lease_router);
	return check_summary();
}
