/* PEM files into BearSSL trust anchors and identities (see tls_files.h). */
#include "tls_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

struct bytes {
	unsigned char *p;
	size_t len, cap;
};

static void bytes_append(void *ctx, const void *data, size_t len)
{
	struct bytes *b = ctx;
	if (!b->p && b->cap)
		return; /* an earlier allocation failed */
	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2;
		unsigned char *p = realloc(b->p, cap);
		if (!p) {
			free(b->p);
			b->p = NULL;
			b->cap = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static unsigned char *dup_bytes(const void *p, size_t n)
{
	unsigned char *d = malloc(n ? n : 1);
	if (d)
		memcpy(d, p, n);
	return d;
}

int tls_read_file(const char *path, size_t max, char **out, size_t *len, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_fail(err, errno, "open %s", path);
	SK_AUTOFREE char *buf = malloc(max + 2);
	if (!buf)
		return sk_fail(err, ENOMEM, "read %s", path);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sk_fail(err, errno, "read %s", path);
		if (r == 0)
			break;
		n += r;
		if (n > max)
			return sk_fail(err, 0, "%s: larger than %zu bytes", path, max);
	}
	buf[n] = '\0';
	*len = n;
	*out = buf;
	buf = NULL;
	return 0;
}

/* ---- PEM ---- */

struct pem_walk {
	br_pem_decoder_context pc;
	struct bytes der;
	tls_pem_fn fn;
	void *ctx;
};

static int pem_feed(struct pem_walk *w, const char *buf, size_t len, struct sk_err *err)
{
	while (len > 0) {
		size_t n = br_pem_decoder_push(&w->pc, buf, len);
		buf += n;
		len -= n;
		switch (br_pem_decoder_event(&w->pc)) {
		case BR_PEM_BEGIN_OBJ:
			w->der.len = 0;
			br_pem_decoder_setdest(&w->pc, bytes_append, &w->der);
			break;
		case BR_PEM_END_OBJ:
			if (!w->der.p)
				return sk_fail(err, ENOMEM, "PEM");
			if (w->fn(w->ctx, br_pem_decoder_name(&w->pc), w->der.p, w->der.len, err) <
			    0)
				return -1;
			break;
		case BR_PEM_ERROR:
			return sk_fail(err, 0, "malformed PEM");
		}
	}
	return 0;
}

/* The DER buffer is sized from the text up front (DER is shorter than its
 * base64), so it is never moved and can be wiped. */
int tls_pem_each(const char *pem, size_t len, tls_pem_fn fn, void *ctx, struct sk_err *err)
{
	struct pem_walk w = {.fn = fn, .ctx = ctx};
	w.der.cap = len + 1;
	if (!(w.der.p = malloc(w.der.cap)))
		return sk_fail(err, ENOMEM, "PEM");
	br_pem_decoder_init(&w.pc);
	int r = pem_feed(&w, pem, len, err);
	if (r == 0)
		r = pem_feed(&w, "\n", 1, err); /* ends a last line without a newline */
	if (w.der.p)
		explicit_bzero(w.der.p, w.der.cap);
	free(w.der.p);
	return r;
}

static int is_cert_name(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

/* ---- CA bundle -> trust anchors ---- */

static void anchor_free(br_x509_trust_anchor *ta)
{
	free(ta->dn.data);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		free(ta->pkey.key.rsa.n);
		free(ta->pkey.key.rsa.e);
	} else {
		free(ta->pkey.key.ec.q);
	}
}

static int anchor_from_der(const unsigned char *der, size_t len, br_x509_trust_anchor *ta)
{
	br_x509_decoder_context dc;
	struct bytes dn = {0};
	br_x509_decoder_init(&dc, bytes_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || !dn.p) {
		free(dn.p);
		return -1;
	}
	memset(ta, 0, sizeof *ta);
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		return ta->pkey.key.rsa.n && ta->pkey.key.rsa.e ? 0 : -1;
	}
	ta->pkey.key.ec.curve = pk->key.ec.curve;
	ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
	ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	return ta->pkey.key.ec.q ? 0 : -1;
}

