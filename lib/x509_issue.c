/* Keys and certificates for the cluster CA (see x509_issue.h). */
#include "x509_issue.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "der.h"

#define CERT_MAX	 8192
#define OID_EC_KEY	 "1.2.840.10045.2.1"
#define OID_P256	 "1.2.840.10045.3.1.7"
#define OID_ECDSA_SHA256 "1.2.840.10045.4.3.2"

enum {
	KU_DIGITAL_SIGNATURE = 0x80,
	KU_KEY_CERT_SIGN = 0x04,
	KU_CRL_SIGN = 0x02,
};

static int random_bytes(void *buf, size_t len, struct sk_err *err)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_fail(err, errno, "getrandom");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int x509_key_generate(struct x509_key *k, struct sk_err *err)
{
	br_hmac_drbg_context rng;
	unsigned char seed[48];
	const br_ec_impl *ec = br_ec_get_default();

	if (random_bytes(seed, sizeof seed, err) < 0)
		return -1;
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	memset(k, 0, sizeof *k);
	int ok = br_ec_keygen(&rng.vtable, ec, &k->sk, k->x, BR_EC_secp256r1) != 0 &&
		 br_ec_compute_pub(ec, &k->pk, k->q, &k->sk) != 0;
	explicit_bzero(&rng, sizeof rng);
	return ok ? 0 : sk_fail(err, 0, "EC P-256 key generation failed");
}

int x509_key_from_identity(struct x509_key *k, const struct tls_identity *id, struct sk_err *err)
{
	const br_ec_private_key *sk;

	if (br_skey_decoder_key_type(&id->key) != BR_KEYTYPE_EC)
		return sk_fail(err, 0, "the CA key is not an EC key (skiffctl ca makes EC P-256)");
	sk = br_skey_decoder_get_ec(&id->key);
	if (sk->xlen > sizeof k->x)
		return sk_fail(err, 0, "the CA key is too large");
	memset(k, 0, sizeof *k);
	memcpy(k->x, sk->x, sk->xlen);
	k->sk.curve = sk->curve;
	k->sk.x = k->x;
	k->sk.xlen = sk->xlen;
	if (!br_ec_compute_pub(br_ec_get_default(), &k->pk, k->q, &k->sk))
		return sk_fail(err, 0, "the CA key's curve is not supported");
	return 0;
}

static int to_pem(const void *der, size_t len, const char *banner, char **pem, struct sk_err *err)
{
	size_t n = br_pem_encode(NULL, der, len, banner, BR_PEM_LINE64);
	char *p = malloc(n + 1);

	if (!p)
		return sk_fail(err, ENOMEM, "PEM");
	br_pem_encode(p, der, len, banner, BR_PEM_LINE64);
	*pem = p;
	return 0;
}

int x509_key_pem(const struct x509_key *k, char **pem, struct sk_err *err)
{
	unsigned char der[256];
	size_t n = br_encode_ec_raw_der(NULL, &k->sk, &k->pk);

	if (n == 0 || n > sizeof der)
		return sk_fail(err, 0, "cannot encode the EC key");
	br_encode_ec_raw_der(der, &k->sk, &k->pk);
	int rc = to_pem(der, n, BR_ENCODE_PEM_EC_RAW, pem, err);
	explicit_bzero(der, sizeof der);
	return rc;
}

int x509_cert_pem(const unsigned char *der, size_t len, char **pem, struct sk_err *err)
{
	return to_pem(der, len, "CERTIFICATE", pem, err);
}

/* ---- the certificate ---- */

/* RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
static void key_id(const br_ec_public_key *pk, unsigned char id[20])
{
	br_sha1_context h;

	br_sha1_init(&h);
	br_sha1_update(&h, pk->q, pk->qlen);
	br_sha1_out(&h, id);
}

static void put_attribute(struct der_writer *w, const char *oid, const char *value)
{
	der_begin(w, DER_SET);
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, oid);
	der_put(w, DER_UTF8_STRING, value, strlen(value));
	der_end(w);
	der_end(w);
}

static void put_name(struct der_writer *w, const char *cn, const char *o)
{
	der_begin(w, DER_SEQUENCE);
	if (o)
		put_attribute(w, "2.5.4.10", o);
	put_attribute(w, "2.5.4.3", cn);
	der_end(w);
}

static void put_algorithm(struct der_writer *w)
{
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, OID_ECDSA_SHA256);
	der_end(w);
}

static void put_spki(struct der_writer *w, const br_ec_public_key *pk)
{
	der_begin(w, DER_SEQUENCE);
	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, OID_EC_KEY);
	der_put_oid(w, OID_P256);
	der_end(w);
	der_put_bits(w, pk->q, pk->qlen);
	der_end(w);
}

/* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
static void ext_begin(struct der_writer *w, const char *oid, int critical)
{
	static const unsigned char yes = 0xff;

	der_begin(w, DER_SEQUENCE);
	der_put_oid(w, oid);
	if (critical)
		der_put(w, DER_BOOLEAN, &yes, 1);
	der_begin(w, DER_OCTET_STRING);
}

static void ext_end(struct der_writer *w)
{
	der_end(w);
	der_end(w);
}

static void put_basic_constraints(struct der_writer *w, int ca)
{
	static const unsigned char yes = 0xff;

	ext_begin(w, "2.5.29.19", 1);
	der_begin(w, DER_SEQUENCE);
	if (ca) {
		der_put(w, DER_BOOLEAN, &yes, 1);
		der_put_small(w, 0); /* pathLenConstraint: it signs end entities only */
	}
	der_end(w);
	ext_end(w);
}

