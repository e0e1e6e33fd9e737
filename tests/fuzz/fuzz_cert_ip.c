/* The DER walk for certificate IP names (lib/http.c): the leaf certificate
 * a TLS server presents when the client connected to an IP address. The
 * first byte picks IPv4 or IPv6, the next 4 or 16 bytes are the address
 * asked for, the rest is the certificate. */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1)
		return 0;
	size_t ip_len = data[0] & 1 ? 16 : 4;
	if (len < 1 + ip_len)
		return 0;
	const uint8_t *ip = data + 1, *cert = data + 1 + ip_len;
	size_t cert_len = len - 1 - ip_len;
	/* a copy of exactly cert_len bytes, so ASan sees any read past the end */
	uint8_t *copy = malloc(cert_len ? cert_len : 1);
	FUZZ_REQUIRE(copy, "malloc");
	memcpy(copy, cert, cert_len);
	if (http_cert_has_ip(copy, cert_len, ip, ip_len))
		FUZZ_REQUIRE(memmem(copy, cert_len, ip, ip_len),
			     "matched an address it does not hold");
	free(copy);
	return 0;
}
