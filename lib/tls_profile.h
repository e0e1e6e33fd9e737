/* The one TLS profile of every Skiff connection, client and server: TLS
 * 1.2, ECDHE key exchange (ECDSA or RSA certificates), AEAD records
 * (AES-GCM, ChaCha20-Poly1305), SHA-1 and SHA-2 for certificate
 * signatures. BearSSL's *_init_full functions set up every suite it has
 * (CBC, CCM, 3DES, RSA and static ECDH key exchange, TLS 1.0/1.1 and MD5)
 * and so link all of them in; setting up only these keeps ~30 KB of
 * algorithms no peer of a node needs out of the node binary. */
#ifndef SK_TLS_PROFILE_H
#define SK_TLS_PROFILE_H

#include <bearssl.h>

/* A certificate chain validator over ANCHORS (br_x509_minimal_init_full
 * without MD5). */
void tls_profile_x509(br_x509_minimal_context *xc, const br_x509_trust_anchor *anchors, size_t n);
/* A client: the profile's suites, XC (set up by tls_profile_x509) as the
 * validator. */
void tls_profile_client(br_ssl_client_context *cc, br_x509_minimal_context *xc,
			const br_x509_trust_anchor *anchors, size_t n);
/* A server with one EC or RSA key and its chain. */
void tls_profile_server_ec(br_ssl_server_context *sc, const br_x509_certificate *chain,
			   size_t chain_len, unsigned issuer_key_type, const br_ec_private_key *sk);
void tls_profile_server_rsa(br_ssl_server_context *sc, const br_x509_certificate *chain,
			    size_t chain_len, const br_rsa_private_key *sk);

#endif
