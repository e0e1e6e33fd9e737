/* DER writing and reading, certificate issuance and subject reading. */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "der.h"
#include "x509_issue.h"
#include "x509_subject.h"

TEST(der_lengths_and_oids)
{
	unsigned char buf[600], big[300];
	struct der_writer w;
	struct der d, v;
	unsigned tag;

	der_writer_init(&w, buf, sizeof buf);
	der_put_oid(&w, "2.5.4.3");
	CHECK(w.len == 5 && memcmp(buf, "\x06\x03\x55\x04\x03", 5) == 0);
	der_writer_init(&w, buf, sizeof buf);
	der_put_oid(&w, "1.2.840.10045.2.1");
	CHECK(w.len == 9 && memcmp(buf, "\x06\x07\x2a\x86\x48\xce\x3d\x02\x01", 9) == 0);
	/* a 300-byte element needs a two-byte length */
	memset(big, 'x', sizeof big);
	der_writer_init(&w, buf, sizeof buf);
	der_begin(&w, DER_SEQUENCE);
	der_put(&w, DER_OCTET_STRING, big, sizeof big);
	der_end(&w);
	CHECK(der_finish(&w) == 4 + 4 + 300);
	CHECK(buf[0] == 0x30 && buf[1] == 0x82 && buf[2] == 0x01 && buf[3] == 0x30);
	d.p = buf;
	d.end = buf + w.len;
	CHECK(der_next(&d, &tag, &v) == 0 && tag == DER_SEQUENCE && der_len(&v) == 304);
	CHECK(der_find(v, DER_OCTET_STRING, &d) == 0 && der_len(&d) == 300);
	/* named bits drop trailing zeros; integers stay positive */
	der_writer_init(&w, buf, sizeof buf);
	der_put_flags(&w, 0x80);
	der_put_flags(&w, 0x86);
	der_put_small(&w, 128);
	CHECK(w.len == 4 + 4 + 4);
	CHECK(memcmp(buf, "\x03\x02\x07\x80\x03\x02\x01\x86\x02\x02\x00\x80", 12) == 0);
	/* too small a buffer fails as a whole */
	der_writer_init(&w, buf, 10);
	der_put(&w, DER_OCTET_STRING, big, 20);
	CHECK(der_finish(&w) == 0);
}

TEST(der_reader_refuses_malformed)
{
	static const unsigned char truncated[] = {0x30, 0x05, 0x01, 0x02};
	static const unsigned char huge[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00};
	static const unsigned char longtag[] = {0x1f, 0x81, 0x01, 0x00};
	static const unsigned char indefinite[] = {0x30, 0x80, 0x00, 0x00};
	const unsigned char *cases[] = {truncated, huge, longtag, indefinite};
	size_t lens[] = {sizeof truncated, sizeof huge, sizeof longtag, sizeof indefinite};
	struct der d, v;
	unsigned tag;

	for (size_t i = 0; i < 4; i++) {
		d.p = cases[i];
		d.end = cases[i] + lens[i];
		CHECK(der_next(&d, &tag, &v) < 0);
		CHECK(d.p == cases[i]);
	}
}

/* Validates CERT against the single anchor made from CA with BearSSL. */
static unsigned validate(const unsigned char *cert, size_t len, const struct tls_anchors *a)
{
	br_x509_minimal_context xc;
	const br_x509_class **vt = &xc.vtable;

	br_x509_minimal_init_full(&xc, a->v, a->n);
	(*vt)->start_chain(vt, NULL);
	(*vt)->start_cert(vt, (uint32_t)len);
	(*vt)->append(vt, cert, len);
	(*vt)->end_cert(vt);
	return (*vt)->end_chain(vt);
}

static const char *tmpdir(void)
{
	static char dir[] = "/tmp/skiff-x509-XXXXXX";
	return mkdtemp(dir);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int save_pair(const char *dir, const char *name, const struct x509_key *k,
		     const unsigned char *der, size_t len, char *crt, char *key)
{
	char *cpem = NULL, *kpem = NULL;
	struct sk_err err = {0};
	int rc = -1;

	sprintf(crt, "%s/%s.crt", dir, name);
	sprintf(key, "%s/%s.key", dir, name);
	if (x509_cert_pem(der, len, &cpem, &err) == 0 && x509_key_pem(k, &kpem, &err) == 0 &&
	    write_file(crt, cpem) == 0 && write_file(key, kpem) == 0)
		rc = 0;
	free(cpem);
	free(kpem);
	return rc;
}

TEST(issue_and_verify)
{
	struct x509_key cak, leafk;
	struct x509_request r = {.kind = X509_CA, .cn = "test CA", .o = "skiff"};
	struct sk_err err = {0};
	unsigned char *ca = NULL, *leaf = NULL;
	size_t calen, leaflen;
	char cacrt[300], cakey[300], lcrt[300], lkey[300];
	struct tls_identity *caid = NULL, *lid = NULL;
	struct tls_anchors anchors = {0};
	struct x509_subject s;
	const char *dir = tmpdir();

	CHECK(dir != NULL);
	r.not_before = time(NULL) - 60;
	r.not_after = time(NULL) + 86400;
	CHECK(x509_key_generate(&cak, &err) == 0);
	r.subject_key = &cak;
	CHECK(x509_issue(&r, NULL, &ca, &calen, &err) == 0);
	CHECK(save_pair(dir, "ca", &cak, ca, calen, cacrt, cakey) == 0);
	CHECK(tls_identity_load("CA", cacrt, cakey, &caid, &err) == 0);
	CHECK(tls_anchors_load(cacrt, &anchors, &err) == 0 && anchors.n == 1);

	struct x509_request lr = {.kind = X509_SERVER_CLIENT, .cn = "node-1", .o = X509_ROLE_NODE};
	lr.dns[lr.ndns++] = "node-1";
	lr.ips[lr.nips++] = "10.0.2.15";
	lr.not_before = r.not_before;
	lr.not_after = r.not_after;
	CHECK(x509_key_generate(&leafk, &err) == 0);
	lr.subject_key = &leafk;
	CHECK(caid && x509_issue(&lr, caid, &leaf, &leaflen, &err) == 0);
	CHECK(leaf && validate(leaf, leaflen, &anchors) == 0);
	CHECK(x509_subject_read(leaf, leaflen, &s) == 0);
	CHECK_STREQ(s.cn, "node-1");
	CHECK_STREQ(s.o, X509_ROLE_NODE);
	/* the written key and certificate load back as a matching pair */
	CHECK(save_pair(dir, "leaf", &leafk, leaf, leaflen, lcrt, lkey) == 0);
	CHECK(tls_identity_load("node", lcrt, lkey, &lid, &err) == 0);
	/* one flipped byte in the signed part breaks validation */
	leaf[leaflen / 2] ^= 1;
	CHECK(validate(leaf, leaflen, &anchors) != 0);
	/* a bad IP address is an error naming it */
	lr.ips[0] = "10.0.2.300";
	free(leaf);
	leaf = NULL;
	CHECK(x509_issue(&lr, caid, &leaf, &leaflen, &err) < 0);
	CHECK(strstr(err.msg, "10.0.2.300") != NULL);
	tls_identity_free(caid);
	tls_identity_free(lid);
	tls_anchors_free(&anchors);
	free(ca);
	free(leaf);
	unlink(cacrt), unlink(cakey), unlink(lcrt), unlink(lkey), rmdir(dir);
}

int main(void)
{
	RUN(der_lengths_and_oids);
	RUN(der_reader_refuses_malformed);
	RUN(issue_and_verify);
	return check_summary();
}
