/* Subject CN and O of a certificate (see x509_subject.h). BearSSL's
 * decoder hands over the subject's encoded name; the attributes are read
 * here with lib/der.h. */
#include "x509_subject.h"

#include <bearssl.h>
#include <string.h>

#include "cleanup.h"
#include "der.h"
#include "tls_files.h"

struct dn_buf {
	unsigned char b[1024];
	size_t len;
	int overflow;
};

static void collect(void *ctx, const void *data, size_t len)
{
	struct dn_buf *d = ctx;

	if (len > sizeof d->b - d->len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->b + d->len, data, len);
	d->len += len;
}

static int copy_value(const struct der *v, unsigned tag, char *out, size_t size)
{
	size_t n = der_len(v);

	if (tag != DER_UTF8_STRING && tag != DER_PRINTABLE_STRING && tag != DER_IA5_STRING)
		return -1;
	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v->p[i] < 0x20 || v->p[i] == 0x7f)
			return -1;
	memcpy(out, v->p, n);
	out[n] = '\0';
	return 0;
}

/* One AttributeTypeAndValue: SEQUENCE { OID, string }. */
static int attribute(struct der atv, struct x509_subject *s)
{
	static const unsigned char cn[] = {0x55, 0x04, 0x03}, o[] = {0x55, 0x04, 0x0a};
	struct der oid, value;
	unsigned tag;

	if (der_next(&atv, &tag, &oid) < 0 || tag != DER_OID || der_next(&atv, &tag, &value) < 0)
		return -1;
	if (der_len(&oid) == 3 && memcmp(oid.p, cn, 3) == 0)
		return copy_value(&value, tag, s->cn, sizeof s->cn);
	if (der_len(&oid) == 3 && memcmp(oid.p, o, 3) == 0)
		return copy_value(&value, tag, s->o, sizeof s->o);
	return 0;
}

static int read_name(struct der name, struct x509_subject *s)
{
	struct der rdn, atv;
	unsigned tag;

	while (name.p < name.end) {
		if (der_next(&name, &tag, &rdn) < 0 || tag != DER_SET)
			return -1;
		while (rdn.p < rdn.end) {
			if (der_next(&rdn, &tag, &atv) < 0 || tag != DER_SEQUENCE ||
			    attribute(atv, s) < 0)
				return -1;
		}
	}
	return 0;
}

int x509_subject_read(const unsigned char *cert, size_t len, struct x509_subject *s)
{
	struct dn_buf dn;
	br_x509_decoder_context dc;
	struct der all, name;
	unsigned tag;

	memset(s, 0, sizeof *s);
	memset(&dn, 0, sizeof dn);
	br_x509_decoder_init(&dc, collect, &dn);
	br_x509_decoder_push(&dc, cert, len);
	if (br_x509_decoder_last_error(&dc) || !br_x509_decoder_get_pkey(&dc) || dn.overflow)
		return -1;
	all.p = dn.b;
	all.end = dn.b + dn.len;
	if (der_next(&all, &tag, &name) < 0 || tag != DER_SEQUENCE || all.p != all.end)
		return -1;
	return read_name(name, s);
}

struct first_cert {
	struct x509_subject *s;
	int found, ok;
};

static int first_cert(void *ctx, const char *name, const unsigned char *der, size_t len,
		      struct sk_err *err)
{
	struct first_cert *f = ctx;

	if (f->found || strcmp(name, "CERTIFICATE") != 0)
		return 0;
	f->found = 1;
	f->ok = x509_subject_read(der, len, f->s) == 0;
	return 0;
}

int x509_subject_of_file(const char *path, struct x509_subject *s, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	struct first_cert f = {.s = s};
	size_t len;

	if (tls_read_file(path, TLS_MAX_CERT_FILE, &pem, &len, err) < 0)
		return -1;
	if (tls_pem_each(pem, len, first_cert, &f, err) < 0)
		return sk_wrap(err, "%s", path);
	if (!f.found)
		return sk_fail(err, 0, "%s: not PEM (no CERTIFICATE block)", path);
	if (!f.ok)
		return sk_fail(err, 0, "%s: certificate subject unreadable", path);
	return 0;
}

/* The GeneralNames of the subjectAltName extension of a certificate. */
static int alt_names(const unsigned char *cert, size_t len, struct der *names)
{
	static const unsigned char san_oid[] = {0x55, 0x1d, 0x11};
	struct der d = {cert, cert + len}, c, tbs, tagged, exts, ext, oid, value;
	unsigned tag;

	if (der_find(d, DER_SEQUENCE, &c) < 0 || der_find(c, DER_SEQUENCE, &tbs) < 0 ||
	    der_find(tbs, DER_CONTEXT(3), &tagged) < 0 || der_find(tagged, DER_SEQUENCE, &exts) < 0)
		return -1;
	while (exts.p < exts.end) {
		if (der_next(&exts, &tag, &ext) < 0 || tag != DER_SEQUENCE ||
		    der_next(&ext, &tag, &oid) < 0 || tag != DER_OID)
			return -1;
		if (der_len(&oid) == sizeof san_oid && memcmp(oid.p, san_oid, sizeof san_oid) == 0)
			return der_find(ext, DER_OCTET_STRING, &value) < 0
				   ? -1
				   : der_find(value, DER_SEQUENCE, names);
	}
	return -1;
}

int x509_has_ip(const unsigned char *cert, size_t len, const unsigned char *ip, size_t ip_len)
{
	struct der names, name;
	unsigned tag;

	if (alt_names(cert, len, &names) < 0)
		return 0;
	while (names.p < names.end) {
		if (der_next(&names, &tag, &name) < 0)
			return 0;
		if (tag == DER_CONTEXT_PRIM(7) && der_len(&name) == ip_len &&
		    memcmp(name.p, ip, ip_len) == 0)
			return 1;
	}
	return 0;
}
