/* Sealing a join answer to the node that asked: ECIES on P-256 with
 * BearSSL. The sealer makes a one-time key pair, ECDH with the node's
 * public key gives a shared point, SHA-256 over a label, its X
 * coordinate and both public keys gives an AES-256-GCM key; the answer
 * carries the one-time public key, the 12-byte IV and ciphertext + tag.
 * AAD binds it to the join request (token id, node id and the request's
 * public key: join_aad), so an answer copied to another request, or one
 * for an earlier request of the same node, does not open. Only the holder of the node's
 * private key can open it. JSON shape (docs/cluster.md):
 * {"ephemeralKey":B64,"iv":B64,"sealed":B64}. */
#ifndef SK_JOIN_SEAL_H
#define SK_JOIN_SEAL_H

#include <stddef.h>

#include "err.h"
#include "x509_issue.h"

#define JOIN_PUBKEY_LEN 65 /* uncompressed P-256 point */

/* Reads a base64 uncompressed P-256 point into pub (checked on the curve). */
int join_pubkey_decode(const char *b64, unsigned char pub[JOIN_PUBKEY_LEN], struct sk_err *err);
/* The node's public key as base64 (out: BASE64_ENCODED_SIZE(65) bytes). */
void join_pubkey_encode(const struct x509_key *k, char *out);

/* The AAD for the answer to request NODE under token TID with public key
 * PUB (base64, as in the request): "<tid>/<node>/<pub>". */
void join_aad(const char *tid, const char *node, const char *pub, char *out, size_t size);

/* Seals PLAIN to PUB; *json is a malloc'd JSON object. */
int join_seal(const unsigned char pub[JOIN_PUBKEY_LEN], const char *aad, const void *plain,
	      size_t len, char **json, struct sk_err *err);
/* Opens what join_seal made with the private half of PUB; *plain is
 * malloc'd and NUL-terminated. Fails (nothing returned) when the key,
 * the AAD or any byte differs. */
int join_open(const struct x509_key *k, const char *aad, const char *json, char **plain,
	      size_t *len, struct sk_err *err);

#endif
