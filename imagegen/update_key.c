/* Update keys (see update_key.h). The SubjectPublicKeyInfo of a P-256 key
 * is one fixed DER prefix (id-ecPublicKey, prime256v1) and the point, so
 * it is compared and written as bytes rather than parsed. */
#include "update_key.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "cleanup.h"
#include "hex.h"
#include "spec.h"
#include "tls_files.h"

#define KEY_FILE_MAX (64 << 10)

static const unsigned char spki_prefix[26] = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};

struct pem_scan {
	const char *want; /* "PRIVATE" or "PUBLIC" */
	br_skey_decoder_context dc;
	unsigned char spki[UPDATE_SPKI_LEN + 1];
	size_t spki_len;
	int found, encrypted, rsa;
};

static int scan_object(void *ctx, const char *name, const unsigned char *der, size_t len,
		       struct sk_err *err)
{
	struct pem_scan *s = ctx;

	(void)err;
	if (s->found)
		return 0;
	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
		s->encrypted = 1;
	if (strstr(name, "RSA"))
		s->rsa = 1;
	if (strcmp(s->want, "PUBLIC") == 0 && strcmp(name, "PUBLIC KEY") == 0) {
		s->found = 1;
		s->spki_len = len < sizeof s->spki ? len : sizeof s->spki;
		memcpy(s->spki, der, s->spki_len);
	} else if (strcmp(s->want, "PRIVATE") == 0 &&
		   (strcmp(name, "EC PRIVATE KEY") == 0 || strcmp(name, "PRIVATE KEY") == 0)) {
		s->found = 1;
		br_skey_decoder_init(&s->dc);
		br_skey_decoder_push(&s->dc, der, len);
	}
	return 0; /* skips e.g. the EC PARAMETERS block openssl writes first */
}

static int scan_file(const char *path, struct pem_scan *s, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len = 0;
	int rc;

	if (tls_read_file(path, KEY_FILE_MAX, &pem, &len, err) < 0)
		return -1;
	rc = tls_pem_each(pem, len, scan_object, s, err);
	explicit_bzero(pem, len);
	if (rc < 0)
		return -1;
	if (!s->found && s->encrypted)
		return sk_fail(err, 0, "%s: encrypted keys are not supported", path);
	if (!s->found && s->rsa)
		return sk_fail(err, 0, "%s: an RSA key (updates are signed with EC P-256)", path);
	if (!s->found)
		return sk_fail(err, 0, "%s: not PEM (no %s KEY block)", path, s->want);
	return 0;
}

static void set_public(struct update_key *k, const unsigned char point[UPDATE_POINT_LEN])
{
	unsigned char digest[32];
	br_sha256_context c;

	memcpy(k->spki, spki_prefix, sizeof spki_prefix);
	memcpy(k->spki + sizeof spki_prefix, point, UPDATE_POINT_LEN);
	br_sha256_init(&c);
	br_sha256_update(&c, k->spki, sizeof k->spki);
	br_sha256_out(&c, digest);
	memcpy(k->id, "sha256:", 7);
	sk_hex(digest, sizeof digest, k->id + 7);
}

