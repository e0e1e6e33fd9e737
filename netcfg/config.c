/* The "network" object of /etc/skiff/node.json (schema: docs/network.md).
 * Every item is validated here and a bad one is reported with its key path
 * and left out, so that the rest can still be applied. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

static bool only_keys(struct nc_report *r, const cJSON *obj, const char *key,
		      const char *const *allowed)
{
	bool ok = true;

	for (const cJSON *c = obj->child; c; c = c->next) {
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], c->string))
			i++;
		if (!allowed[i]) {
			nc_report(r, "%s.%s: unknown key", key, c->string);
			ok = false;
		}
	}
	return ok;
}

static int parse_match(struct nc_report *r, const cJSON *m, struct netcfg_iface *ifc)
{
	static const char *const keys[] = {"name", "mac", NULL};
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
	const cJSON *mac = cJSON_GetObjectItemCaseSensitive(m, "mac");

	if (!cJSON_IsObject(m) || !only_keys(r, m, ifc->key, keys) || (!name == !mac)) {
		nc_report(r,
			  "%s.match: want {\"name\": IFNAME} or {\"mac\": \"xx:xx:xx:xx:xx:xx\"}",
			  ifc->key);
		return -1;
	}
	if (name && (!cJSON_IsString(name) || !*name->valuestring ||
		     strlen(name->valuestring) >= sizeof ifc->name)) {
		nc_report(r, "%s.match.name: not an interface name", ifc->key);
		return -1;
	}
	if (mac && (!cJSON_IsString(mac) || netcfg_mac_parse(mac->valuestring, ifc->mac) < 0)) {
		nc_report(r, "%s.match.mac: malformed MAC \"%s\"", ifc->key,
			  cJSON_IsString(mac) ? mac->valuestring : "?");
		return -1;
	}
	if (name)
		snprintf(ifc->name, sizeof ifc->name, "%s", name->valuestring);
	ifc->has_mac = mac != NULL;
	return 0;
}

static bool seen_address(const struct netcfg_config *cfg, const struct netcfg_iface *cur,
			 const struct netcfg_prefix *p, char *where, size_t size)
{
	for (size_t i = 0; i <= cfg->n_ifaces; i++) {
		const struct netcfg_iface *ifc = &cfg->ifaces[i];
		size_t n = ifc == cur ? cur->n_addrs : ifc->n_addrs;
		for (size_t j = 0; j < n; j++)
			if (ifc->addrs[j].family == p->family &&
			    !memcmp(ifc->addrs[j].addr, p->addr, sizeof p->addr)) {
				snprintf(where, size, "%s.addresses[%zu]", ifc->key, j);
				return true;
			}
		if (ifc == cur)
			break;
	}
	return false;
}

static void parse_addresses(struct nc_report *r, struct netcfg_config *cfg, const cJSON *list,
			    struct netcfg_iface *ifc)
{
	size_t i = 0;
	const cJSON *a;
	char where[NETCFG_KEY_MAX + 24];

	cJSON_ArrayForEach(a, list)
	{
		struct netcfg_prefix p;
		size_t idx = i++;
		if (!cJSON_IsString(a) || netcfg_prefix_parse(a->valuestring, true, &p) < 0)
			nc_report(r, "%s.addresses[%zu]: malformed CIDR \"%s\"", ifc->key, idx,
				  cJSON_IsString(a) ? a->valuestring : "(not a string)");
		else if (seen_address(cfg, ifc, &p, where, sizeof where))
			nc_report(r, "%s.addresses[%zu]: duplicate address \"%s\" (also %s)",
				  ifc->key, idx, a->valuestring, where);
		else if (ifc->n_addrs == NETCFG_MAX_ADDRS)
			nc_report(r, "%s.addresses[%zu]: more than %d addresses", ifc->key, idx,
				  NETCFG_MAX_ADDRS);
		else
			ifc->addrs[ifc->n_addrs++] = p;
	}
}

static bool on_link(const struct netcfg_iface *ifc, const struct netcfg_prefix *gw)
{
	if (gw->family == AF_INET6 && gw->addr[0] == 0xfe && (gw->addr[1] & 0xc0) == 0x80)
		return true; /* link-local: always on-link */
	for (size_t i = 0; i < ifc->n_addrs; i++)
		if (nc_prefix_contains(&ifc->addrs[i], gw))
			return true;
	return false;
}

