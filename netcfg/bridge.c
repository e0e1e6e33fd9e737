/* Bridge-mode container networking: the node bridge with the gateway
 * address, one veth pair per task with its far end moved into the task's
 * network namespace, and the per-task resolv.conf. Addresses come from
 * ipam.c, NAT from nat.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>

#include "mkdir_p.h"
#include "cleanup.h"
#include "internal.h"
#include "scan.h"

struct br {
	const char *name, *state, *resolv;
	struct netcfg_prefix subnet, gw;
	char ipam_dir[200], resolv_dir[200];
};

static int br_resolve(const struct netcfg_bridge *in, struct br *b, struct sk_err *err)
{
	memset(b, 0, sizeof *b);
	b->name = in && in->name ? in->name : "skiff0";
	b->state = in && in->state_dir ? in->state_dir : "/run/skiff";
	b->resolv = in && in->resolv_path ? in->resolv_path : "/etc/resolv.conf";
	if (in && in->subnet.family)
		b->subnet = in->subnet;
	else
		netcfg_prefix_parse("172.31.0.0/24", true, &b->subnet);
	if (b->subnet.family != AF_INET || b->subnet.len < 8 || b->subnet.len > 30)
		return sk_fail(err, 0, "bridge subnet must be IPv4 /8 to /30");
	if (strlen(b->state) > 180)
		return sk_fail(err, ENAMETOOLONG, "state directory %s", b->state);
	if (strlen(b->name) >= 16)
		return sk_fail(err, 0, "bridge name \"%s\" too long", b->name);
	b->gw = b->subnet;
	for (int bit = b->subnet.len; bit < 32; bit++)
		b->gw.addr[bit / 8] &= (unsigned char)~(0x80 >> (bit % 8));
	b->gw.addr[3] |= 1;
	snprintf(b->ipam_dir, sizeof b->ipam_dir, "%s/ipam", b->state);
	snprintf(b->resolv_dir, sizeof b->resolv_dir, "%s/resolv", b->state);
	return 0;
}

static int write_sysctl(const char *path, const char *value, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		return sk_fail(err, errno, "write %s", path);
	return 0;
}

static int bridge_create(struct nc_sock *s, const struct br *b, struct sk_err *err)
{
	struct rtnl_link *l = rtnl_link_bridge_alloc();
	int r;

	if (!l)
		return sk_fail(err, ENOMEM, "bridge");
	rtnl_link_set_name(l, b->name);
	r = rtnl_link_add(s->sk, l, NLM_F_CREATE);
	rtnl_link_put(l);
	if (r < 0 && nc_errno(s, r) != EEXIST)
		return sk_fail(err, s->last_errno ? s->last_errno : EINVAL, "create bridge %s",
			       b->name);
	return 0;
}

static int br_up(struct nc_sock *s, const struct br *b, struct sk_err *err)
{
	int idx;

	if (bridge_create(s, b, err) < 0 || (idx = nc_link_index(s, b->name, err)) < 0)
		return -1;
	{
		struct netcfg_prefix gw = b->gw;
		gw.len = b->subnet.len;
		if (nc_addr_add(s, idx, &gw, 0, err) < 0 || nc_link_set(s, idx, 0, true, err) < 0)
			return -1;
	}
	if (write_sysctl("/proc/sys/net/ipv4/ip_forward", "1", err) < 0)
		return -1;
	return nc_nat_masquerade(b->name, &b->subnet, err);
}

int netcfg_bridge_up(const struct netcfg_bridge *in, struct sk_err *err)
{
	struct br b;
	struct nc_sock s;
	int r;

	if (br_resolve(in, &b, err) < 0 || nc_sock_open(&s, NETLINK_ROUTE, err) < 0)
		return -1;
	r = br_up(&s, &b, err);
	nc_sock_close(&s);
	return r < 0 ? sk_wrap(err, "bridge %s", b.name) : 0;
}

static void release_dir(const char *dir)
{
	struct sk_err ignored;

	nc_ipam_release(dir, NULL, &ignored);
}

int netcfg_bridge_down(const struct netcfg_bridge *in, struct sk_err *err)
{
	struct br b;
	struct nc_sock s;
	int r;

	if (br_resolve(in, &b, err) < 0 || nc_sock_open(&s, NETLINK_ROUTE, err) < 0)
		return -1;
	r = nc_link_delete(&s, b.name, err);
	if (r < 0 && err->errnum == ENODEV)
		r = 0;
	nc_sock_close(&s);
	if (r == 0)
		r = nc_nat_remove_all(err);
	release_dir(b.ipam_dir);
	release_dir(b.resolv_dir);
	return r < 0 ? sk_wrap(err, "bridge %s", b.name) : 0;
}

/* ---- attach / detach ---- */

