/* Skiff's TLS profile (see tls_profile.h): what BearSSL's *_init_full
 * functions do, restricted to the suites and hashes Skiff uses. */
#include "tls_profile.h"

static const uint16_t suites[] = {
    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

/* By BearSSL hash id (br_sha1_ID 2 .. br_sha512_ID 6); no MD5 (id 1):
 * only TLS 1.0/1.1 and MD5-signed certificates need it. */
static const br_hash_class *const hashes[] = {
    &br_sha1_vtable, &br_sha224_vtable, &br_sha256_vtable, &br_sha384_vtable, &br_sha512_vtable,
};

void tls_profile_x509(br_x509_minimal_context *xc, const br_x509_trust_anchor *anchors, size_t n)
{
	br_x509_minimal_init(xc, &br_sha256_vtable, anchors, n);
	br_x509_minimal_set_rsa(xc, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(xc, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
	for (int id = br_sha1_ID; id <= br_sha512_ID; id++)
		br_x509_minimal_set_hash(xc, id, hashes[id - br_sha1_ID]);
}

/* What client and server share: versions, suites, hashes, PRFs, ciphers. */
static void engine(br_ssl_engine_context *eng)
{
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
	br_ssl_engine_set_default_ec(eng);
	for (int id = br_sha1_ID; id <= br_sha512_ID; id++)
		br_ssl_engine_set_hash(eng, id, hashes[id - br_sha1_ID]);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
}

void tls_profile_client(br_ssl_client_context *cc, br_x509_minimal_context *xc,
			const br_x509_trust_anchor *anchors, size_t n)
{
	br_ssl_client_zero(cc);
	engine(&cc->eng);
	tls_profile_x509(xc, anchors, n);
	br_ssl_engine_set_default_rsavrfy(&cc->eng);
	br_ssl_engine_set_default_ecdsa(&cc->eng);
	br_ssl_engine_set_x509(&cc->eng, &xc->vtable);
}

void tls_profile_server_ec(br_ssl_server_context *sc, const br_x509_certificate *chain,
			   size_t chain_len, unsigned issuer_key_type, const br_ec_private_key *sk)
{
	br_ssl_server_zero(sc);
	engine(&sc->eng);
	br_ssl_server_set_single_ec(sc, chain, chain_len, sk, BR_KEYTYPE_SIGN, issuer_key_type,
				    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
}

void tls_profile_server_rsa(br_ssl_server_context *sc, const br_x509_certificate *chain,
			    size_t chain_len, const br_rsa_private_key *sk)
{
	br_ssl_server_zero(sc);
	engine(&sc->eng);
	br_ssl_server_set_single_rsa(sc, chain, chain_len, sk, BR_KEYTYPE_SIGN,
				     br_rsa_private_get_default(), br_rsa_pkcs1_sign_get_default());
}
