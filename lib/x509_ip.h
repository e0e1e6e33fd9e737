/* Whether a certificate names an IP address. BearSSL matches the server
 * name against dNSName entries only; for an endpoint given as an IP
 * address the HTTP client checks the leaf certificate's iPAddress
 * entries with this (http_tls.c). */
#ifndef SK_X509_IP_H
#define SK_X509_IP_H

#include <stddef.h>

/* 1 when the DER certificate CERT (LEN bytes) has an iPAddress
 * subjectAltName equal to IP (4 or 16 bytes), else 0 (also when CERT is
 * malformed: every length is checked against the bytes there are). */
int x509_has_ip(const unsigned char *cert, size_t len, const unsigned char *ip, size_t ip_len);

#endif
