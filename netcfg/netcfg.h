/* Node and container networking: links, addresses, routes and DNS through
 * libnl; DHCPv4 leases handed over by busybox udhcpc; the container bridge
 * (veth pairs into network namespaces, address allocation, nftables NAT). */
#ifndef SK_NETCFG_H
#define SK_NETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define NETCFG_MAX_IFACES 8
#define NETCFG_MAX_ADDRS  8
#define NETCFG_MAX_ROUTES 8
#define NETCFG_MAX_NS	  4
#define NETCFG_MAX_SEARCH 6
#define NETCFG_KEY_MAX	  64

/* An address with a prefix length ("10.0.2.15/24", "fd00::2/64"). */
struct netcfg_prefix {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int len;
};

struct netcfg_route {
	char key[NETCFG_KEY_MAX + 32]; /* "network.interfaces[0].routes[1]" */
	struct netcfg_prefix to;       /* len 0 is the default route */
	struct netcfg_prefix via;      /* family 0: on-link, no gateway */
	int metric;
};

struct netcfg_iface {
	char key[NETCFG_KEY_MAX]; /* "network.interfaces[0]" or "cmdline ip=" */
	char name[16];		  /* match by name, or */
	unsigned char mac[6];	  /* match by MAC when has_mac */
	bool has_mac;
	bool dhcp;
	int mtu; /* 0: leave as is */
	size_t n_addrs, n_routes;
	struct netcfg_prefix addrs[NETCFG_MAX_ADDRS];
	struct netcfg_route routes[NETCFG_MAX_ROUTES];
};

struct netcfg_config {
	size_t n_ifaces, n_ns, n_search;
	struct netcfg_iface ifaces[NETCFG_MAX_IFACES];
	struct netcfg_prefix nameservers[NETCFG_MAX_NS];
	char search[NETCFG_MAX_SEARCH][64];
	int carrier_timeout_ms;
	char hostname[64]; /* from ip=, informational */
};

/* Where netcfg writes and how it reports each failed item. Zeroed fields
 * take the defaults shown. */
struct netcfg_opts {
	const char *resolv_path; /* /etc/resolv.conf (env SKIFF_NETCFG_RESOLV) */
	const char *state_dir;	 /* /run/skiff/net (env SKIFF_NETCFG_STATE) */
	const char *udhcpc;	 /* udhcpc to fork; NULL: search /bin, /sbin, busybox */
	const char *dhcp_script; /* script for udhcpc; NULL: skiff-netcfg beside
				    /proc/self/exe, else /usr/bin/skiff-netcfg */
	bool no_dhcp;		 /* do not fork udhcpc (init supervises it itself) */
	/* Called once per failed item (message names the key); NULL: stderr. */
	void (*report)(void *ctx, const char *msg);
	void *report_ctx;
	/* Called with progress ("eth0: carrier after 12 ms"); NULL: stdout. */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
};

/* Parses the "network" object of a node.json text. Items that do not parse
 * are reported through opts->report and left out; the rest is kept.
 * Returns the number of reported problems, or < 0 when the text is not JSON. */
int netcfg_config_parse(const char *json, struct netcfg_config *cfg, const struct netcfg_opts *opts,
			struct sk_err *err);
/* Applies kernel command-line overrides (ip=..., skiff.net.*) to cfg.
 * Returns the number of reported problems. */
int netcfg_config_cmdline(struct netcfg_config *cfg, const char *cmdline,
			  const struct netcfg_opts *opts);
/* Configures the node: each interface, address, route and DNS setting is
 * applied independently; failures are reported and counted. Returns < 0
 * if anything failed (err says how many and names the first). */
int netcfg_apply(const struct netcfg_config *cfg, const struct netcfg_opts *opts,
		 struct sk_err *err);
/* What init calls at boot: reads node_json_path (a missing file or missing
 * "network" key is an empty config), applies cmdline (may be NULL), applies
 * the result and forks udhcpc for DHCP interfaces. */
