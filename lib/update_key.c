/* The update public key (a PEM SubjectPublicKeyInfo of an EC P-256 key)
 * and the ECDSA signature check over an update manifest, with BearSSL. */
#define _GNU_SOURCE
#include <string.h>

#include "cleanup.h"
#include "der.h"
#include "file.h"
#include "hex.h"
#include "tls_files.h"
#include "update_manifest.h"

#define UPDATE_KEY_FILE_MAX (16 << 10)

/* id-ecPublicKey and prime256v1, as DER OBJECT IDENTIFIER contents */
static const unsigned char oid_ec_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const unsigned char oid_p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

struct key_walk {
	struct update_key *k;
	const char *name;
	int found;
};

static int oid_is(struct der d, const unsigned char *oid, size_t len)
{
	unsigned tag;
	struct der v;
	return der_next(&d, &tag, &v) == 0 && tag == DER_OID && der_len(&v) == len &&
	       !memcmp(v.p, oid, len);
}

/* SEQUENCE { SEQUENCE { ecPublicKey, prime256v1 }, BIT STRING point } */
static int spki_point(const unsigned char *der, size_t len, unsigned char point[65])
{
	struct der d = {der, der + len}, spki, alg, bits, skip;
	unsigned tag;

	if (der_next(&d, &tag, &spki) < 0 || tag != DER_SEQUENCE || d.p != d.end)
		return -1;
	if (der_next(&spki, &tag, &alg) < 0 || tag != DER_SEQUENCE)
		return -1;
	if (der_next(&spki, &tag, &bits) < 0 || tag != DER_BIT_STRING || spki.p != spki.end)
		return -1;
	if (!oid_is(alg, oid_ec_key, sizeof oid_ec_key))
		return -1;
	if (der_next(&alg, &tag, &skip) < 0 || !oid_is(alg, oid_p256, sizeof oid_p256))
		return -1;
	/* no unused bits, then an uncompressed point */
	if (der_len(&bits) != 66 || bits.p[0] != 0 || bits.p[1] != 0x04)
		return -1;
	memcpy(point, bits.p + 1, 65);
	return 0;
}

static int key_object(void *ctx, const char *obj, const unsigned char *der, size_t len,
		      struct sk_err *err)
{
	struct key_walk *w = ctx;
	unsigned char sum[32];
	br_sha256_context sc;

	if (strcmp(obj, "PUBLIC KEY") != 0 || w->found)
		return 0;
	if (spki_point(der, len, w->k->point) < 0)
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: not an EC P-256 public key", w->name);
	w->k->pk = (br_ec_public_key){BR_EC_secp256r1, w->k->point, sizeof w->k->point};
	br_sha256_init(&sc);
	br_sha256_update(&sc, der, len);
	br_sha256_out(&sc, sum);
	memcpy(w->k->id, "sha256:", 7);
	sk_hex(sum, sizeof sum, w->k->id + 7);
	w->found = 1;
	return 0;
}

int update_key_parse(const char *pem, size_t len, const char *name, struct update_key *k,
		     struct sk_err *err)
{
	struct key_walk w = {k, name, 0};

	memset(k, 0, sizeof *k);
	if (tls_pem_each(pem, len, key_object, &w, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	if (!w.found)
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: no PEM \"PUBLIC KEY\" in it", name);
	return 0;
}

int update_key_load(const char *path, struct update_key *k, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len;

	if (sk_read_file(path, UPDATE_KEY_FILE_MAX, &pem, &len, err) < 0)
		return -1;
	return update_key_parse(pem, len, path, k, err);
}

/* SEQUENCE { INTEGER r, INTEGER s } and nothing after it: a cut or
 * padded signature is told apart from one that does not verify. */
static int sig_well_formed(const void *sig, size_t len)
{
	struct der d = {sig, (const unsigned char *)sig + len}, seq, v;
	unsigned tag;

	if (len > UPDATE_SIG_MAX || der_next(&d, &tag, &seq) < 0 || tag != DER_SEQUENCE ||
	    d.p != d.end)
		return 0;
	for (int i = 0; i < 2; i++)
		if (der_next(&seq, &tag, &v) < 0 || tag != DER_INTEGER || der_len(&v) == 0)
			return 0;
	return seq.p == seq.end;
}

int update_signature_check(const struct update_key *k, const char *key_name, const void *doc,
			   size_t len, const void *sig, size_t sig_len, struct sk_err *err)
{
	unsigned char hash[32];
	br_sha256_context sc;

	if (!sig_well_formed(sig, sig_len))
		return sk_failc(err, SK_ERR_USAGE, 0,
				"update signature is not an ECDSA signature in DER (%zu bytes)",
				sig_len);
	br_sha256_init(&sc);
	br_sha256_update(&sc, doc, len);
	br_sha256_out(&sc, hash);
	if (!br_ecdsa_i31_vrfy_asn1(br_ec_get_default(), hash, sizeof hash, &k->pk, sig, sig_len))
		return sk_failc(err, SK_ERR_USAGE, 0, "update signature does not verify with %s",
				key_name);
	return 0;
}
