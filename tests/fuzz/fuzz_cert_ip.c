/* Who a peer's certificate names (lib/x509_subject.c): the iPAddress
 * names a TLS client checks when it connected to an IP address, and the
 * subject's common name and organization the node API reads its caller's
 * identity and role from. The first byte picks IPv4 or IPv6, the next 4
 * or 16 bytes are the address asked for, the rest is the DER certificate. */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz.h"
#include "x509_subject.h"

/* A value the subject reader accepted: terminated, without control characters. */
static void check_value(const char *v, size_t cap, const char *what)
{
	size_t n = strnlen(v, cap);
	FUZZ_REQUIRE(n < cap, "%s is not terminated", what);
	for (size_t i = 0; i < n; i++)
		FUZZ_REQUIRE((unsigned char)v[i] >= 0x20 && v[i] != 0x7f,
			     "%s holds control character 0x%02x", what, (unsigned char)v[i]);
}

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
	if (x509_has_ip(copy, cert_len, ip, ip_len))
		FUZZ_REQUIRE(memmem(copy, cert_len, ip, ip_len),
			     "matched an address it does not hold");
	struct x509_subject s;
	if (x509_subject_read(copy, cert_len, &s) == 0) {
		check_value(s.cn, sizeof s.cn, "CN");
		check_value(s.o, sizeof s.o, "O");
	}
	free(copy);
	return 0;
}
