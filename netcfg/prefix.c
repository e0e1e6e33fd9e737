/* Text forms of addresses, prefixes, MACs and port mappings. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "netcfg.h"

int netcfg_prefix_parse(const char *s, bool need_len, struct netcfg_prefix *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || n >= sizeof buf || (need_len && !slash))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(out, 0, sizeof *out);
	out->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(out->family, buf, out->addr) != 1)
		return -1;
	out->len = out->family == AF_INET ? 32 : 128;
	if (slash) {
		char *end;
		long len = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || len < 0 || len > out->len)
			return -1;
		out->len = (int)len;
	}
	return 0;
}

void netcfg_prefix_format(const struct netcfg_prefix *p, bool with_len, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family, p->addr, a, sizeof a);
	if (with_len)
		snprintf(buf, size, "%s/%d", a, p->len);
	else
		snprintf(buf, size, "%s", a);
}

int netcfg_mac_parse(const char *s, unsigned char mac[6])
{
	unsigned char v[6];

	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++, s += 3) {
		int hi = sk_hex_digit(s[0]), lo = sk_hex_digit(s[1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[2] != ':'))
			return -1;
		v[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(mac, v, sizeof v);
	return 0;
}

static int port_parse(const char *s, char **end, uint16_t *out)
{
	long v = strtol(s, end, 10);

	if (*end == s || v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int netcfg_port_map_parse(const char *s, struct netcfg_port_map *out, struct sk_err *err)
{
	char *end;

	out->proto = IPPROTO_TCP;
	if (port_parse(s, &end, &out->host_port) < 0 || *end != ':' ||
	    port_parse(end + 1, &end, &out->container_port) < 0)
		return sk_fail(err, 0,
			       "port mapping \"%s\": want HOSTPORT:CONTAINERPORT[/tcp|/udp]", s);
	if (!strcmp(end, "/udp"))
		out->proto = IPPROTO_UDP;
	else if (*end && strcmp(end, "/tcp"))
		return sk_fail(err, 0, "port mapping \"%s\": unknown protocol \"%s\"", s, end + 1);
	return 0;
}
