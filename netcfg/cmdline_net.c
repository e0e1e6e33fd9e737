/* Kernel command-line overrides of the network configuration:
 *   ip=dhcp | ip=off | ip=<client>:<server>:<gw>:<netmask>:<host>:<dev>:<autoconf>:<dns0>:<dns1>
 *   skiff.net.<ifname>.addr=CIDR[,CIDR]  .gw=IP  .dhcp=0|1  .mtu=N
 *   skiff.net.dns=IP[,IP]  skiff.net.search=DOMAIN[,DOMAIN]  skiff.net=off */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cmdline.h"
#include "internal.h"

#define MAX_ARGS 256

static struct netcfg_iface *iface_named(struct netcfg_config *cfg, const char *name,
					const char *key)
{
	for (size_t i = 0; i < cfg->n_ifaces; i++)
		if (!cfg->ifaces[i].has_mac && !strcmp(cfg->ifaces[i].name, name))
			return &cfg->ifaces[i];
	if (cfg->n_ifaces == NETCFG_MAX_IFACES || strlen(name) >= 16 || !*name)
		return NULL;
	struct netcfg_iface *ifc = &cfg->ifaces[cfg->n_ifaces++];
	memset(ifc, 0, sizeof *ifc);
	snprintf(ifc->name, sizeof ifc->name, "%s", name);
	snprintf(ifc->key, sizeof ifc->key, "cmdline %s", key);
	return ifc;
}

static int set_gateway(struct nc_report *r, struct netcfg_iface *ifc, const char *key,
		       const char *gw)
{
	struct netcfg_route *rt = &ifc->routes[0];

	ifc->n_routes = 0;
	if (!*gw)
		return 0;
	memset(rt, 0, sizeof *rt);
	snprintf(rt->key, sizeof rt->key, "cmdline %s", key);
	if (netcfg_prefix_parse(gw, false, &rt->via) < 0 || strchr(gw, '/'))
		return nc_report(r, "cmdline %s: malformed gateway \"%s\"", key, gw), -1;
	rt->to.family = rt->via.family;
	ifc->n_routes = 1;
	return 0;
}

static int set_addrs(struct nc_report *r, struct netcfg_iface *ifc, const char *key,
		     const char *list)
{
	char buf[512], *save, *w;

	ifc->n_addrs = 0;
	snprintf(buf, sizeof buf, "%s", list);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (ifc->n_addrs == NETCFG_MAX_ADDRS ||
		    netcfg_prefix_parse(w, true, &ifc->addrs[ifc->n_addrs]) < 0)
			nc_report(r, "cmdline %s: malformed CIDR \"%s\"", key, w);
		else
			ifc->n_addrs++;
	}
	return 0;
}

static void set_dns(struct nc_report *r, struct netcfg_config *cfg, const char *key,
		    const char *list, bool append)
{
	char buf[512], *save, *w;

	if (!append)
		cfg->n_ns = 0;
	snprintf(buf, sizeof buf, "%s", list);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (cfg->n_ns < NETCFG_MAX_NS &&
		    netcfg_prefix_parse(w, false, &cfg->nameservers[cfg->n_ns]) == 0 &&
		    !strchr(w, '/'))
			cfg->n_ns++;
		else
			nc_report(r, "cmdline %s: malformed address \"%s\"", key, w);
	}
}

static int mask_len(const char *mask)
{
	struct in_addr a;
	uint32_t m;
	int len = 0;

	if (inet_pton(AF_INET, mask, &a) != 1)
		return -1;
	m = ntohl(a.s_addr);
	while (len < 32 && (m & (0x80000000U >> len)))
		len++;
	return (len == 32 || (m << len) == 0) ? len : -1;
}

/* Splits on ':' keeping empty fields (strtok would merge them). */
static size_t split_colons(char *s, char *f[9])
{
	size_t n = 0;

	for (f[n++] = s; n < 9 && (s = strchr(s, ':')); f[n++] = ++s)
		s[0] = '\0';
	for (size_t i = n; i < 9; i++)
		f[i] = "";
	return n;
}

