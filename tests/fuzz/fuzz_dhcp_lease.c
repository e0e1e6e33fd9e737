/* DHCP lease events (netcfg/dhcp.c): udhcpc runs skiff-netcfg as its
 * script with the lease in the environment, straight from whatever DHCP
 * server answered on the link. The input is that environment, one
 * NAME=value per line (ip, mask, router, lease, mtu, dns, search, ...). */
#include <arpa/inet.h>

#include "fuzz.h"
#include "netcfg/internal.h"

#define MAX_VARS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct nc_lease l;
	char *envp[MAX_VARS + 1];
	size_t n = 0;
	char *text = fuzz_text(data, len);
	for (char *save, *line = strtok_r(text, "\n", &save); line && n < MAX_VARS;
	     line = strtok_r(NULL, "\n", &save))
		envp[n++] = line;
	envp[n] = NULL;
	int rc = nc_lease_parse(envp, &l, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0) {
		FUZZ_REQUIRE(l.addr.family == AF_INET && l.addr.len >= 0 && l.addr.len <= 32,
			     "address family %d /%d", l.addr.family, l.addr.len);
		FUZZ_REQUIRE(l.gw.via.family == 0 || l.gw.via.family == AF_INET, "router family %d",
			     l.gw.via.family);
		FUZZ_REQUIRE(l.mtu == 0 || (l.mtu >= 576 && l.mtu <= 65535), "mtu %d", l.mtu);
		FUZZ_REQUIRE(l.dns.n_ns <= NETCFG_MAX_NS && l.dns.n_search <= NETCFG_MAX_SEARCH,
			     "%zu name servers, %zu search domains", l.dns.n_ns, l.dns.n_search);
	}
	free(text);
	return 0;
}
