/* ECIES P-256 + AES-256-GCM for join answers (see join_seal.h). */
#include "join_seal.h"

#include <bearssl.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base64.h"

#define IV_LEN	   12
#define TAG_LEN	   16
#define MAX_SEALED (64 * 1024)

void join_pubkey_encode(const struct x509_key *k, char *out)
{
	base64_encode(k->pk.q, k->pk.qlen, out);
}

int join_pubkey_decode(const char *b64, unsigned char pub[JOIN_PUBKEY_LEN], struct sk_err *err)
{
	unsigned char buf[JOIN_PUBKEY_LEN + 3], scalar[1] = {1};
	if (strlen(b64) > BASE64_ENCODED_SIZE(JOIN_PUBKEY_LEN) ||
	    base64_decode(b64, buf, sizeof buf) != JOIN_PUBKEY_LEN || buf[0] != 0x04)
		return sk_fail(err, 0, "public key: expected a base64 uncompressed P-256 point");
	memcpy(pub, buf, JOIN_PUBKEY_LEN);
	/* mul by 1 checks the point is on the curve */
	if (!br_ec_get_default()->mul(buf, JOIN_PUBKEY_LEN, scalar, 1, BR_EC_secp256r1))
		return sk_fail(err, 0, "public key: not a point of P-256");
	return 0;
}

/* key = SHA-256("skiff-join-v1" || X(shared) || ephemeral pub || node pub) */
static int derive(const unsigned char *priv, size_t privlen, const unsigned char *peer,
		  const unsigned char *eph_pub, const unsigned char *node_pub,
		  unsigned char key[32])
{
	unsigned char point[JOIN_PUBKEY_LEN];
	br_sha256_context h;
	memcpy(point, peer, sizeof point);
	if (!br_ec_get_default()->mul(point, sizeof point, priv, privlen, BR_EC_secp256r1))
		return -1;
	br_sha256_init(&h);
	br_sha256_update(&h, "skiff-join-v1", 13);
	br_sha256_update(&h, point + 1, 32);
	br_sha256_update(&h, eph_pub, JOIN_PUBKEY_LEN);
	br_sha256_update(&h, node_pub, JOIN_PUBKEY_LEN);
	br_sha256_out(&h, key);
	explicit_bzero(point, sizeof point);
	return 0;
}

/* AES-256-GCM over data in place; encrypt, or decrypt and check the tag. */
static int gcm(const unsigned char key[32], const unsigned char iv[IV_LEN], const char *aad,
	       unsigned char *data, size_t len, unsigned char tag[TAG_LEN], int encrypt)
{
	br_aes_ct_ctr_keys ctr;
	br_gcm_context g;
	br_aes_ct_ctr_init(&ctr, key, 32);
	br_gcm_init(&g, &ctr.vtable, br_ghash_ctmul);
	br_gcm_reset(&g, iv, IV_LEN);
	br_gcm_aad_inject(&g, aad, strlen(aad));
	br_gcm_flip(&g);
	br_gcm_run(&g, encrypt, data, len);
	int ok = 1;
	if (encrypt)
		br_gcm_get_tag(&g, tag);
	else
		ok = br_gcm_check_tag(&g, tag) == 1;
	explicit_bzero(&ctr, sizeof ctr);
	explicit_bzero(&g, sizeof g);
	return ok ? 0 : -1;
}

static char *b64(const void *data, size_t len)
{
	char *s = malloc(BASE64_ENCODED_SIZE(len));
	if (s)
		base64_encode(data, len, s);
	return s;
}

static char *sealed_json(const unsigned char *eph, const unsigned char *iv, const unsigned char *ct,
			 size_t len)
{
	char *e = b64(eph, JOIN_PUBKEY_LEN), *i = b64(iv, IV_LEN), *c = b64(ct, len), *out = NULL;
	cJSON *j = cJSON_CreateObject();
	if (e && i && c && j && cJSON_AddStringToObject(j, "ephemeralKey", e) &&
	    cJSON_AddStringToObject(j, "iv", i) && cJSON_AddStringToObject(j, "sealed", c))
		out = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	free(e), free(i), free(c);
	return out;
}

int join_seal(const unsigned char pub[JOIN_PUBKEY_LEN], const char *aad, const void *plain,
	      size_t len, char **json, struct sk_err *err)
{
	struct x509_key eph;
	unsigned char key[32], iv[IV_LEN];
	if (len > MAX_SEALED)
		return sk_fail(err, 0, "join answer: too large");
	unsigned char *buf = malloc(len + TAG_LEN);
	if (!buf)
		return sk_fail(err, ENOMEM, "join answer");
	int rc = x509_key_generate(&eph, err);
	if (rc == 0 && getrandom(iv, sizeof iv, 0) != (ssize_t)sizeof iv)
		rc = sk_failc(err, SK_ERR_SYS, errno, "getrandom");
	if (rc == 0 && derive(eph.sk.x, eph.sk.xlen, pub, eph.pk.q, pub, key) < 0)
		rc = sk_fail(err, 0, "join answer: ECDH failed");
	if (rc == 0) {
		memcpy(buf, plain, len);
		gcm(key, iv, aad, buf, len, buf + len, 1);
		if (!(*json = sealed_json(eph.pk.q, iv, buf, len + TAG_LEN)))
			rc = sk_fail(err, ENOMEM, "join answer");
	}
	explicit_bzero(&eph, sizeof eph);
	explicit_bzero(key, sizeof key);
	explicit_bzero(buf, len + TAG_LEN);
	free(buf);
	return rc;
}

static long field(const cJSON *j, const char *name, unsigned char *out, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	if (!cJSON_IsString(v) || strlen(v->valuestring) > BASE64_ENCODED_SIZE(cap))
		return -1;
	return base64_decode(v->valuestring, out, cap);
}

int join_open(const struct x509_key *k, const char *aad, const char *json, char **plain,
	      size_t *len, struct sk_err *err)
{
	unsigned char eph[JOIN_PUBKEY_LEN], iv[IV_LEN], key[32];
	cJSON *j = cJSON_Parse(json);
	unsigned char *buf = malloc(MAX_SEALED + TAG_LEN + 1);
	long n = -1;
	int rc = -1;
	if (j && buf && field(j, "ephemeralKey", eph, sizeof eph) == JOIN_PUBKEY_LEN &&
	    field(j, "iv", iv, sizeof iv) == IV_LEN)
		n = field(j, "sealed", buf, MAX_SEALED + TAG_LEN);
	cJSON_Delete(j);
	if (n < TAG_LEN)
		sk_fail(err, 0, "join answer: not a sealed answer");
	else if (derive(k->sk.x, k->sk.xlen, eph, eph, k->pk.q, key) < 0 ||
		 gcm(key, iv, aad, buf, (size_t)n - TAG_LEN, buf + n - TAG_LEN, 0) < 0)
		sk_fail(err, 0, "join answer: does not open with this node's key (not for it)");
	else
		rc = 0;
	explicit_bzero(key, sizeof key);
	if (rc == 0) {
		buf[n - TAG_LEN] = '\0';
		*plain = (char *)buf;
		*len = (size_t)n - TAG_LEN;
	} else {
		free(buf);
	}
	return rc;
}

void join_aad(const char *tid, const char *node, const char *pub, char *out, size_t size)
{
	snprintf(out, size, "%s/%s/%s", tid, node, pub);
}
