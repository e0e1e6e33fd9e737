/* Links: finding an interface by name or MAC, MTU, up, carrier, delete. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/route/link.h>

#include "internal.h"
#include "clock.h"

int nc_link_index(struct nc_sock *s, const char *name, struct sk_err *err)
{
	struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(s->sk, 0, name, &link);
	int idx;

	if (r < 0)
		return sk_fail(err, nc_errno(s, r) == ENODEV ? 0 : nc_errno(s, r),
			       "no interface named \"%s\"", name);
	idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return idx;
}

static bool mac_equal(struct rtnl_link *link, const unsigned char mac[6])
{
	struct nl_addr *a = rtnl_link_get_addr(link);

	return a && nl_addr_get_len(a) == 6 && !memcmp(nl_addr_get_binary_addr(a), mac, 6);
}

static int link_by_mac(struct nc_sock *s, const unsigned char mac[6], char name[16],
		       struct sk_err *err)
{
	struct nl_cache *cache;
	int r = rtnl_link_alloc_cache(s->sk, AF_UNSPEC, &cache);
	int idx = 0;

	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "list links");
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		if (mac_equal(l, mac)) {
			idx = rtnl_link_get_ifindex(l);
			snprintf(name, 16, "%s", rtnl_link_get_name(l));
			break;
		}
	}
	nl_cache_free(cache);
	if (!idx)
		return sk_fail(err, 0, "no interface with MAC %02x:%02x:%02x:%02x:%02x:%02x",
			       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return idx;
}

int nc_link_find(struct nc_sock *s, const struct netcfg_iface *ifc, char name[16],
		 struct sk_err *err)
{
	if (ifc->has_mac)
		return link_by_mac(s, ifc->mac, name, err);
	snprintf(name, 16, "%s", ifc->name);
	return nc_link_index(s, ifc->name, err);
}

int nc_link_set(struct nc_sock *s, int ifindex, int mtu, bool up, struct sk_err *err)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *change = rtnl_link_alloc();
	int r;

	if (!orig || !change) {
		rtnl_link_put(orig);
		rtnl_link_put(change);
		return sk_fail(err, ENOMEM, "link change");
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (mtu)
		rtnl_link_set_mtu(change, (unsigned)mtu);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(s->sk, orig, change, 0);
	rtnl_link_put(orig);
	rtnl_link_put(change);
	if (r < 0)
		return sk_fail(err, nc_errno(s, r), mtu ? "set MTU %d" : "set link up", mtu);
	return 0;
}

static int has_carrier(struct nc_sock *s, int ifindex, struct sk_err *err)
{
	struct rtnl_link *link = NULL;
	int r = rtnl_link_get_kernel(s->sk, ifindex, NULL, &link);
	int up;

	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "link %d", ifindex);
	up = (rtnl_link_get_flags(link) & IFF_LOWER_UP) != 0;
	rtnl_link_put(link);
	return up;
}

/* Polls every 10 ms: carrier usually comes within tens of milliseconds and
 * a netlink subscription would cost more code than it saves. */
int nc_link_wait_carrier(struct nc_sock *s, int ifindex, int timeout_ms, struct sk_err *err)
{
	long start = sk_now_ms();
	int r;

	while ((r = has_carrier(s, ifindex, err)) == 0) {
		if (sk_now_ms() - start >= timeout_ms)
			return sk_fail(err, ETIMEDOUT, "no carrier after %d ms", timeout_ms);
		usleep(10000);
	}
	return r < 0 ? r : (int)(sk_now_ms() - start);
}

int nc_link_delete(struct nc_sock *s, const char *name, struct sk_err *err)
{
	struct rtnl_link *link = rtnl_link_alloc();
	int r;

	if (!link)
		return sk_fail(err, ENOMEM, "link delete");
	rtnl_link_set_name(link, name);
	r = rtnl_link_delete(s->sk, link);
	rtnl_link_put(link);
	if (r < 0)
		return sk_fail(err, nc_errno(s, r), "delete link %s", name);
	return 0;
}

int netcfg_wait_carrier(const char *ifname, int timeout_ms, struct sk_err *err)
{
	struct nc_sock s;
	int idx, r;

	if (nc_sock_open(&s, NETLINK_ROUTE, err) < 0)
		return -1;
	idx = nc_link_index(&s, ifname, err);
	r = idx < 0 ? idx : nc_link_wait_carrier(&s, idx, timeout_ms, err);
	nc_sock_close(&s);
	return r < 0 ? sk_wrap(err, "%s", ifname) : r;
}
