/* Routes: static and lease routes through a gateway or on-link. */
#include <errno.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/route/route.h>

#include "internal.h"

static struct nl_addr *to_nl(const struct netcfg_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

static int fill(struct rtnl_route *rt, int ifindex, const struct netcfg_route *r, int protocol,
		const struct netcfg_prefix *prefsrc)
{
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = to_nl(&r->to), *gw = NULL, *src = NULL;
	int ok = nh && dst;

	if (ok && r->via.family && !(gw = to_nl(&r->via)))
		ok = 0;
	if (ok && prefsrc && !(src = to_nl(prefsrc)))
		ok = 0;
	if (ok) {
		rtnl_route_set_family(rt, (uint8_t)r->to.family);
		rtnl_route_set_dst(rt, dst);
		rtnl_route_set_table(rt, RT_TABLE_MAIN);
		rtnl_route_set_protocol(rt, (uint8_t)protocol);
		rtnl_route_set_scope(rt, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
		if (r->metric)
			rtnl_route_set_priority(rt, (uint32_t)r->metric);
		if (src)
			rtnl_route_set_pref_src(rt, src);
		rtnl_route_nh_set_ifindex(nh, ifindex);
		if (gw)
			rtnl_route_nh_set_gateway(nh, gw);
		rtnl_route_add_nexthop(rt, nh);
		nh = NULL;
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(dst);
	nl_addr_put(gw);
	nl_addr_put(src);
	return ok ? 0 : -1;
}

int nc_route_add(struct nc_sock *s, int ifindex, const struct netcfg_route *r, int protocol,
		 const struct netcfg_prefix *prefsrc, struct sk_err *err)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	int e = 0, res = -NLE_NOMEM;
	char to[64] = "default", via[64];

	if (rt && fill(rt, ifindex, r, protocol, prefsrc) == 0)
		res = rtnl_route_add(s->sk, rt, NLM_F_REPLACE);
	rtnl_route_put(rt);
	if (res >= 0)
		return 0;
	e = nc_errno(s, res);
	if (r->to.len)
		netcfg_prefix_format(&r->to, true, to, sizeof to);
	if (!r->via.family)
		return sk_fail(err, e, "add route %s", to);
	netcfg_prefix_format(&r->via, false, via, sizeof via);
	if (e == ENETUNREACH)
		return sk_fail(err, 0,
			       "add route %s: gateway %s is off-link (not in a connected network)",
			       to, via);
	return sk_fail(err, e, "add route %s via %s", to, via);
}

struct walk {
	void (*fn)(struct rtnl_route *, void *);
	void *arg;
};

static void parsed(struct nl_object *o, void *arg)
{
	struct walk *w = arg;

	w->fn((struct rtnl_route *)o, w->arg);
}

static int on_route(struct nl_msg *msg, void *arg)
{
	nl_msg_parse(msg, parsed, arg);
	return NL_OK;
}

/* A dump rather than libnl's route cache: the cache keys routes without
 * their interface and so folds e.g. two default routes into one. */
int nc_route_foreach(struct nc_sock *s, void (*fn)(struct rtnl_route *, void *), void *arg,
		     struct sk_err *err)
{
	struct walk w = {fn, arg};
	struct nl_sock *dump = nl_socket_alloc();
	int r = dump ? nl_connect(dump, NETLINK_ROUTE) : -NLE_NOMEM;

	if (r >= 0)
		r = nl_rtgen_request(dump, RTM_GETROUTE, AF_UNSPEC, NLM_F_DUMP);
	if (r >= 0) {
		nl_socket_modify_cb(dump, NL_CB_VALID, NL_CB_CUSTOM, on_route, &w);
		r = nl_recvmsgs_default(dump);
	}
	if (dump)
		nl_socket_free(dump);
	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "list routes");
	return 0;
}

struct flush {
	struct nc_sock *s;
	int ifindex, protocol, r;
};

static void flush_one(struct rtnl_route *rt, void *arg)
{
	struct flush *f = arg;
	struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);
	int r;

	if (rtnl_route_get_protocol(rt) != f->protocol || !nh ||
	    rtnl_route_nh_get_ifindex(nh) != f->ifindex)
		return;
	if ((r = rtnl_route_delete(f->s->sk, rt, 0)) < 0 && nc_errno(f->s, r) != ESRCH && !f->r)
		f->r = nc_errno(f->s, r);
}

int nc_route_flush_proto(struct nc_sock *s, int ifindex, int protocol, struct sk_err *err)
{
	struct flush f = {s, ifindex, protocol, 0};

	if (nc_route_foreach(s, flush_one, &f, err) < 0)
		return -1;
	if (f.r)
		return sk_fail(err, f.r, "remove lease routes");
	return 0;
}
