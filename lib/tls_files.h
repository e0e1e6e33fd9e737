/* TLS trust and identity from PEM files, for BearSSL: a CA bundle as
 * trust anchors, and a certificate chain with its private key (RSA, or EC
 * on P-256/384/521; PKCS#1, SEC 1 or unencrypted PKCS#8) checked to
 * belong together. Shared by the HTTP client (etcd, registries) and the
 * node API (server and client side). Errors name the file. */
#ifndef SK_TLS_FILES_H
#define SK_TLS_FILES_H

#include <bearssl.h>
#include <stddef.h>

#include "err.h"

#define TLS_MAX_CA_FILE	  (8 << 20)
#define TLS_MAX_CERT_FILE (1 << 20)

struct tls_anchors {
	br_x509_trust_anchor *v;
	size_t n;
};

/* Every certificate of the bundle BearSSL can use; none is an error
 * ("CA bundle PATH: no usable certificate"). */
int tls_anchors_load(const char *path, struct tls_anchors *a, struct sk_err *err);
void tls_anchors_free(struct tls_anchors *a);

struct tls_identity {
	br_x509_certificate *chain; /* leaf first */
	size_t chain_len;
	br_skey_decoder_context key; /* the decoded key points into it */
	unsigned issuer_key_type;    /* BR_KEYTYPE_RSA or _EC: who signed the leaf */
};

/* ROLE names the pair in messages ("client" gives "client certificate
 * PATH: ..." and "client key PATH: ..."). */
int tls_identity_load(const char *role, const char *cert, const char *key,
		      struct tls_identity **out, struct sk_err *err);
void tls_identity_free(struct tls_identity *id);

/* Reads a whole file of at most MAX bytes, NUL-terminated. */
int tls_read_file(const char *path, size_t max, char **out, size_t *len, struct sk_err *err);

/* Hands every object of a PEM text to fn with its name and DER bytes
 * (wiped afterwards: they may be a private key). */
typedef int (*tls_pem_fn)(void *ctx, const char *name, const unsigned char *der, size_t len,
			  struct sk_err *err);
int tls_pem_each(const char *pem, size_t len, tls_pem_fn fn, void *ctx, struct sk_err *err);

#endif
