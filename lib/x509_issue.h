/* Making keys and X.509 certificates for a cluster's own CA: EC P-256
 * keys from BearSSL (seeded by the system's random source), certificates
 * written with lib/der.h and signed with ECDSA-SHA256. BearSSL reads
 * X.509 but does not write it; what a small CA needs is one fixed shape
 * (RFC 5280 v3 with basicConstraints, keyUsage, extKeyUsage,
 * subjectAltName and key identifiers), written here and checked against
 * OpenSSL in the tests.
 *
 * Roles live in the subject's organization: "skiff:node" for a node's API
 * certificate, "skiff:operator" for people and tools (see x509_subject.h). */
#ifndef SK_X509_ISSUE_H
#define SK_X509_ISSUE_H

#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tls_files.h"

#define X509_MAX_SANS 16

struct x509_key {
	br_ec_private_key sk;
	unsigned char x[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_public_key pk;
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
};

enum x509_kind { X509_CA, X509_SERVER_CLIENT, X509_CLIENT };

struct x509_request {
	enum x509_kind kind;
	const char *cn; /* subject common name */
	const char *o;	/* subject organization (the role), may be NULL */
	const char *dns[X509_MAX_SANS];
	size_t ndns;
	const char *ips[X509_MAX_SANS]; /* textual IPv4 or IPv6 */
	size_t nips;
	int64_t not_before, not_after; /* seconds since the epoch */
	const struct x509_key *subject_key;
};

/* A new EC P-256 key. */
int x509_key_generate(struct x509_key *k, struct sk_err *err);
/* The EC key of a loaded identity (a CA's); RSA is refused. */
int x509_key_from_identity(struct x509_key *k, const struct tls_identity *id, struct sk_err *err);
/* The key as PEM "EC PRIVATE KEY" (SEC 1), malloc'd, NUL-terminated. */
int x509_key_pem(const struct x509_key *k, char **pem, struct sk_err *err);

/* Writes and signs a certificate. ISSUER is the CA's identity (its
 * certificate gives the issuer name), NULL for a self-signed CA with
 * r->subject_key signing. *der is malloc'd. */
int x509_issue(const struct x509_request *r, const struct tls_identity *issuer, unsigned char **der,
	       size_t *len, struct sk_err *err);
/* DER certificate as PEM "CERTIFICATE", malloc'd. */
int x509_cert_pem(const unsigned char *der, size_t len, char **pem, struct sk_err *err);

#endif