static int parse_route(struct nc_report *r, const cJSON *o, const struct netcfg_iface *ifc,
		       struct netcfg_route *rt)
{
	static const char *const keys[] = {"to", "via", "metric", NULL};
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(o, "to");
	const cJSON *via = cJSON_GetObjectItemCaseSensitive(o, "via");
	const cJSON *metric = cJSON_GetObjectItemCaseSensitive(o, "metric");

	if (!cJSON_IsObject(o) || !only_keys(r, o, rt->key, keys))
		return nc_report(r, "%s: want {\"to\": CIDR|\"default\", \"via\": IP}", rt->key),
		       -1;
	if (via &&
	    (!cJSON_IsString(via) || netcfg_prefix_parse(via->valuestring, false, &rt->via) < 0 ||
	     strchr(via->valuestring, '/')))
		return nc_report(r, "%s.via: malformed address \"%s\"", rt->key,
				 cJSON_IsString(via) ? via->valuestring : "?"),
		       -1;
	if (!cJSON_IsString(to))
		return nc_report(r, "%s.to: missing (CIDR or \"default\")", rt->key), -1;
	if (!strcmp(to->valuestring, "default")) {
		if (!via)
			return nc_report(r, "%s: a default route needs \"via\"", rt->key), -1;
		rt->to.family = rt->via.family;
	} else if (netcfg_prefix_parse(to->valuestring, true, &rt->to) < 0) {
		return nc_report(r, "%s.to: malformed CIDR \"%s\"", rt->key, to->valuestring), -1;
	}
	if (via && rt->via.family != rt->to.family)
		return nc_report(r, "%s.via: address family differs from \"to\"", rt->key), -1;
	if (via && !ifc->dhcp && !on_link(ifc, &rt->via))
		return nc_report(r, "%s.via: gateway %s is off-link (in none of %s.addresses)",
				 rt->key, via->valuestring, ifc->key),
		       -1;
	if (metric && (!cJSON_IsNumber(metric) || metric->valuedouble < 0))
		return nc_report(r, "%s.metric: not a non-negative integer", rt->key), -1;
	rt->metric = metric ? metric->valueint : 0;
	return 0;
}

static void parse_routes(struct nc_report *r, const cJSON *list, struct netcfg_iface *ifc)
{
	size_t i = 0;
	const cJSON *o;

	cJSON_ArrayForEach(o, list)
	{
		struct netcfg_route *rt = &ifc->routes[ifc->n_routes];
		size_t idx = i++;
		if (ifc->n_routes == NETCFG_MAX_ROUTES) {
			nc_report(r, "%s.routes[%zu]: more than %d routes", ifc->key, idx,
				  NETCFG_MAX_ROUTES);
			continue;
		}
		memset(rt, 0, sizeof *rt);
		char key[sizeof rt->key];
		snprintf(key, sizeof key, "%s.routes[%zu]", ifc->key, idx);
		memcpy(rt->key, key, sizeof key);
		if (parse_route(r, o, ifc, rt) == 0)
			ifc->n_routes++;
	}
}

static void parse_iface(struct nc_report *r, struct netcfg_config *cfg, const cJSON *o, size_t idx)
{
	static const char *const keys[] = {"match", "dhcp", "addresses", "mtu", "routes", NULL};
	struct netcfg_iface *ifc = &cfg->ifaces[cfg->n_ifaces];
	const cJSON *dhcp, *mtu, *list;

	memset(ifc, 0, sizeof *ifc);
	snprintf(ifc->key, sizeof ifc->key, "network.interfaces[%zu]", idx);
	if (!cJSON_IsObject(o))
		return nc_report(r, "%s: not an object", ifc->key);
	only_keys(r, o, ifc->key, keys);
	if (parse_match(r, cJSON_GetObjectItemCaseSensitive(o, "match"), ifc) < 0)
		return;
	dhcp = cJSON_GetObjectItemCaseSensitive(o, "dhcp");
	if (dhcp && !cJSON_IsBool(dhcp))
		nc_report(r, "%s.dhcp: not true or false", ifc->key);
	ifc->dhcp = cJSON_IsTrue(dhcp);
	mtu = cJSON_GetObjectItemCaseSensitive(o, "mtu");
	if (mtu && (!cJSON_IsNumber(mtu) || mtu->valuedouble < 68 || mtu->valuedouble > 65535))
		nc_report(r, "%s.mtu: not between 68 and 65535", ifc->key);
	else if (mtu)
		ifc->mtu = mtu->valueint;
	if ((list = cJSON_GetObjectItemCaseSensitive(o, "addresses")) && !cJSON_IsArray(list))
		nc_report(r, "%s.addresses: not a list", ifc->key);
	else
		parse_addresses(r, cfg, list, ifc);
	if ((list = cJSON_GetObjectItemCaseSensitive(o, "routes")) && !cJSON_IsArray(list))
		nc_report(r, "%s.routes: not a list", ifc->key);
	else
		parse_routes(r, list, ifc);
	cfg->n_ifaces++;
}