static void kernel_ip(struct nc_report *r, struct netcfg_config *cfg, const char *value)
{
	char buf[512], *f[9];
	struct netcfg_iface *ifc;

	if (!strcmp(value, "off") || !strcmp(value, "none")) {
		cfg->n_ifaces = 0;
		return;
	}
	snprintf(buf, sizeof buf, "%s", value);
	if (!strchr(buf, ':')) { /* ip=dhcp, ip=on, ip=any */
		if (cfg->n_ifaces == 0)
			iface_named(cfg, "eth0", "ip=");
		for (size_t i = 0; i < cfg->n_ifaces; i++)
			cfg->ifaces[i].dhcp = true;
		return;
	}
	split_colons(buf, f);
	if (!(ifc = iface_named(cfg, *f[5] ? f[5] : "eth0", "ip=")))
		return nc_report(r, "cmdline ip=: bad device \"%s\"", f[5]);
	ifc->dhcp = !strcmp(f[6], "dhcp") || !strcmp(f[6], "on") || !strcmp(f[6], "any") ||
		    !strcmp(f[6], "both");
	ifc->n_addrs = 0;
	if (*f[0]) {
		int len = *f[3] ? mask_len(f[3]) : 24;
		char cidr[64];
		snprintf(cidr, sizeof cidr, "%s/%d", f[0], len);
		if (len < 0 || netcfg_prefix_parse(cidr, true, &ifc->addrs[0]) < 0 ||
		    ifc->addrs[0].family != AF_INET)
			nc_report(r, "cmdline ip=: malformed client address or netmask \"%s:%s\"",
				  f[0], f[3]);
		else
			ifc->n_addrs = 1;
	}
	set_gateway(r, ifc, "ip=", f[2]);
	snprintf(cfg->hostname, sizeof cfg->hostname, "%s", f[4]);
	if (*f[7] || *f[8]) {
		char dns[128];
		snprintf(dns, sizeof dns, "%s%s%s", f[7], *f[7] && *f[8] ? "," : "", f[8]);
		set_dns(r, cfg, "ip=", dns, false);
	}
}

static void skiff_net(struct nc_report *r, struct netcfg_config *cfg, const char *key,
		      const char *value)
{
	const char *rest = key + strlen("skiff.net."), *dot = strrchr(rest, '.');
	char name[32];
	struct netcfg_iface *ifc;

	if (!strcmp(rest, "dns"))
		return set_dns(r, cfg, key, value, false);
	if (!strcmp(rest, "search")) {
		char buf[512], *save, *w;
		cfg->n_search = 0;
		snprintf(buf, sizeof buf, "%s", value);
		for (w = strtok_r(buf, ",", &save); w && cfg->n_search < NETCFG_MAX_SEARCH;
		     w = strtok_r(NULL, ",", &save))
			snprintf(cfg->search[cfg->n_search++], sizeof cfg->search[0], "%s", w);
		return;
	}
	if (!strcmp(rest, "carrier_timeout_ms")) {
		cfg->carrier_timeout_ms = atoi(value);
		return;
	}
	if (!dot || (size_t)(dot - rest) >= sizeof name)
		return nc_report(r, "cmdline %s: unknown key", key);
	snprintf(name, sizeof name, "%.*s", (int)(dot - rest), rest);
	if (!(ifc = iface_named(cfg, name, key)))
		return nc_report(r, "cmdline %s: too many interfaces or bad name", key);
	if (!strcmp(dot, ".addr"))
		set_addrs(r, ifc, key, value);
	else if (!strcmp(dot, ".gw"))
		set_gateway(r, ifc, key, value);
	else if (!strcmp(dot, ".dhcp"))
		ifc->dhcp = !strcmp(value, "1") || !strcmp(value, "on");
	else if (!strcmp(dot, ".mtu") && atoi(value) >= 68 && atoi(value) <= 65535)
		ifc->mtu = atoi(value);
	else
		nc_report(r, "cmdline %s=%s: unknown key or bad value", key, value);
}

int nc_config_cmdline(struct netcfg_config *cfg, const char *cmdline, struct nc_report *r)
{
	int before = r->count;
	SK_AUTOFREE char *buf = cmdline ? strdup(cmdline) : NULL;
	SK_AUTOFREE struct cmdline_arg *args = calloc(MAX_ARGS, sizeof *args);
	size_t n;

	if (!buf || !args)
		return 0;
	n = cmdline_parse(buf, args, MAX_ARGS);
	for (size_t i = 0; i < n && i < MAX_ARGS; i++) {
		const char *k = args[i].key, *v = args[i].value;
		if (!v)
			continue;
		if (!strcmp(k, "ip"))
			kernel_ip(r, cfg, v);
		else if (!strcmp(k, "skiff.net") && !strcmp(v, "off"))
			cfg->n_ifaces = 0;
		else if (!strncmp(k, "skiff.net.", 10))
			skiff_net(r, cfg, k, v);
	}
	return r->count - before;
}

int netcfg_config_cmdline(struct netcfg_config *cfg, const char *cmdline,
			  const struct netcfg_opts *opts)
{
	struct nc_report r = {.opts = opts};

	return nc_config_cmdline(cfg, cmdline, &r);
}