static int load_private(const char *path, struct update_key *k, struct sk_err *err)
{
	struct pem_scan s = {.want = "PRIVATE"};
	const br_ec_private_key *ec;
	unsigned char kbuf[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_public_key pk;
	int rc = -1;

	if (scan_file(path, &s, err) < 0)
		goto out;
	if (br_skey_decoder_last_error(&s.dc) != 0)
		sk_fail(err, 0, "%s: malformed private key (BearSSL error %d)", path,
			br_skey_decoder_last_error(&s.dc));
	else if (br_skey_decoder_key_type(&s.dc) != BR_KEYTYPE_EC)
		sk_fail(err, 0, "%s: an RSA key (updates are signed with EC P-256)", path);
	else if ((ec = br_skey_decoder_get_ec(&s.dc))->curve != BR_EC_secp256r1 ||
		 ec->xlen > sizeof k->secret)
		sk_fail(err, 0, "%s: EC curve %d is not P-256 (prime256v1)", path, ec->curve);
	else if (br_ec_compute_pub(br_ec_get_default(), &pk, kbuf, ec) != UPDATE_POINT_LEN)
		sk_fail(err, 0, "%s: invalid P-256 private key", path);
	else {
		/* Some encoders drop the secret's leading zero bytes. */
		memset(k->secret, 0, sizeof k->secret);
		memcpy(k->secret + sizeof k->secret - ec->xlen, ec->x, ec->xlen);
		k->sk = (br_ec_private_key){BR_EC_secp256r1, k->secret, sizeof k->secret};
		k->can_sign = 1;
		set_public(k, pk.q);
		rc = 0;
	}
out:
	explicit_bzero(&s, sizeof s);
	return rc;
}

static int load_public(const char *path, unsigned char point[UPDATE_POINT_LEN], struct sk_err *err)
{
	struct pem_scan s = {.want = "PUBLIC"};

	if (scan_file(path, &s, err) < 0)
		return -1;
	if (s.spki_len != UPDATE_SPKI_LEN || memcmp(s.spki, spki_prefix, sizeof spki_prefix) != 0 ||
	    s.spki[sizeof spki_prefix] != 0x04)
		return sk_fail(err, 0, "%s: not an EC P-256 public key (uncompressed)", path);
	memcpy(point, s.spki + sizeof spki_prefix, UPDATE_POINT_LEN);
	return 0;
}

static void spec_relative(const struct spec *spec, const char *p, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", p[0] == '/' ? "" : spec->dir, p[0] == '/' ? "" : "/", p);
}

int update_key_load(const struct spec *spec, struct update_key *k, struct sk_err *err)
{
	const struct update_spec *u = &spec->update;
	unsigned char point[UPDATE_POINT_LEN];
	char path[PATH_MAX];

	memset(k, 0, sizeof *k);
	if (u->signing_key) {
		spec_relative(spec, u->signing_key, path, sizeof path);
		if (load_private(path, k, err) < 0)
			return sk_wrap(err, "%s:%d: update.signing_key", spec->name,
				       u->signing_key_line);
	}
	if (!u->public_key)
		return 0;
	spec_relative(spec, u->public_key, path, sizeof path);
	if (load_public(path, point, err) < 0)
		return sk_wrap(err, "%s:%d: update.public_key", spec->name, u->public_key_line);
	if (k->can_sign && memcmp(point, k->spki + sizeof spki_prefix, sizeof point) != 0)
		return sk_fail(err, 0,
			       "%s:%d: update.public_key: %s is not the public half of "
			       "update.signing_key",
			       spec->name, u->public_key_line, path);
	set_public(k, point);
	return 0;
}

size_t update_key_pem(const struct update_key *k, char out[UPDATE_PUB_PEM])
{
	char b64[BASE64_ENCODED_SIZE(UPDATE_SPKI_LEN)];
	size_t n = 0, len;

	base64_encode(k->spki, sizeof k->spki, b64);
	len = strlen(b64);
	n += (size_t)snprintf(out, UPDATE_PUB_PEM, "-----BEGIN PUBLIC KEY-----\n");
	for (size_t i = 0; i < len; i += 64)
		n += (size_t)snprintf(out + n, UPDATE_PUB_PEM - n, "%.64s\n", b64 + i);
	n += (size_t)snprintf(out + n, UPDATE_PUB_PEM - n, "-----END PUBLIC KEY-----\n");
	return n;
}

size_t update_key_sign(const struct update_key *k, const void *data, size_t len,
		       unsigned char sig[UPDATE_SIG_MAX])
{
	unsigned char digest[32];
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, data, len);
	br_sha256_out(&c, digest);
	return br_ecdsa_i31_sign_asn1(br_ec_get_default(), &br_sha256_vtable, digest, &k->sk, sig);
}

void update_key_wipe(struct update_key *k)
{
	explicit_bzero(k, sizeof *k);
}
