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

/* "DIR/NAME.EXT" into buf (PATH_MAX); fails when too long. */
int pki_path(const char *dir, const char *name, const char *ext, char *buf, struct sk_err *err);

#endif