static void parse_dns(struct nc_report *r, struct netcfg_config *cfg, const cJSON *dns)
{
	static const char *const keys[] = {"nameservers", "search", NULL};
	const cJSON *a;
	size_t i = 0;

	if (!cJSON_IsObject(dns))
		return nc_report(r, "network.dns: not an object");
	only_keys(r, dns, "network.dns", keys);
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(dns, "nameservers"))
	{
		size_t idx = i++;
		if (!cJSON_IsString(a) || strchr(a->valuestring, '/') ||
		    netcfg_prefix_parse(a->valuestring, false, &cfg->nameservers[cfg->n_ns]) < 0)
			nc_report(r, "network.dns.nameservers[%zu]: malformed address \"%s\"", idx,
				  cJSON_IsString(a) ? a->valuestring : "?");
		else if (cfg->n_ns < NETCFG_MAX_NS)
			cfg->n_ns++;
	}
	i = 0;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(dns, "search"))
	{
		size_t idx = i++;
		if (!cJSON_IsString(a) || !*a->valuestring ||
		    strlen(a->valuestring) >= sizeof cfg->search[0] ||
		    strspn(a->valuestring,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
			strlen(a->valuestring))
			nc_report(r, "network.dns.search[%zu]: not a domain name", idx);
		else if (cfg->n_search < NETCFG_MAX_SEARCH)
			snprintf(cfg->search[cfg->n_search++], sizeof cfg->search[0], "%s",
				 a->valuestring);
	}
}

static void parse_network(struct nc_report *r, struct netcfg_config *cfg, const cJSON *net)
{
	static const char *const keys[] = {"interfaces", "dns", "carrier_timeout_ms", "bridge",
					   NULL};
	const cJSON *o, *list = cJSON_GetObjectItemCaseSensitive(net, "interfaces");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(net, "carrier_timeout_ms");
	size_t i = 0;

	if (!cJSON_IsObject(net))
		return nc_report(r, "network: not an object");
	only_keys(r, net, "network", keys);
	if (list && !cJSON_IsArray(list))
		nc_report(r, "network.interfaces: not a list");
	if (!cJSON_IsArray(list))
		list = NULL;
	cJSON_ArrayForEach(o, list)
	{
		if (cfg->n_ifaces == NETCFG_MAX_IFACES)
			nc_report(r, "network.interfaces[%zu]: more than %d interfaces", i,
				  NETCFG_MAX_IFACES);
		else
			parse_iface(r, cfg, o, i);
		i++;
	}
	if ((o = cJSON_GetObjectItemCaseSensitive(net, "dns")))
		parse_dns(r, cfg, o);
	if (t && (!cJSON_IsNumber(t) || t->valuedouble < 0 || t->valuedouble > 600000))
		nc_report(r, "network.carrier_timeout_ms: not between 0 and 600000");
	else if (t)
		cfg->carrier_timeout_ms = t->valueint;
}

int nc_config_parse(const char *json, struct netcfg_config *cfg, struct nc_report *r,
		    struct sk_err *err)
{
	int before = r->count;
	cJSON *root = cJSON_Parse(json);
	const cJSON *net;

	memset(cfg, 0, sizeof *cfg);
	cfg->carrier_timeout_ms = 5000;
	if (!root)
		return sk_fail(err, 0, "not valid JSON near \"%.20s\"",
			       cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() : "");
	if ((net = cJSON_GetObjectItemCaseSensitive(root, "network")))
		parse_network(r, cfg, net);
	cJSON_Delete(root);
	return r->count - before;
}

int netcfg_config_parse(const char *json, struct netcfg_config *cfg, const struct netcfg_opts *opts,
			struct sk_err *err)
{
	struct nc_report r = {.opts = opts};

	return nc_config_parse(json, cfg, &r, err);
}
