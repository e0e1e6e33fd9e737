/* The iPAddress names of an X.509 certificate: a small DER reader over
 * untrusted bytes (the server's leaf certificate), just enough to find
 * the subjectAltName extension and compare its iPAddress entries. */
#include "x509_ip.h"

#include <string.h>

struct der {
	const unsigned char *p, *end;
};

/* Reads one TLV (one-byte tags, definite lengths); *val gets the contents. */
static int der_next(struct der *d, unsigned *tag, struct der *val)
{
	if (d->end - d->p < 2)
		return -1;
	*tag = *d->p++;
	size_t len = *d->p++;
	if (len & 0x80) {
		size_t n = len & 0x7f;
		if (n == 0 || n > 3 || (size_t)(d->end - d->p) < n)
			return -1;
		for (len = 0; n > 0; n--)
			len = len << 8 | *d->p++;
	}
	if ((*tag & 0x1f) == 0x1f || len > (size_t)(d->end - d->p))
		return -1;
	val->p = d->p;
	val->end = d->p + len;
	d->p += len;
	return 0;
}

/* The contents of the first element of d with this tag. */
static int der_find(struct der d, unsigned want, struct der *val)
{
	unsigned tag;
	while (d.p < d.end) {
		if (der_next(&d, &tag, val) < 0)
			return -1;
		if (tag == want)
			return 0;
	}
	return -1;
}

/* The GeneralNames of the subjectAltName extension of a certificate. */
static int der_san(const unsigned char *cert, size_t len, struct der *names)
{
	static const unsigned char san_oid[] = {0x55, 0x1d, 0x11};
	struct der d = {cert, cert + len}, c, tbs, tagged, exts, ext, oid, value;
	unsigned tag;
	if (der_find(d, 0x30, &c) < 0 || der_find(c, 0x30, &tbs) < 0 ||
	    der_find(tbs, 0xa3, &tagged) < 0 || der_find(tagged, 0x30, &exts) < 0)
		return -1;
	while (exts.p < exts.end) {
		if (der_next(&exts, &tag, &ext) < 0 || tag != 0x30 ||
		    der_next(&ext, &tag, &oid) < 0 || tag != 0x06)
			return -1;
		if (oid.end - oid.p == sizeof san_oid &&
		    memcmp(oid.p, san_oid, sizeof san_oid) == 0)
			return der_find(ext, 0x04, &value) < 0 ? -1 : der_find(value, 0x30, names);
	}
	return -1;
}

int x509_has_ip(const unsigned char *cert, size_t len, const unsigned char *ip, size_t ip_len)
{
	struct der names, name;
	unsigned tag;
	if (der_san(cert, len, &names) < 0)
		return 0;
	while (names.p < names.end) {
		if (der_next(&names, &tag, &name) < 0)
			return 0;
		if (tag == 0x87 && (size_t)(name.end - name.p) == ip_len &&
		    memcmp(name.p, ip, ip_len) == 0)
			return 1;
	}
	return 0;
}