static int anchors_add(void *ctx, const char *name, const unsigned char *der, size_t len,
		       struct sk_err *err)
{
	struct tls_anchors *a = ctx;
	br_x509_trust_anchor ta;
	if (!is_cert_name(name) || anchor_from_der(der, len, &ta) < 0)
		return 0; /* a certificate BearSSL cannot use is skipped, not fatal */
	br_x509_trust_anchor *v = realloc(a->v, (a->n + 1) * sizeof *v);
	if (!v) {
		anchor_free(&ta);
		return sk_fail(err, ENOMEM, "trust anchors");
	}
	a->v = v;
	a->v[a->n++] = ta;
	return 0;
}

int tls_anchors_load(const char *path, struct tls_anchors *a, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len = 0;

	memset(a, 0, sizeof *a);
	if (tls_read_file(path, TLS_MAX_CA_FILE, &pem, &len, err) < 0)
		return sk_wrap(err, "CA bundle");
	if (tls_pem_each(pem, len, anchors_add, a, err) < 0) {
		tls_anchors_free(a);
		return sk_wrap(err, "CA bundle %s", path);
	}
	if (a->n == 0)
		return sk_fail(err, 0, "CA bundle %s: no usable certificate", path);
	return 0;
}

void tls_anchors_free(struct tls_anchors *a)
{
	for (size_t i = 0; i < a->n; i++)
		anchor_free(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/* ---- certificate chain and key ---- */

void tls_identity_free(struct tls_identity *id)
{
	if (!id)
		return;
	for (size_t i = 0; i < id->chain_len; i++)
		free(id->chain[i].data);
	free(id->chain);
	explicit_bzero(&id->key, sizeof id->key);
	free(id);
}

static int chain_add(void *ctx, const char *name, const unsigned char *der, size_t len,
		     struct sk_err *err)
{
	struct tls_identity *id = ctx;
	if (!is_cert_name(name))
		return 0;
	br_x509_certificate *v = realloc(id->chain, (id->chain_len + 1) * sizeof *v);
	if (!v)
		return sk_fail(err, ENOMEM, "certificate chain");
	id->chain = v;
	if (!(v[id->chain_len].data = dup_bytes(der, len)))
		return sk_fail(err, ENOMEM, "certificate chain");
	v[id->chain_len++].data_len = len;
	return 0;
}

static int load_chain(struct tls_identity *id, const char *role, const char *path,
		      struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len = 0;
	if (tls_read_file(path, TLS_MAX_CERT_FILE, &pem, &len, err) < 0)
		return sk_wrap(err, "%s certificate", role);
	if (tls_pem_each(pem, len, chain_add, id, err) < 0)
		return sk_wrap(err, "%s certificate %s", role, path);
	if (id->chain_len == 0)
		return sk_fail(err, 0, "%s certificate %s: not PEM (no CERTIFICATE block)", role,
			       path);
	return 0;
}

struct key_scan {
	br_skey_decoder_context *dc;
	int found, encrypted;
};

static int key_object(void *ctx, const char *name, const unsigned char *der, size_t len,
		      struct sk_err *err)
{
	struct key_scan *k = ctx;
	if (k->found)
		return 0;
	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
		k->encrypted = 1;
	if (strcmp(name, "RSA PRIVATE KEY") != 0 && strcmp(name, "EC PRIVATE KEY") != 0 &&
	    strcmp(name, "PRIVATE KEY") != 0)
		return 0; /* e.g. the EC PARAMETERS block openssl writes first */
	k->found = 1;
	br_skey_decoder_init(k->dc);
	br_skey_decoder_push(k->dc, der, len);
	return 0;
}

static int supported_curve(int curve)
{
	return curve == BR_EC_secp256r1 || curve == BR_EC_secp384r1 || curve == BR_EC_secp521r1;
}

static int check_key(const br_skey_decoder_context *dc, const char *role, const char *path,
		     struct sk_err *err)
{
	int e = br_skey_decoder_last_error(dc);
	if (e == BR_ERR_X509_UNSUPPORTED)
		return sk_fail(err, 0, "%s key %s: key type unsupported (RSA or EC P-256/384/521)",
			       role, path);
	if (e)
		return sk_fail(err, 0, "%s key %s: malformed private key (BearSSL error %d)", role,
			       path, e);
	if (br_skey_decoder_key_type(dc) == BR_KEYTYPE_EC &&
	    !supported_curve(br_skey_decoder_get_ec(dc)->curve))
		return sk_fail(err, 0, "%s key %s: EC curve unsupported (P-256, P-384 or P-521)",
			       role, path);
	return 0;
}

static int load_key(struct tls_identity *id, const char *role, const char *path, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len = 0;
	if (tls_read_file(path, TLS_MAX_CERT_FILE, &pem, &len, err) < 0)
		return sk_wrap(err, "%s key", role);
	struct key_scan k = {.dc = &id->key};
	int r = tls_pem_each(pem, len, key_object, &k, err);
	explicit_bzero(pem, len);
	if (r < 0)
		return sk_wrap(err, "%s key %s", role, path);
	if (!k.found && k.encrypted)
		return sk_fail(err, 0, "%s key %s: encrypted keys are not supported", role, path);
	if (!k.found)
		return sk_fail(err, 0, "%s key %s: not PEM (no PRIVATE KEY block)", role, path);
	return check_key(&id->key, role, path, err);
}

static int same_unsigned(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	for (; alen > 0 && *a == 0; alen--)
		a++;
	for (; blen > 0 && *b == 0; blen--)
		b++;
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* The certificate's public key is the one derived from the private key. */
static int key_matches(const br_skey_decoder_context *dc, const br_x509_pkey *pk)
{
	if (br_skey_decoder_key_type(dc) != pk->key_type)
		return 0;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		const br_rsa_private_key *sk = br_skey_decoder_get_rsa(dc);
		br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
		unsigned char n[512]; /* BearSSL handles RSA up to 4096 bits */
		size_t nlen = modulus(NULL, sk);
		if (nlen == 0 || nlen > sizeof n || modulus(n, sk) != nlen)
			return 0;
		return same_unsigned(n, nlen, pk->key.rsa.n, pk->key.rsa.nlen);
	}
	const br_ec_private_key *sk = br_skey_decoder_get_ec(dc);
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	br_ec_public_key pub;
	if (sk->curve != pk->key.ec.curve || !br_ec_compute_pub(br_ec_get_default(), &pub, q, sk))
		return 0;
	return pub.qlen == pk->key.ec.qlen && memcmp(pub.q, pk->key.ec.q, pub.qlen) == 0;
}

static int check_pair(struct tls_identity *id, const char *role, const char *cert, const char *key,
		      struct sk_err *err)
{
	br_x509_decoder_context dc;
	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, id->chain[0].data, id->chain[0].data_len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	if (!pk)
		return sk_fail(err, 0,
			       "%s certificate %s: first certificate unusable: malformed or key "
			       "type unsupported (BearSSL error %d)",
			       role, cert, br_x509_decoder_last_error(&dc));
	if (!key_matches(&id->key, pk))
		return sk_fail(err, 0, "%s key %s does not match certificate %s", role, key, cert);
	id->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
	return 0;
}

int tls_identity_load(const char *role, const char *cert, const char *key,
		      struct tls_identity **out, struct sk_err *err)
{
	if (!cert || !key)
		return sk_fail(err, 0, "a %s certificate needs a key and a key a certificate",
			       role);
	struct tls_identity *id = calloc(1, sizeof *id);
	if (!id)
		return sk_fail(err, ENOMEM, "%s certificate", role);
	if (load_chain(id, role, cert, err) < 0 || load_key(id, role, key, err) < 0 ||
	    check_pair(id, role, cert, key, err) < 0) {
		tls_identity_free(id);
		return -1;
	}
	*out = id;
	return 0;
}