static void put_key_usage(struct der_writer *w, enum x509_kind kind)
{
	ext_begin(w, "2.5.29.15", 1);
	if (kind == X509_CA)
		der_put_flags(w, KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	else
		der_put_flags(w, KU_DIGITAL_SIGNATURE);
	ext_end(w);
}

static void put_ext_key_usage(struct der_writer *w, enum x509_kind kind)
{
	ext_begin(w, "2.5.29.37", 0);
	der_begin(w, DER_SEQUENCE);
	if (kind == X509_SERVER_CLIENT)
		der_put_oid(w, "1.3.6.1.5.5.7.3.1");
	der_put_oid(w, "1.3.6.1.5.5.7.3.2");
	der_end(w);
	ext_end(w);
}

static int put_alt_names(struct der_writer *w, const struct x509_request *r, struct sk_err *err)
{
	ext_begin(w, "2.5.29.17", 0);
	der_begin(w, DER_SEQUENCE);
	for (size_t i = 0; i < r->ndns; i++)
		der_put(w, DER_CONTEXT_PRIM(2), r->dns[i], strlen(r->dns[i]));
	for (size_t i = 0; i < r->nips; i++) {
		unsigned char ip[16];
		if (inet_pton(AF_INET, r->ips[i], ip) == 1)
			der_put(w, DER_CONTEXT_PRIM(7), ip, 4);
		else if (inet_pton(AF_INET6, r->ips[i], ip) == 1)
			der_put(w, DER_CONTEXT_PRIM(7), ip, 16);
		else
			return sk_fail(err, 0, "IP address %s: not IPv4 or IPv6", r->ips[i]);
	}
	der_end(w);
	ext_end(w);
	return 0;
}

static void put_key_ids(struct der_writer *w, const br_ec_public_key *subject,
			const br_ec_public_key *issuer)
{
	unsigned char id[20];

	key_id(subject, id);
	ext_begin(w, "2.5.29.14", 0);
	der_put(w, DER_OCTET_STRING, id, sizeof id);
	ext_end(w);
	if (!issuer)
		return;
	key_id(issuer, id);
	ext_begin(w, "2.5.29.35", 0);
	der_begin(w, DER_SEQUENCE);
	der_put(w, DER_CONTEXT_PRIM(0), id, sizeof id);
	der_end(w);
	ext_end(w);
}

static int put_extensions(struct der_writer *w, const struct x509_request *r,
			  const br_ec_public_key *issuer_pk, struct sk_err *err)
{
	der_begin(w, DER_CONTEXT(3));
	der_begin(w, DER_SEQUENCE);
	put_basic_constraints(w, r->kind == X509_CA);
	put_key_usage(w, r->kind);
	if (r->kind != X509_CA)
		put_ext_key_usage(w, r->kind);
	if ((r->ndns || r->nips) && put_alt_names(w, r, err) < 0)
		return -1;
	put_key_ids(w, &r->subject_key->pk, issuer_pk);
	der_end(w);
	der_end(w);
	return 0;
}

struct issuer_info {
	unsigned char dn[1024];
	size_t dn_len;
	int overflow;
	struct x509_key key;
};

static void collect_dn(void *ctx, const void *data, size_t len)
{
	struct issuer_info *in = ctx;

	if (len > sizeof in->dn - in->dn_len) {
		in->overflow = 1;
		return;
	}
	memcpy(in->dn + in->dn_len, data, len);
	in->dn_len += len;
}

static int issuer_load(const struct tls_identity *id, struct issuer_info *in, struct sk_err *err)
{
	br_x509_decoder_context dc;

	memset(in, 0, sizeof *in);
	br_x509_decoder_init(&dc, collect_dn, in);
	br_x509_decoder_push(&dc, id->chain[0].data, id->chain[0].data_len);
	if (br_x509_decoder_last_error(&dc) || in->overflow || in->dn_len == 0)
		return sk_fail(err, 0, "the CA certificate is unusable (BearSSL error %d)",
			       br_x509_decoder_last_error(&dc));
	if (!br_x509_decoder_isCA(&dc))
		return sk_fail(err, 0, "the CA certificate is not a CA (basicConstraints)");
	return x509_key_from_identity(&in->key, id, err);
}

static int put_serial(struct der_writer *w, struct sk_err *err)
{
	unsigned char serial[16];

	if (random_bytes(serial, sizeof serial, err) < 0)
		return -1;
	serial[0] = (serial[0] & 0x7f) | 0x40; /* positive, and 16 bytes long */
	der_put_uint(w, serial, sizeof serial);
	return 0;
}

static int write_tbs(struct der_writer *w, const struct x509_request *r,
		     const struct issuer_info *in, struct sk_err *err)
{
	der_begin(w, DER_SEQUENCE);
	der_begin(w, DER_CONTEXT(0));
	der_put_small(w, 2); /* v3 */
	der_end(w);
	if (put_serial(w, err) < 0)
		return -1;
	put_algorithm(w);
	if (in)
		der_put_raw(w, in->dn, in->dn_len);
	else
		put_name(w, r->cn, r->o);
	der_begin(w, DER_SEQUENCE);
	der_put_time(w, r->not_before);
	der_put_time(w, r->not_after);
	der_end(w);
	put_name(w, r->cn, r->o);
	put_spki(w, &r->subject_key->pk);
	if (put_extensions(w, r, in ? &in->key.pk : NULL, err) < 0)
		return -1;
	der_end(w);
	return 0;
}

static int sign_and_wrap(const unsigned char *tbs, size_t tbs_len, const br_ec_private_key *sk,
			 unsigned char **der, size_t *len, struct sk_err *err)
{
	unsigned char hash[32], sig[80], *out = malloc(CERT_MAX);
	br_sha256_context h;
	struct der_writer w;

	if (!out)
		return sk_fail(err, ENOMEM, "certificate");
	br_sha256_init(&h);
	br_sha256_update(&h, tbs, tbs_len);
	br_sha256_out(&h, hash);
	size_t sig_len =
	    br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), &br_sha256_vtable, hash, sk, sig);
	der_writer_init(&w, out, CERT_MAX);
	der_begin(&w, DER_SEQUENCE);
	der_put_raw(&w, tbs, tbs_len);
	put_algorithm(&w);
	der_put_bits(&w, sig, sig_len);
	der_end(&w);
	if (sig_len == 0 || !(*len = der_finish(&w))) {
		free(out);
		return sk_fail(err, 0, "certificate: signing failed or too large");
	}
	*der = out;
	return 0;
}

int x509_issue(const struct x509_request *r, const struct tls_identity *issuer, unsigned char **der,
	       size_t *len, struct sk_err *err)
{
	struct issuer_info in;
	unsigned char tbs[CERT_MAX];
	struct der_writer w;
	int rc;

	if (r->ndns > X509_MAX_SANS || r->nips > X509_MAX_SANS || !r->cn || !*r->cn)
		return sk_fail(err, 0, "certificate: no common name or too many names");
	if (issuer && issuer_load(issuer, &in, err) < 0)
		return -1;
	der_writer_init(&w, tbs, sizeof tbs);
	if (write_tbs(&w, r, issuer ? &in : NULL, err) < 0)
		rc = -1;
	else if (!der_finish(&w))
		rc = sk_fail(err, 0, "certificate: names too long");
	else
		rc = sign_and_wrap(tbs, w.len, issuer ? &in.key.sk : &r->subject_key->sk, der, len,
				   err);
	explicit_bzero(&in.key, sizeof in.key);
	return rc;
}
