/* lib/hex.c, and SHA-256 as every part computes it (BearSSL's, fed in
 * chunks the way the image store and imagegen's manifest feed it). */
#include "check.h"
#include "hex.h"

#include <bearssl.h>

static void digest_of(const void *data, size_t len, size_t chunk, char hex[65])
{
	br_sha256_context s;
	unsigned char d[32];
	const unsigned char *p = data;
	br_sha256_init(&s);
	while (len > 0) {
		size_t n = len < chunk ? len : chunk;
		br_sha256_update(&s, p, n);
		p += n;
		len -= n;
	}
	br_sha256_out(&s, d);
	sk_hex(d, sizeof d, hex);
}

/* Vectors from FIPS 180-4's examples (NIST CSRC). */
TEST(known_vectors)
{
	char hex[65];
	digest_of("", 0, 1, hex);
	CHECK_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest_of("abc", 3, 3, hex);
	CHECK_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	digest_of(two, 56, 56, hex);
	CHECK_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(chunking_does_not_matter)
{
	static unsigned char big[1000000];
	char a[65], b[65];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = 'a';
	digest_of(big, sizeof big, sizeof big, a);
	CHECK_STREQ(a, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	digest_of(big, sizeof big, 63, b);
	CHECK_STREQ(b, a);
	digest_of(big, sizeof big, 65, b);
	CHECK_STREQ(b, a);
}

TEST(hex_of_every_byte_value)
{
	unsigned char all[256];
	char hex[513];

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	sk_hex(all, sizeof all, hex);
	CHECK(strlen(hex) == 512);
	CHECK(strncmp(hex, "000102030405060708090a0b0c0d0e0f10", 34) == 0);
	CHECK(strcmp(hex + 500, "fafbfcfdfeff") == 0);
	sk_hex(all, 0, hex);
	CHECK_STREQ(hex, "");
}

int main(void)
{
	RUN(known_vectors);
	RUN(chunking_does_not_matter);
	RUN(hex_of_every_byte_value);
	return check_summary();
}
