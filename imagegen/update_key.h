/* The update signing key of a spec (update.signing_key / public_key):
 * EC P-256, read from PEM with BearSSL; the public half as the node
 * stores it (/etc/skiff/update.pub, SubjectPublicKeyInfo) and its key id;
 * signatures in ASN.1 DER, as `openssl dgst -verify` reads them. */
#ifndef SK_IMAGEGEN_UPDATE_KEY_H
#define SK_IMAGEGEN_UPDATE_KEY_H

#include <bearssl.h>
#include <stddef.h>

#include "err.h"

struct spec;

#define UPDATE_POINT_LEN 65			 /* uncompressed P-256 point */
#define UPDATE_SPKI_LEN	 (26 + UPDATE_POINT_LEN) /* its SubjectPublicKeyInfo */
#define UPDATE_KEY_ID	 (7 + 64 + 1)		 /* "sha256:" + hex + NUL */
#define UPDATE_SIG_MAX	 80			 /* DER ECDSA P-256 (72 at most) */
#define UPDATE_PUB_PEM	 200			 /* the PEM of the SPKI, NUL included */
#define UPDATE_PUB_PATH	 "/etc/skiff/update.pub"

struct update_key {
	int can_sign; /* signing_key was given */
	unsigned char secret[32];
	br_ec_private_key sk;
	unsigned char spki[UPDATE_SPKI_LEN];
	char id[UPDATE_KEY_ID]; /* sha256 of the SPKI DER */
};

/* Reads SPEC's update keys (paths relative to the spec's directory);
 * errors name the spec line and key ("spec.yaml:7: update.signing_key:
 * keys/x.pem: ..."). A spec without "update:" leaves K empty. */
int update_key_load(const struct spec *spec, struct update_key *k, struct sk_err *err);
/* The public key as PEM ("-----BEGIN PUBLIC KEY-----..."); its length. */
size_t update_key_pem(const struct update_key *k, char out[UPDATE_PUB_PEM]);
/* ECDSA over SHA-256 of DATA (RFC 6979 nonces: deterministic). */
size_t update_key_sign(const struct update_key *k, const void *data, size_t len,
		       unsigned char sig[UPDATE_SIG_MAX]);
void update_key_wipe(struct update_key *k);

#endif
