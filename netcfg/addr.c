/* Addresses: add (with lease lifetimes) and flush of leased addresses. */
#include <errno.h>
#include <string.h>

#include <netlink/route/addr.h>

#include "internal.h"

static struct nl_addr *to_nl(const struct netcfg_prefix *p)
{
	struct nl_addr *a = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);

	if (a)
		nl_addr_set_prefixlen(a, p->len);
	return a;
}

static struct nl_addr *broadcast(const struct netcfg_prefix *p)
{
	unsigned char b[4];

	memcpy(b, p->addr, 4);
	for (int bit = p->len; bit < 32; bit++)
		b[bit / 8] |= (unsigned char)(0x80 >> (bit % 8));
	return nl_addr_build(AF_INET, b, 4);
}

int nc_addr_add(struct nc_sock *s, int ifindex, const struct netcfg_prefix *p, uint32_t lifetime,
		struct sk_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = to_nl(p), *brd = NULL;
	int r = -NLE_NOMEM;

	if (a && local) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		rtnl_addr_set_prefixlen(a, p->len);
		if (p->family == AF_INET && p->len < 31 && (brd = broadcast(p)))
			rtnl_addr_set_broadcast(a, brd);
		if (lifetime) {
			rtnl_addr_set_valid_lifetime(a, lifetime);
			rtnl_addr_set_preferred_lifetime(a, lifetime);
		}
		/* REPLACE so that a renewed lease moves the lifetimes forward. */
		r = rtnl_addr_add(s->sk, a, NLM_F_REPLACE);
	}
	nl_addr_put(local);
	nl_addr_put(brd);
	rtnl_addr_put(a);
	if (r < 0) {
		char buf[64];
		netcfg_prefix_format(p, true, buf, sizeof buf);
		return sk_fail(err, nc_errno(s, r), "add address %s", buf);
	}
	return 0;
}

bool nc_prefix_contains(const struct netcfg_prefix *net, const struct netcfg_prefix *a)
{
	if (net->family != a->family)
		return false;
	for (int bit = 0; bit < net->len; bit++) {
		unsigned char m = (unsigned char)(0x80 >> (bit % 8));
		if ((net->addr[bit / 8] & m) != (a->addr[bit / 8] & m))
			return false;
	}
	return true;
}

static bool is_lease(struct rtnl_addr *a, int ifindex, const struct netcfg_prefix *keep)
{
	struct nl_addr *l = rtnl_addr_get_local(a);

	if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET || !l)
		return false;
	if (rtnl_addr_get_valid_lifetime(a) == 0xffffffffU)
		return false;
	return !keep || memcmp(nl_addr_get_binary_addr(l), keep->addr, 4) != 0 ||
	       rtnl_addr_get_prefixlen(a) != keep->len;
}

int nc_addr_flush_leases(struct nc_sock *s, int ifindex, const struct netcfg_prefix *keep,
			 struct sk_err *err)
{
	struct nl_cache *cache;
	int r = rtnl_addr_alloc_cache(s->sk, &cache);

	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "list addresses");
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		if (is_lease(a, ifindex, keep) && (r = rtnl_addr_delete(s->sk, a, 0)) < 0)
			break;
	}
	nl_cache_free(cache);
	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "remove leased address");
	return 0;
}
