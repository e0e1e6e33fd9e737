/* `skiff-netcfg show`: links, addresses and routes as a table or JSON. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "internal.h"

struct caches {
	struct nl_cache *links, *addrs, *routes;
	FILE *out;
	cJSON *arr;
};

static void caches_free(struct caches *c)
{
	if (c->links)
		nl_cache_free(c->links);
	if (c->addrs)
		nl_cache_free(c->addrs);
	if (c->routes)
		nl_cache_free(c->routes);
}

static int caches_load(struct nc_sock *s, struct caches *c, struct sk_err *err)
{
	int r = rtnl_link_alloc_cache(s->sk, AF_UNSPEC, &c->links);

	if (r >= 0)
		r = rtnl_addr_alloc_cache(s->sk, &c->addrs);
	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "read links, addresses and routes");
	return 0;
}

static const char *ifname(struct caches *c, int idx, char *buf)
{
	return rtnl_link_i2name(c->links, idx, buf, 16) ? buf : "?";
}

static void addr_text(struct nl_addr *a, char *buf, size_t size)
{
	if (!a || nl_addr_iszero(a))
		snprintf(buf, size, "%s", a && nl_addr_get_prefixlen(a) == 0 ? "default" : "-");
	else
		nl_addr2str(a, buf, size);
}

static const char *lifetime(uint32_t t, char *buf)
{
	if (t == 0xffffffffU)
		return "forever";
	snprintf(buf, 16, "%us", t);
	return buf;
}

static void link_row(struct rtnl_link *l, FILE *out, cJSON *arr)
{
	char mac[32] = "-";
	unsigned flags = rtnl_link_get_flags(l);
	const char *state = flags & IFF_LOWER_UP ? "up" : flags & IFF_UP ? "no-carrier" : "down";

	if (rtnl_link_get_addr(l))
		nl_addr2str(rtnl_link_get_addr(l), mac, sizeof mac);
	if (!arr) {
		fprintf(out, "%-4d %-16s %-11s %-6u %s\n", rtnl_link_get_ifindex(l),
			rtnl_link_get_name(l), state, rtnl_link_get_mtu(l), mac);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "index", rtnl_link_get_ifindex(l));
	cJSON_AddStringToObject(o, "name", rtnl_link_get_name(l));
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddNumberToObject(o, "mtu", rtnl_link_get_mtu(l));
	cJSON_AddStringToObject(o, "mac", mac);
	cJSON_AddItemToArray(arr, o);
}

static void addr_row(struct caches *c, struct rtnl_addr *a, FILE *out, cJSON *arr)
{
	char dev[16], addr[64], v[16], p[16];
	const char *valid = lifetime(rtnl_addr_get_valid_lifetime(a), v);
	const char *pref = lifetime(rtnl_addr_get_preferred_lifetime(a), p);

	addr_text(rtnl_addr_get_local(a), addr, sizeof addr);
	ifname(c, rtnl_addr_get_ifindex(a), dev);
	if (!arr) {
		fprintf(out, "%-16s %-5s %-40s valid %-8s preferred %s\n", dev,
			rtnl_addr_get_family(a) == AF_INET ? "inet" : "inet6", addr, valid, pref);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "dev", dev);
	cJSON_AddStringToObject(o, "address", addr);
	cJSON_AddStringToObject(o, "valid", valid);
	cJSON_AddStringToObject(o, "preferred", pref);
	cJSON_AddItemToArray(arr, o);
}

static const char *proto_name(int p, char *buf)
{
	switch (p) {
	case RTPROT_KERNEL:
		return "kernel";
	case RTPROT_BOOT:
		return "boot";
	case RTPROT_STATIC:
		return "static";
	case NC_RTPROT_DHCP:
		return "dhcp";
	case RTPROT_RA:
		return "ra";
	default:
		snprintf(buf, 8, "%d", p);
		return buf;
	}
}

static void route_row(struct caches *c, struct rtnl_route *rt, FILE *out, cJSON *arr)
{
	struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);
	char dst[64], via[64] = "-", dev[16] = "-", pb[8];
	const char *proto = proto_name(rtnl_route_get_protocol(rt), pb);

	if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_type(rt) != RTN_UNICAST)
		return;
	addr_text(rtnl_route_get_dst(rt), dst, sizeof dst);
	if (nh && rtnl_route_nh_get_gateway(nh))
		nl_addr2str(rtnl_route_nh_get_gateway(nh), via, sizeof via);
	if (nh)
		ifname(c, rtnl_route_nh_get_ifindex(nh), dev);
	if (!arr) {
		fprintf(out, "%-40s via %-24s dev %-16s proto %-7s metric %u\n", dst, via, dev,
			proto, rtnl_route_get_priority(rt));
		return;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "to", dst);
	cJSON_AddStringToObject(o, "via", via);
	cJSON_AddStringToObject(o, "dev", dev);
	cJSON_AddStringToObject(o, "proto", proto);
	cJSON_AddNumberToObject(o, "metric", rtnl_route_get_priority(rt));
	cJSON_AddItemToArray(arr, o);
}

static void route_cb(struct rtnl_route *rt, void *arg)
{
	struct caches *c = arg;

	route_row(c, rt, c->out, c->arr);
}

static int print_all(struct nc_sock *s, struct caches *c, FILE *out, cJSON *root,
		     struct sk_err *err)
{
	cJSON *links = root ? cJSON_AddArrayToObject(root, "links") : NULL;
	cJSON *addrs = root ? cJSON_AddArrayToObject(root, "addresses") : NULL;
	cJSON *routes = root ? cJSON_AddArrayToObject(root, "routes") : NULL;
	struct nl_object *o;

	if (!root)
		fprintf(out, "LINKS\n%-4s %-16s %-11s %-6s %s\n", "IDX", "NAME", "STATE", "MTU",
			"MAC");
	for (o = nl_cache_get_first(c->links); o; o = nl_cache_get_next(o))
		link_row((struct rtnl_link *)o, out, links);
	if (!root)
		fprintf(out, "\nADDRESSES\n");
	for (o = nl_cache_get_first(c->addrs); o; o = nl_cache_get_next(o))
		addr_row(c, (struct rtnl_addr *)o, out, addrs);
	if (!root)
		fprintf(out, "\nROUTES\n");
	c->out = out;
	c->arr = routes;
	return nc_route_foreach(s, route_cb, c, err);
}

int netcfg_show(FILE *out, bool json, struct sk_err *err)
{
	struct nc_sock s;
	struct caches c = {0};
	cJSON *root = json ? cJSON_CreateObject() : NULL;
	int r;

	if (nc_sock_open(&s, NETLINK_ROUTE, err) < 0) {
		cJSON_Delete(root);
		return -1;
	}
	r = caches_load(&s, &c, err);
	if (r == 0)
		r = print_all(&s, &c, out, root, err);
	if (r == 0 && root) {
		char *text = cJSON_Print(root);
		fprintf(out, "%s\n", text ? text : "{}");
		cJSON_free(text);
	}
	cJSON_Delete(root);
	caches_free(&c);
	nc_sock_close(&s);
	return r;
}
