/* DER writing and reading, certificate issuance, subject reading, and the
 * iPAddress names read from untrusted certificate bytes. */
#define _GNU_SOURCE
#include <arpa/inet.h>
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

/* A self-signed certificate naming 10.0.2.15 and fd00::1 as iPAddress, and
 * 10.0.2.99 only as a dNSName. */
static unsigned char *ip_cert(size_t *len)
{
	struct x509_key k;
	struct x509_request r = {.kind = X509_CA, .cn = "ips", .not_before = 0, .not_after = 1};
	struct sk_err err = {0};
	unsigned char *der = NULL;

	r.dns[r.ndns++] = "10.0.2.99";
	r.ips[r.nips++] = "10.0.2.15";
	r.ips[r.nips++] = "fd00::1";
	if (x509_key_generate(&k, &err) < 0)
		return NULL;
	r.subject_key = &k;
	return x509_issue(&r, NULL, &der, len, &err) < 0 ? NULL : der;
}

static int has(const unsigned char *cert, size_t len, const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return x509_has_ip(cert, len, a, 4);
	return inet_pton(AF_INET6, ip, a) == 1 && x509_has_ip(cert, len, a, 16);
}

TEST(has_ip_matches_ip_names_only)
{
	static const unsigned char v4[4] = {10, 0, 2, 15};
	size_t len = 0;
	unsigned char *cert = ip_cert(&len);

	CHECK(cert != NULL);
	if (!cert)
		return;
	CHECK(has(cert, len, "10.0.2.15"));
	CHECK(has(cert, len, "fd00::1"));
	CHECK(!has(cert, len, "10.0.2.16"));
	CHECK(!has(cert, len, "fd00::2"));
	CHECK(!has(cert, len, "10.0.2.99")); /* a dNSName is not an address */
	CHECK(!has(cert, len, "::ffff:10.0.2.15"));
	CHECK(!x509_has_ip(cert, len, v4, 3));
	free(cert);
}

/* Cut anywhere, the certificate names nothing (ASan watches the reads). */
TEST(has_ip_refuses_truncated)
{
	size_t len = 0, bad = 0;
	unsigned char *cert = ip_cert(&len);

	CHECK(cert != NULL);
	for (size_t cut = 0; cert && cut < len; cut++) {
		unsigned char *copy = malloc(cut ? cut : 1);
		memcpy(copy, cert, cut);
		bad += has(copy, cut, "10.0.2.15") || has(copy, cut, "fd00::1");
		free(copy);
	}
	CHECK(bad == 0);
	free(cert);
}

/* Damage to the name entry or the lengths around it: no match, no
 * read past the end. */
TEST(has_ip_refuses_damaged)
{
	static const unsigned char entry[] = {0x87, 0x04, 10, 0, 2, 15};
	/* the names begin with the dNSName, right after their SEQUENCE head */
	static const unsigned char first[] = {0x30, 0x23, 0x82, 0x09, '1', '0', '.'};
	size_t len = 0;
	unsigned char *cert = ip_cert(&len);
	unsigned char *at = cert ? memmem(cert, len, entry, sizeof entry) : NULL;
	unsigned char *names = cert ? memmem(cert, len, first, sizeof first) : NULL;

	CHECK(at != NULL && names != NULL);
	if (!at || !names) {
		free(cert);
		return;
	}
	size_t off = at - cert;
	struct {
		size_t pos;
		unsigned char byte;
	} damage[] = {
	    {off, 0x82},	      /* tag: now a dNSName */
	    {off + 1, 0x03},	      /* length: three bytes of address */
	    {off + 1, 0x05},	      /* length: five bytes of address */
	    {off + 1, 0x7f},	      /* length: past the end of the names */
	    {off + 1, 0x84},	      /* length: four length bytes, huge */
	    {names - cert + 1, 0xff}, /* the names' SEQUENCE length: 127 length bytes */
	    {names - cert + 1, 0x24}, /* the names' SEQUENCE: one byte longer than its extension */
	};
	for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
		unsigned char *copy = malloc(len);
		memcpy(copy, cert, len);
		copy[damage[i].pos] = damage[i].byte;
		if (has(copy, len, "10.0.2.15"))
			fprintf(stderr, "  damage %zu still matched\n", i);
		CHECK(!has(copy, len, "10.0.2.15"));
		free(copy);
	}
	/* every single flipped byte: whatever the answer, it is read safely */
	for (size_t i = 0; i < len; i++) {
		cert[i] ^= 0xff;
		(void)has(cert, len, "fd00::1");
		cert[i] ^= 0xff;
	}
	CHECK(has(cert, len, "fd00::1"));
	free(cert);
}

int main(void)
{
	RUN(der_lengths_and_oids);
	RUN(der_reader_refuses_malformed);
	RUN(issue_and_verify);
	RUN(has_ip_matches_ip_names_only);
	RUN(has_ip_refuses_truncated);
	RUN(has_ip_refuses_damaged);
	return check_summary();
}