int netcfg_node_up(const char *node_json_path, const char *cmdline, const struct netcfg_opts *opts,
		   struct sk_err *err);

/* The udhcpc script: EVENT is deconfig|bound|renew|leasefail|nak; the lease
 * comes from the environment (interface, ip, mask/subnet, router, dns,
 * domain, search, lease, mtu). */
int netcfg_dhcp_event(const char *event, const struct netcfg_opts *opts, struct sk_err *err);
bool netcfg_is_dhcp_event(const char *word);
/* The udhcpc command line that keeps IFNAME's lease. FOREGROUND (-f) suits a
 * supervisor; otherwise udhcpc forks into the background once it has a
 * lease or has given up on getting one (-b), as netcfg_node_up uses it. */
struct netcfg_dhcp_cmd {
	char bin[256], script[256], pidfile[256], ifname[16];
	const char *argv[24];
};
int netcfg_dhcp_cmd(const char *ifname, bool foreground, const struct netcfg_opts *opts,
		    struct netcfg_dhcp_cmd *cmd, struct sk_err *err);

/* Links, addresses and routes as a table, or as JSON. */
int netcfg_show(FILE *out, bool json, struct sk_err *err);

/* Waits until IFNAME has carrier; returns the milliseconds it took. */
int netcfg_wait_carrier(const char *ifname, int timeout_ms, struct sk_err *err);

/* ---- containers ---- */

struct netcfg_bridge {
	const char *name;	     /* NULL: "skiff0" */
	struct netcfg_prefix subnet; /* family 0: 172.31.0.0/24; gateway is .1 */
	const char *state_dir;	     /* NULL: /run/skiff (ipam/, resolv/ below it) */
	const char
	    *resolv_path; /* host resolv.conf copied for containers; NULL: /etc/resolv.conf */
};

struct netcfg_port_map {
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port, container_port;
};

struct netcfg_attach {
	char host_ifname[16];  /* host side of the veth pair */
	char ifname[16];       /* inside the container: "eth0" */
	char address[64];      /* "172.31.0.2/24" */
	char gateway[48];      /* "172.31.0.1" */
	char resolv_path[512]; /* resolv.conf to bind-mount at /etc/resolv.conf */
};

/* Creates the bridge with its gateway address, IP forwarding and the egress
 * masquerade; idempotent. */
int netcfg_bridge_up(const struct netcfg_bridge *br, struct sk_err *err);
/* Removes the bridge, its NAT table and all allocations. */
int netcfg_bridge_down(const struct netcfg_bridge *br, struct sk_err *err);
/* Attaches the network namespace at NETNS_PATH (e.g. /proc/PID/ns/net) for
 * OWNER_ID ([A-Za-z0-9_.-], at most 128): allocates an address (the same one
 * again if OWNER_ID already holds one), creates the veth pair, configures
 * eth0, lo and the default route inside, writes a resolv.conf and installs
 * the port mappings. Brings the bridge up if needed. */
int netcfg_bridge_attach(const struct netcfg_bridge *br, const char *owner_id,
			 const char *netns_path, const struct netcfg_port_map *maps, size_t n_maps,
			 struct netcfg_attach *out, struct sk_err *err);
/* Undoes attach: port mappings, the veth pair, the address and the
 * resolv.conf. Idempotent: detaching twice is not an error. */
int netcfg_bridge_detach(const struct netcfg_bridge *br, const char *owner_id, struct sk_err *err);

/* "tcp:8080:80" or "8080:80/udp" style parsing for CLIs: HOST:CONTAINER[/udp]. */
int netcfg_port_map_parse(const char *s, struct netcfg_port_map *out, struct sk_err *err);

/* Parsing helpers shared with the CLI and tests. */
int netcfg_prefix_parse(const char *s, bool need_len, struct netcfg_prefix *out);
int netcfg_mac_parse(const char *s, unsigned char mac[6]);
void netcfg_prefix_format(const struct netcfg_prefix *p, bool with_len, char *buf, size_t size);

#endif
