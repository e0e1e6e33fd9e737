/* Join answers sealed to one node's key open for it alone. */
#include <stdlib.h>
#include <string.h>

#include "../../lib/base64.h"
#include "../../lib/join_seal.h"
#include "check.h"

/* Both values hold characters base64 never makes ('-', ':'), so finding
 * them in the sealed answer can only mean they leaked. */
static const char secret[] = "{\"user\":\"skiff:c:node:a\",\"password\":\"pass-word-42\"}";

TEST(opens_for_the_node_only)
{
	struct x509_key a, b;
	struct sk_err err = {0};
	char pub64[BASE64_ENCODED_SIZE(JOIN_PUBKEY_LEN)], *json = NULL, *plain = NULL;
	unsigned char pub[JOIN_PUBKEY_LEN];
	size_t len = 0;

	CHECK(x509_key_generate(&a, &err) == 0 && x509_key_generate(&b, &err) == 0);
	join_pubkey_encode(&a, pub64);
	CHECK(join_pubkey_decode(pub64, pub, &err) == 0);
	CHECK(join_seal(pub, "tok/a", secret, strlen(secret), &json, &err) == 0);
	CHECK(strstr(json, "pass-word-42") == NULL && strstr(json, "skiff:c") == NULL);
	CHECK(join_open(&a, "tok/a", json, &plain, &len, &err) == 0);
	CHECK(len == strlen(secret));
	CHECK_STREQ(plain, secret);
	free(plain);
	plain = NULL;
	CHECK(join_open(&b, "tok/a", json, &plain, &len, &err) < 0 && !plain);
	CHECK(strstr(err.msg, "does not open with this node's key") != NULL);
	CHECK(join_open(&a, "tok/b", json, &plain, &len, &err) < 0 && !plain);
	char *s = strstr(json, "\"sealed\":\"") + 10;
	*s = *s == 'A' ? 'B' : 'A';
	CHECK(join_open(&a, "tok/a", json, &plain, &len, &err) < 0 && !plain);
	CHECK(join_open(&a, "tok/a", "{\"sealed\":1}", &plain, &len, &err) < 0);
	CHECK(strstr(err.msg, "not a sealed answer") != NULL);
	free(json);
}

TEST(public_key_checked)
{
	unsigned char pub[JOIN_PUBKEY_LEN];
	struct sk_err err = {0};
	char bad[BASE64_ENCODED_SIZE(JOIN_PUBKEY_LEN)];
	unsigned char p[JOIN_PUBKEY_LEN] = {0x04};

	CHECK(join_pubkey_decode("AAAA", pub, &err) < 0);
	CHECK(strstr(err.msg, "uncompressed P-256 point") != NULL);
	p[1] = 1; /* (1, 0) is not on the curve */
	base64_encode(p, sizeof p, bad);
	CHECK(join_pubkey_decode(bad, pub, &err) < 0);
	CHECK(strstr(err.msg, "not a point of P-256") != NULL);
}

int main(void)
{
	RUN(opens_for_the_node_only);
	RUN(public_key_checked);
	return check_summary();
}
