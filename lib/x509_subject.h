/* Who a certificate names: the common name and the organization of its
 * subject, and its iPAddress alternative names, read from DER with
 * bounded parsing (the bytes come from a peer). Skiff keeps a certificate's role in the
 * organization
 * ("skiff:node", "skiff:operator"). */
#ifndef SK_X509_SUBJECT_H
#define SK_X509_SUBJECT_H

#include <stddef.h>

#include "err.h"

#define X509_ROLE_NODE	   "skiff:node"
#define X509_ROLE_OPERATOR "skiff:operator"

struct x509_subject {
	char cn[128];
	char o[128];
};

/* 0 when the certificate parses; absent attributes are "". A value that
 * is too long or holds control characters makes the whole call fail. */
int x509_subject_read(const unsigned char *cert, size_t len, struct x509_subject *s);
/* The certificate's subjectAltName has this iPAddress (4 or 16 bytes). */
int x509_has_ip(const unsigned char *cert, size_t len, const unsigned char *ip, size_t ip_len);
/* The subject of the first certificate of a PEM file; errors name it. */
int x509_subject_of_file(const char *path, struct x509_subject *s, struct sk_err *err);

#endif