static int owner_check(const char *id, struct sk_err *err)
{
	size_t n = strlen(id);

	if (n == 0 || n > 128 || id[0] == '.' ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return sk_fail(err, 0, "owner id \"%s\": want 1-128 of [A-Za-z0-9_.-]", id);
	return 0;
}

/* Short, stable per-owner names: host interface "sk<hash>", NAT chains. */
static void owner_tag(const char *id, char tag[9])
{
	uint32_t h = 2166136261u;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(tag, 9, "%08x", h);
}

static int veth_create(struct nc_sock *s, const char *host, int master, int nsfd,
		       struct sk_err *err)
{
	struct rtnl_link *l = rtnl_link_veth_alloc(), *peer;
	int r;

	if (!l)
		return sk_fail(err, ENOMEM, "veth");
	peer = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(l, host);
	rtnl_link_set_master(l, master);
	rtnl_link_set_flags(l, IFF_UP);
	rtnl_link_set_name(peer, "eth0");
	rtnl_link_set_ns_fd(peer, nsfd);
	r = rtnl_link_add(s->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(l);
	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "create veth %s", host);
	return 0;
}

static int inside(const char *netns, const struct br *b, const struct netcfg_prefix *ip,
		  struct sk_err *err)
{
	struct nc_sock s;
	struct netcfg_route def = {.to.family = AF_INET, .via = b->gw};
	int lo, eth, r = -1;

	def.via.len = 32;
	if (nc_sock_open_netns(&s, netns, err) < 0)
		return -1;
	if ((lo = nc_link_index(&s, "lo", err)) >= 0 && nc_link_set(&s, lo, 0, true, err) == 0 &&
	    (eth = nc_link_index(&s, "eth0", err)) >= 0 && nc_addr_add(&s, eth, ip, 0, err) == 0 &&
	    nc_link_set(&s, eth, 0, true, err) == 0 &&
	    nc_route_add(&s, eth, &def, NC_RTPROT_STATIC, NULL, err) == 0)
		r = 0;
	nc_sock_close(&s);
	return r < 0 ? sk_wrap(err, "inside %s", netns) : 0;
}

/* The host's servers, minus loopback ones a container cannot reach. */
static int container_resolv(const struct br *b, const char *path, struct sk_err *err)
{
	SK_AUTOFCLOSE FILE *f = fopen(b->resolv, "re");
	struct nc_dns dns = {0};
	char line[512], w1[32], w2[256];

	while (f && fgets(line, sizeof line, f)) {
		const char *p = line;
		if (!sk_scan_word(&p, w1, sizeof w1))
			continue;
		while (isspace((unsigned char)*p))
			p++;
		if (!sk_scan_until(&p, "\n", w2, sizeof w2))
			continue;
		if (!strcmp(w1, "nameserver") && dns.n_ns < NETCFG_MAX_NS &&
		    strncmp(w2, "127.", 4) && strcmp(w2, "::1") && strlen(w2) < sizeof dns.ns[0])
			snprintf(dns.ns[dns.n_ns++], sizeof dns.ns[0], "%.47s", w2);
		else if (!strcmp(w1, "search") && strlen(w2) < sizeof dns.search[0])
			snprintf(dns.search[0], sizeof dns.search[0], "%.63s", w2),
			    dns.n_search = 1;
	}
	if (sk_mkdir_p(b->resolv_dir, 0755, err) < 0)
		return -1;
	return nc_dns_write_file(path, &dns, err);
}

static int attach(struct nc_sock *s, const struct br *b, const char *owner, const char *netns,
		  const struct netcfg_port_map *maps, size_t n, struct netcfg_attach *out,
		  struct sk_err *err)
{
	struct netcfg_prefix ip;
	char tag[9];
	SK_AUTOCLOSE int nsfd = open(netns, O_RDONLY | O_CLOEXEC);
	int master;
	struct sk_err ignored;

	if (nsfd < 0)
		return sk_fail(err, errno, "open netns %s", netns);
	owner_tag(owner, tag);
	snprintf(out->host_ifname, sizeof out->host_ifname, "sk%s", tag);
	snprintf(out->ifname, sizeof out->ifname, "eth0");
	snprintf(out->resolv_path, sizeof out->resolv_path, "%s/%s.conf", b->resolv_dir, owner);
	if (br_up(s, b, err) < 0 || (master = nc_link_index(s, b->name, err)) < 0 ||
	    nc_ipam_claim(b->ipam_dir, &b->subnet, owner, &ip, err) < 0)
		return -1;
	nc_link_delete(s, out->host_ifname, &ignored); /* a leftover from before a restart */
	if (veth_create(s, out->host_ifname, master, nsfd, err) < 0 ||
	    inside(netns, b, &ip, err) < 0 || container_resolv(b, out->resolv_path, err) < 0 ||
	    (n && nc_nat_ports_add(tag, &ip, maps, n, err) < 0))
		return -1;
	netcfg_prefix_format(&ip, true, out->address, sizeof out->address);
	netcfg_prefix_format(&b->gw, false, out->gateway, sizeof out->gateway);
	return 0;
}

int netcfg_bridge_attach(const struct netcfg_bridge *in, const char *owner, const char *netns_path,
			 const struct netcfg_port_map *maps, size_t n, struct netcfg_attach *out,
			 struct sk_err *err)
{
	struct br b;
	struct nc_sock s;
	struct sk_err ignored;
	int r;

	memset(out, 0, sizeof *out);
	if (owner_check(owner, err) < 0 || br_resolve(in, &b, err) < 0 ||
	    nc_sock_open(&s, NETLINK_ROUTE, err) < 0)
		return -1;
	r = attach(&s, &b, owner, netns_path, maps, n, out, err);
	nc_sock_close(&s);
	if (r < 0) {
		netcfg_bridge_detach(in, owner, &ignored); /* leave nothing half-done */
		return sk_wrap(err, "attach %s", owner);
	}
	return 0;
}

int netcfg_bridge_detach(const struct netcfg_bridge *in, const char *owner, struct sk_err *err)
{
	struct br b;
	struct nc_sock s;
	char tag[9], host[16], path[400];
	int r = 0;

	if (owner_check(owner, err) < 0 || br_resolve(in, &b, err) < 0)
		return -1;
	owner_tag(owner, tag);
	snprintf(host, sizeof host, "sk%s", tag);
	if (nc_nat_ports_remove(tag, err) < 0)
		r = -1;
	if (nc_sock_open(&s, NETLINK_ROUTE, err) == 0) {
		struct sk_err e;
		/* Gone already when the namespace died with its task. */
		if (nc_link_delete(&s, host, &e) < 0 && e.errnum != ENODEV && e.errnum != ENOENT)
			r = (*err = e, -1);
		nc_sock_close(&s);
	}
	if (nc_ipam_release(b.ipam_dir, owner, err) < 0)
		r = -1;
	snprintf(path, sizeof path, "%s/%s.conf", b.resolv_dir, owner);
	if (unlink(path) < 0 && errno != ENOENT)
		r = sk_fail(err, errno, "remove %s", path);
	return r < 0 ? sk_wrap(err, "detach %s", owner) : 0;
}
