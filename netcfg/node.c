/* Node network bring-up: each interface, address, route and the DNS
 * settings are applied independently; what fails is reported by key and
 * the rest still goes in. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "internal.h"
#include "clock.h"

#define NODE_JSON_MAX (1 << 20)

static void apply_addrs_routes(struct nc_sock *s, int idx, const struct netcfg_iface *ifc,
			       struct nc_report *r)
{
	struct sk_err e = {0};

	for (size_t i = 0; i < ifc->n_addrs; i++)
		if (nc_addr_add(s, idx, &ifc->addrs[i], 0, &e) < 0)
			nc_report(r, "%s.addresses: %s", ifc->key, e.msg);
	for (size_t i = 0; i < ifc->n_routes; i++)
		if (nc_route_add(s, idx, &ifc->routes[i], NC_RTPROT_STATIC, NULL, &e) < 0)
			nc_report(r, "%s: %s", ifc->routes[i].key, e.msg);
}

/* At boot a NIC's driver may still be probing when we get here: give the
 * interface the carrier timeout to appear. */
static int find_waiting(struct nc_sock *s, const struct netcfg_iface *ifc, int timeout_ms,
			char name[16], struct sk_err *err)
{
	long start = sk_now_ms();
	int idx;

	while ((idx = nc_link_find(s, ifc, name, err)) < 0 && sk_now_ms() - start < timeout_ms)
		usleep(20000);
	return idx;
}

static void apply_iface(struct nc_sock *s, const struct netcfg_config *cfg,
			const struct netcfg_iface *ifc, struct nc_report *r)
{
	struct sk_err e = {0};
	char name[16];
	long t0;
	int idx = find_waiting(s, ifc, cfg->carrier_timeout_ms, name, &e), ms;

	if (idx < 0)
		return nc_report(r, "%s.match: %s", ifc->key, e.msg);
	if (ifc->mtu && nc_link_set(s, idx, ifc->mtu, false, &e) < 0)
		nc_report(r, "%s.mtu: %s: %s", ifc->key, name, e.msg);
	t0 = sk_now_ms();
	if (nc_link_set(s, idx, 0, true, &e) < 0)
		return nc_report(r, "%s: %s: %s", ifc->key, name, e.msg);
	ms = nc_link_wait_carrier(s, idx, cfg->carrier_timeout_ms, &e);
	if (ms < 0)
		nc_report(r, "%s: %s: %s", ifc->key, name, e.msg);
	else
		nc_log(r->opts, "%s: up, carrier after %d ms", name, ms);
	apply_addrs_routes(s, idx, ifc, r);
	if (ifc->n_addrs)
		nc_log(r->opts, "%s: %zu static address(es) %zu route(s) in %ld ms after link up",
		       name, ifc->n_addrs, ifc->n_routes, sk_now_ms() - t0);
	if (ifc->dhcp && !r->opts->no_dhcp && nc_dhcp_start(name, r->opts, &e) < 0)
		nc_report(r, "%s.dhcp: %s: %s", ifc->key, name, e.msg);
}

static void apply_dns(const struct netcfg_config *cfg, struct nc_report *r)
{
	struct nc_dns dns = {.n_ns = cfg->n_ns, .n_search = cfg->n_search};
	struct sk_err e = {0};

	if (!cfg->n_ns && !cfg->n_search)
		return;
	for (size_t i = 0; i < cfg->n_ns; i++)
		netcfg_prefix_format(&cfg->nameservers[i], false, dns.ns[i], sizeof dns.ns[i]);
	for (size_t i = 0; i < cfg->n_search; i++)
		snprintf(dns.search[i], sizeof dns.search[i], "%s", cfg->search[i]);
	if (nc_dns_set(r->opts, "0-static", &dns, &e) < 0)
		nc_report(r, "network.dns: %s", e.msg);
}

static int apply(const struct netcfg_config *cfg, struct nc_report *r, struct sk_err *err)
{
	struct nc_sock s;

	if (nc_sock_open(&s, NETLINK_ROUTE, err) < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		apply_iface(&s, cfg, &cfg->ifaces[i], r);
	nc_sock_close(&s);
	apply_dns(cfg, r);
	if (r->count)
		return sk_fail(err, 0, "network: %d problem(s); first: %s", r->count, r->first);
	return 0;
}

int netcfg_apply(const struct netcfg_config *cfg, const struct netcfg_opts *opts,
		 struct sk_err *err)
{
	static const struct netcfg_opts none;
	struct nc_report r = {.opts = opts ? opts : &none};

	return apply(cfg, &r, err);
}

static int read_text(const char *path, char **out, struct sk_err *err)
{
	*out = NULL;
	if (sk_read_file(path, NODE_JSON_MAX, out, NULL, err) == 0)
		return 0;
	return err->errnum == ENOENT ? 0 : -1;
}

int netcfg_node_up(const char *node_json_path, const char *cmdline, const struct netcfg_opts *opts,
		   struct sk_err *err)
{
	static const struct netcfg_opts none;
	SK_AUTOFREE char *text = NULL;
	SK_AUTOFREE struct netcfg_config *cfg = calloc(1, sizeof *cfg);
	struct nc_report r = {.opts = opts ? opts : &none};

	if (!cfg)
		return sk_fail(err, ENOMEM, "network config");
	cfg->carrier_timeout_ms = 5000;
	if (node_json_path && read_text(node_json_path, &text, err) < 0)
		return -1;
	if (text && nc_config_parse(text, cfg, &r, err) < 0)
		return sk_wrap(err, "%s", node_json_path);
	nc_config_cmdline(cfg, cmdline, &r);
	return apply(cfg, &r, err);
}
