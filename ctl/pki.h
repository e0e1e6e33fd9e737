/* The cluster's certificate authority as PEM files in one directory:
 * ca.crt and ca.key, and NAME.crt/NAME.key for each node or operator it
 * issued. Keys are EC P-256, written 0600; nothing is overwritten unless
 * asked. Roles are in the certificates (lib/x509_subject.h). */
#ifndef SK_CTL_PKI_H
#define SK_CTL_PKI_H

#include "err.h"
#include "x509_issue.h"

struct pki_opts {
	const char *dir;
	const char *cluster; /* named in the CA's common name */
	int days;	     /* validity */
	int force;	     /* replace existing files */
};

/* Makes DIR (0700) with ca.crt and ca.key. */
int pki_init(const struct pki_opts *o, struct sk_err *err);

/* Issues NAME.crt/NAME.key in DIR signed by the CA there: a node's
 * (server and client use, subjectAltName DNS:NAME plus the given names)
 * or an operator's (client use). */
struct pki_names {
	const char *dns[X509_MAX_SANS - 1];
	size_t ndns;
	const char *ips[X509_MAX_SANS];
	size_t nips;
};
int pki_issue(const struct pki_opts *o, int node, const char *name, const struct pki_names *n,
	      struct sk_err *err);

/* A node's API certificate for a public key it holds (an uncompressed
 * P-256 point: the node keeps its private key), signed by the CA in DIR:
 * *cert_pem, the CA's certificate *ca_pem (both malloc'd), and the
 * certificate's SHA-256 in hex (the revocation record names it). */
int pki_issue_for_key(const struct pki_opts *o, const char *name, const unsigned char pub[65],
		      char **cert_pem, char **ca_pem, char sha256[65], struct sk_err *err);

/* "DIR/NAME.EXT" into buf (PATH_MAX); fails when too long. */
int pki_path(const char *dir, const char *name, const char *ext, char *buf, struct sk_err *err);

#endif
