/* Internal interfaces between netcfg's files. */
#ifndef SK_NETCFG_INTERNAL_H
#define SK_NETCFG_INTERNAL_H

#include <netlink/netlink.h>

#include "netcfg.h"

#define NC_RTPROT_DHCP	 16 /* routes netcfg adds from a DHCP lease */
#define NC_RTPROT_STATIC 4
#ifndef IFF_LOWER_UP /* glibc's net/if.h lacks it; linux/if.h clashes with net/if.h */
#define IFF_LOWER_UP 0x10000
#endif

/* A netlink socket that remembers the kernel's errno of the last failure
 * (libnl folds errnos into its own codes). */
struct nc_sock {
	struct nl_sock *sk;
	int last_errno;
};

int nc_sock_open(struct nc_sock *s, int protocol, struct sk_err *err);
/* A socket bound to the network namespace at PATH. */
int nc_sock_open_netns(struct nc_sock *s, const char *path, struct sk_err *err);
void nc_sock_close(struct nc_sock *s);
/* errno for libnl error NLERR (negative) from the last request on S. */
int nc_errno(struct nc_sock *s, int nlerr);

/* Counts per-item problems and passes each to opts->report. */
struct nc_report {
	const struct netcfg_opts *opts;
	int count;
	char first[512];
};
void nc_report(struct nc_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void nc_log(const struct netcfg_opts *opts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *nc_resolv_path(const struct netcfg_opts *opts);
const char *nc_state_dir(const struct netcfg_opts *opts);

int nc_config_parse(const char *json, struct netcfg_config *cfg, struct nc_report *r,
		    struct sk_err *err);
int nc_config_cmdline(struct netcfg_config *cfg, const char *cmdline, struct nc_report *r);

/* link.c */
int nc_link_index(struct nc_sock *s, const char *name, struct sk_err *err);
int nc_link_find(struct nc_sock *s, const struct netcfg_iface *ifc, char name[16],
		 struct sk_err *err);
int nc_link_set(struct nc_sock *s, int ifindex, int mtu, bool up, struct sk_err *err);
int nc_link_wait_carrier(struct nc_sock *s, int ifindex, int timeout_ms, struct sk_err *err);
int nc_link_delete(struct nc_sock *s, const char *name, struct sk_err *err);

/* addr.c: LIFETIME 0 is forever. */
int nc_addr_add(struct nc_sock *s, int ifindex, const struct netcfg_prefix *p, uint32_t lifetime,
		struct sk_err *err);
/* Removes IPv4 addresses with a finite lifetime (leases) other than KEEP. */
int nc_addr_flush_leases(struct nc_sock *s, int ifindex, const struct netcfg_prefix *keep,
			 struct sk_err *err);
bool nc_prefix_contains(const struct netcfg_prefix *net, const struct netcfg_prefix *a);

/* route.c */
int nc_route_add(struct nc_sock *s, int ifindex, const struct netcfg_route *r, int protocol,
		 const struct netcfg_prefix *prefsrc, struct sk_err *err);
struct rtnl_route;
int nc_route_foreach(struct nc_sock *s, void (*fn)(struct rtnl_route *, void *), void *arg,
		     struct sk_err *err);
int nc_route_flush_proto(struct nc_sock *s, int ifindex, int protocol, struct sk_err *err);

/* dns.c: each source (static config, a DHCP lease per interface) keeps its
 * own file under the state dir; resolv.conf is their merge. */
struct nc_dns {
	size_t n_ns, n_search;
	char ns[NETCFG_MAX_NS][48];
	char search[NETCFG_MAX_SEARCH][64];
};
int nc_dns_set(const struct netcfg_opts *opts, const char *source, const struct nc_dns *dns,
	       struct sk_err *err);
int nc_dns_write_file(const char *path, const struct nc_dns *dns, struct sk_err *err);

/* dhcp.c */
/* A lease as udhcpc hands it to its script, validated. */
struct nc_lease {
	struct netcfg_prefix addr;
	struct netcfg_route gw;
	unsigned long seconds;
	int mtu;
	struct nc_dns dns;
};
/* Reads the lease from ENVP ("NAME=value", NULL-terminated: environ for
 * the script): ip, mask, lease, router, mtu, dns, search or domain. */
int nc_lease_parse(char *const *envp, struct nc_lease *l, struct sk_err *err);
int nc_dhcp_start(const char *ifname, const struct netcfg_opts *opts, struct sk_err *err);

/* nat.c: nftables rules for the bridge (table ip skiff). */
int nc_nat_masquerade(const char *bridge, const struct netcfg_prefix *subnet, struct sk_err *err);
int nc_nat_remove_all(struct sk_err *err);
int nc_nat_ports_add(const char *tag, const struct netcfg_prefix *ip,
		     const struct netcfg_port_map *maps, size_t n, struct sk_err *err);
int nc_nat_ports_remove(const char *tag, struct sk_err *err);

/* ipam.c */
int nc_ipam_claim(const char *dir, const struct netcfg_prefix *subnet, const char *owner,
		  struct netcfg_prefix *out, struct sk_err *err);
int nc_ipam_release(const char *dir, const char *owner, struct sk_err *err);

#endif
