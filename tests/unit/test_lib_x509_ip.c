#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "x509_ip.h"

static const unsigned char ip4[] = {127, 0, 0, 1};
static const unsigned char other4[] = {10, 0, 0, 1};
static const unsigned char ip6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* Appends a TLV with a short or a long (two bytes) length. */
static size_t tlv(unsigned char *out, unsigned tag, const unsigned char *v, size_t len)
{
	size_t n = 0;
	out[n++] = (unsigned char)tag;
	if (len < 128) {
		out[n++] = (unsigned char)len;
	} else {
		out[n++] = 0x82;
		out[n++] = (unsigned char)(len >> 8);
		out[n++] = (unsigned char)len;
	}
	memmove(out + n, v, len);
	return n + len;
}

/* A certificate skeleton: SEQUENCE { SEQUENCE (tbs) { INTEGER, [3] {
 * SEQUENCE { a basicConstraints extension, the subjectAltName one with
 * a dNSName and the given iPAddress names } } } }. */
static size_t cert(unsigned char *out, const unsigned char *const *ips, const size_t *lens,
		   size_t nips)
{
	unsigned char names[512], a[1024], b[1024];
	size_t n = tlv(names, 0x82, (const unsigned char *)"localhost", 9), k;
	for (size_t i = 0; i < nips; i++)
		n += tlv(names + n, 0x87, ips[i], lens[i]);
	static const unsigned char san_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
	static const unsigned char bc[] = {0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13,
					   0x01, 0x01, 0xff, 0x04, 0x02, 0x30, 0x00};
	k = tlv(a, 0x30, names, n);	    /* GeneralNames */
	k = tlv(b, 0x04, a, k);		    /* OCTET STRING */
	memcpy(a, san_oid, sizeof san_oid); /* extnID */
	memcpy(a + sizeof san_oid, b, k);
	k = tlv(b, 0x30, a, sizeof san_oid + k); /* Extension */
	memcpy(a, bc, sizeof bc);
	memcpy(a + sizeof bc, b, k);
	k = tlv(b, 0x30, a, sizeof bc + k); /* Extensions */
	k = tlv(a, 0xa3, b, k);		    /* [3] */
	static const unsigned char serial[] = {0x02, 0x01, 0x07};
	memcpy(b, serial, sizeof serial);
	memcpy(b + sizeof serial, a, k);
	k = tlv(a, 0x30, b, sizeof serial + k); /* tbsCertificate */
	return tlv(out, 0x30, a, k);		/* Certificate */
}

TEST(finds_the_ip_address_names)
{
	unsigned char c[1024];
	const unsigned char *ips[] = {ip6, ip4};
	size_t lens[] = {16, 4};
	size_t n = cert(c, ips, lens, 2);
	CHECK(x509_has_ip(c, n, ip4, 4) == 1);
	CHECK(x509_has_ip(c, n, ip6, 16) == 1);
	CHECK(x509_has_ip(c, n, other4, 4) == 0);
	CHECK(x509_has_ip(c, n, ip6, 4) == 0); /* a prefix of a longer name */
	n = cert(c, ips, lens, 0);
	CHECK(x509_has_ip(c, n, ip4, 4) == 0); /* a dNSName only */
}

TEST(long_lengths_are_read)
{
	unsigned char c[2048], pad[300];
	const unsigned char *ips[] = {pad, ip4};
	size_t lens[] = {sizeof pad, 4};
	memset(pad, 0xee, sizeof pad);
	size_t n = cert(c, ips, lens, 2);
	CHECK(c[1] == 0x82); /* the outer length takes two bytes */
	CHECK(x509_has_ip(c, n, ip4, 4) == 1);
}

/* Untrusted bytes: every truncation and random damage of a valid
 * certificate must be answered (no read past the end: ASan watches), and
 * a cut certificate never matches. Each input is its own allocation. */
TEST(truncated_and_damaged_input_is_safe)
{
	unsigned char c[1024];
	const unsigned char *ips[] = {ip4};
	size_t lens[] = {4};
	size_t n = cert(c, ips, lens, 1);
	int matched_cut = 0;
	for (size_t len = 0; len < n; len++) {
		unsigned char *p = malloc(len ? len : 1);
		memcpy(p, c, len);
		matched_cut += x509_has_ip(p, len, ip4, 4);
		free(p);
	}
	CHECK(matched_cut == 0);
	unsigned seed = 12;
	for (int round = 0; round < 20000; round++) {
		unsigned char *p = malloc(n);
		memcpy(p, c, n);
		for (int k = 0; k < 1 + round % 4; k++)
			p[rand_r(&seed) % n] = (unsigned char)rand_r(&seed);
		x509_has_ip(p, n - (size_t)(rand_r(&seed) % 3), ip4, 4);
		free(p);
	}
}

int main(void)
{
	RUN(finds_the_ip_address_names);
	RUN(long_lengths_are_read);
	RUN(truncated_and_damaged_input_is_safe);
	return check_summary();
}
