/* TLS trust of the HTTP client: PEM files, the CA bundle as BearSSL
 * trust anchors, the client certificate and key (checked to be a pair),
 * and the name check of a server addressed by IP. */
#include "http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "x509_ip.h"

#define MAX_CA_FILE   (8 << 20)
#define MAX_CERT_FILE (1 << 20)

/* ---- PEM files ---- */

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

static int read_small_file(const char *path, size_t max, char **out, size_t *len,
			   struct sk_err *err)
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

/* Called with each PEM object's name and DER contents. */
typedef int (*pem_object_fn)(void *ctx, const char *name, const struct bytes *der,
			     struct sk_err *err);

struct pem_walk {
	br_pem_decoder_context pc;
	struct bytes der;
	pem_object_fn fn;
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
			if (w->fn(w->ctx, br_pem_decoder_name(&w->pc), &w->der, err) < 0)
				return -1;
			break;
		case BR_PEM_ERROR:
			return sk_fail(err, 0, "malformed PEM");
		}
	}
	return 0;
}

/* Hands every object of a PEM text to fn. The DER buffer is sized from the
 * text up front (DER is shorter than its base64), so it is never moved and
 * can be wiped: it may hold a private key. */
static int pem_each(const char *pem, size_t len, pem_object_fn fn, void *ctx, struct sk_err *err)
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

/* ---- CA bundle → BearSSL trust anchors ---- */

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

static int anchor_from_der(const struct bytes *der, br_x509_trust_anchor *ta)
{
	br_x509_decoder_context dc;
	struct bytes dn = {0};
	br_x509_decoder_init(&dc, bytes_append, &dn);
	br_x509_decoder_push(&dc, der->p, der->len);
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

static int anchors_add(void *ctx, const char *name, const struct bytes *der, struct sk_err *err)
{
	struct http_client *c = ctx;
	br_x509_trust_anchor ta;
	if (!is_cert_name(name) || anchor_from_der(der, &ta) < 0)
		return 0; /* a certificate BearSSL cannot use is skipped, not fatal */
	br_x509_trust_anchor *v = realloc(c->anchors, (c->nanchors + 1) * sizeof *v);
	if (!v) {
		anchor_free(&ta);
		return sk_fail(err, ENOMEM, "trust anchors");
	}
	c->anchors = v;
	c->anchors[c->nanchors++] = ta;
	return 0;
}

int http_tls_load_anchors(struct http_client *c, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len = 0;
	if (c->anchors_loaded)
		return c->nanchors ? 0 : sk_fail(err, 0, "%s: no usable certificate", c->ca_file);
	c->anchors_loaded = 1;
	if (read_small_file(c->ca_file, MAX_CA_FILE, &pem, &len, err) < 0)
		return sk_wrap(err, "CA bundle");
	if (pem_each(pem, len, anchors_add, c, err) < 0)
		return sk_wrap(err, "CA bundle %s", c->ca_file);
	if (c->nanchors == 0)
		return sk_fail(err, 0, "CA bundle %s: no usable certificate", c->ca_file);
	return 0;
}

/* ---- client certificate and key ---- */

struct client_identity {
	br_x509_certificate *chain; /* leaf first */
	size_t chain_len;
	br_skey_decoder_context key; /* the decoded key points into it */
	unsigned issuer_key_type;
};

static void identity_free(struct client_identity *id)
{
	if (!id)
		return;
	for (size_t i = 0; i < id->chain_len; i++)
		free(id->chain[i].data);
	free(id->chain);
	explicit_bzero(&id->key, sizeof id->key);
	free(id);
}

static int chain_add(void *ctx, const char *name, const struct bytes *der, struct sk_err *err)
{
	struct client_identity *id = ctx;
	if (!is_cert_name(name))
		return 0;
	br_x509_certificate *v = realloc(id->chain, (id->chain_len + 1) * sizeof *v);
	if (!v)
		return sk_fail(err, ENOMEM, "certificate chain");
	id->chain = v;
	if (!(v[id->chain_len].data = dup_bytes(der->p, der->len)))
		return sk_fail(err, ENOMEM, "certificate chain");
	v[id->chain_len++].data_len = der->len;
	return 0;
}

static int load_chain(struct client_identity *id, const char *path, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len = 0;
	if (read_small_file(path, MAX_CERT_FILE, &pem, &len, err) < 0)
		return sk_wrap(err, "client certificate");
	if (pem_each(pem, len, chain_add, id, err) < 0)
		return sk_wrap(err, "client certificate %s", path);
	if (id->chain_len == 0)
		return sk_fail(err, 0, "client certificate %s: not PEM (no CERTIFICATE block)",
			       path);
	return 0;
}

struct key_scan {
	br_skey_decoder_context *dc;
	int found, encrypted;
};

static int key_object(void *ctx, const char *name, const struct bytes *der, struct sk_err *err)
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
	br_skey_decoder_push(k->dc, der->p, der->len);
	return 0;
}

static int supported_curve(int curve)
{
	return curve == BR_EC_secp256r1 || curve == BR_EC_secp384r1 || curve == BR_EC_secp521r1;
}

static int check_key(const br_skey_decoder_context *dc, const char *path, struct sk_err *err)
{
	int e = br_skey_decoder_last_error(dc);
	if (e == BR_ERR_X509_UNSUPPORTED)
		return sk_fail(
		    err, 0, "client key %s: key type unsupported (RSA or EC P-256/384/521)", path);
	if (e)
		return sk_fail(err, 0, "client key %s: malformed private key (BearSSL error %d)",
			       path, e);
	if (br_skey_decoder_key_type(dc) == BR_KEYTYPE_EC &&
	    !supported_curve(br_skey_decoder_get_ec(dc)->curve))
		return sk_fail(err, 0,
			       "client key %s: EC curve unsupported (P-256, P-384 or P-521)", path);
	return 0;
}

static int load_key(struct client_identity *id, const char *path, struct sk_err *err)
{
	SK_AUTOFREE char *pem = NULL;
	size_t len = 0;
	if (read_small_file(path, MAX_CERT_FILE, &pem, &len, err) < 0)
		return sk_wrap(err, "client key");
	struct key_scan k = {.dc = &id->key};
	int r = pem_each(pem, len, key_object, &k, err);
	explicit_bzero(pem, len);
	if (r < 0)
		return sk_wrap(err, "client key %s", path);
	if (!k.found && k.encrypted)
		return sk_fail(err, 0, "client key %s: encrypted keys are not supported", path);
	if (!k.found)
		return sk_fail(err, 0, "client key %s: not PEM (no PRIVATE KEY block)", path);
	return check_key(&id->key, path, err);
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

static int check_pair(struct client_identity *id, const char *cert, const char *key,
		      struct sk_err *err)
{
	br_x509_decoder_context dc;
	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, id->chain[0].data, id->chain[0].data_len);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	if (!pk)
		return sk_fail(
		    err, 0,
		    "client certificate %s: first certificate unusable: malformed or key "
		    "type unsupported (BearSSL error %d)",
		    cert, br_x509_decoder_last_error(&dc));
	if (!key_matches(&id->key, pk))
		return sk_fail(err, 0, "client key %s does not match certificate %s", key, cert);
	id->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
	return 0;
}

int http_tls_load_identity(const char *cert, const char *key, struct client_identity **out,
			   struct sk_err *err)
{
	if (!cert || !key)
		return sk_fail(err, 0, "a client certificate needs a key and a key a certificate");
	struct client_identity *id = calloc(1, sizeof *id);
	if (!id)
		return sk_fail(err, ENOMEM, "client certificate");
	if (load_chain(id, cert, err) < 0 || load_key(id, key, err) < 0 ||
	    check_pair(id, cert, key, err) < 0) {
		identity_free(id);
		return -1;
	}
	*out = id;
	return 0;
}

void http_tls_identity_install(struct http_client *c)
{
	const struct client_identity *id = c->id;
	if (br_skey_decoder_key_type(&id->key) == BR_KEYTYPE_RSA)
		br_ssl_client_set_single_rsa(&c->sc, id->chain, id->chain_len,
					     br_skey_decoder_get_rsa(&id->key),
					     br_rsa_pkcs1_sign_get_default());
	else
		br_ssl_client_set_single_ec(&c->sc, id->chain, id->chain_len,
					    br_skey_decoder_get_ec(&id->key), BR_KEYTYPE_SIGN,
					    id->issuer_key_type, br_ec_get_default(),
					    br_ecdsa_sign_asn1_get_default());
}

/* ---- server name check for an IP address ---- */

/* BearSSL matches the server name against dNSName entries only. For an
 * endpoint given as an IP address the name check is done here instead,
 * against the leaf certificate's iPAddress entries, around the minimal
 * X.509 engine (which then checks everything but the name). */

struct ip_check {
	const br_x509_class *vtable;
	br_x509_minimal_context *inner;
	unsigned char ip[16];
	size_t ip_len;
	unsigned ncerts;
	unsigned char *leaf;
	size_t leaf_len, leaf_cap;
};

static const br_x509_class **inner_of(const br_x509_class **ctx)
{
	return &((struct ip_check *)ctx)->inner->vtable;
}

static void ipc_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct ip_check *x = (struct ip_check *)ctx;
	x->ncerts = 0;
	x->leaf_len = 0;
	(*inner_of(ctx))->start_chain(inner_of(ctx), NULL);
}

static void ipc_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct ip_check *x = (struct ip_check *)ctx;
	if (x->ncerts == 0) {
		free(x->leaf);
		x->leaf = length <= MAX_LEAF_CERT ? malloc(length ? length : 1) : NULL;
		x->leaf_cap = x->leaf ? length : 0;
	}
	(*inner_of(ctx))->start_cert(inner_of(ctx), length);
}

static void ipc_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct ip_check *x = (struct ip_check *)ctx;
	if (x->ncerts == 0 && x->leaf && len <= x->leaf_cap - x->leaf_len) {
		memcpy(x->leaf + x->leaf_len, buf, len);
		x->leaf_len += len;
	}
	(*inner_of(ctx))->append(inner_of(ctx), buf, len);
}

static void ipc_end_cert(const br_x509_class **ctx)
{
	((struct ip_check *)ctx)->ncerts++;
	(*inner_of(ctx))->end_cert(inner_of(ctx));
}

static unsigned ipc_end_chain(const br_x509_class **ctx)
{
	struct ip_check *x = (struct ip_check *)ctx;
	unsigned r = (*inner_of(ctx))->end_chain(inner_of(ctx));
	if (r)
		return r;
	if (!x->leaf || x->leaf_len != x->leaf_cap ||
	    !x509_has_ip(x->leaf, x->leaf_len, x->ip, x->ip_len))
		return BR_ERR_X509_BAD_SERVER_NAME;
	return 0;
}

static const br_x509_pkey *ipc_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct ip_check *x = (const struct ip_check *)ctx;
	return x->inner->vtable->get_pkey(&x->inner->vtable, usages);
}

static const br_x509_class ip_check_vtable = {
    sizeof(struct ip_check), ipc_start_chain, ipc_start_cert, ipc_append, ipc_end_cert,
    ipc_end_chain,	     ipc_get_pkey,
};

/* Fills x->ip when host is an IPv4 or IPv6 address. */
static int host_ip(const char *host, struct ip_check *x)
{
	if (inet_pton(AF_INET, host, x->ip) == 1)
		x->ip_len = 4;
	else if (inet_pton(AF_INET6, host, x->ip) == 1)
		x->ip_len = 16;
	else
		return 0;
	return 1;
}

/* For an IP address host, the name is checked by ip_check instead of
 * BearSSL, and no SNI is sent (RFC 6066 allows host names only). */
int http_tls_name_check(struct http_client *c, const char *host, const char **server_name)
{
	struct ip_check probe = {0};
	*server_name = host;
	if (!host_ip(host, &probe))
		return 0;
	if (!c->ipc && !(c->ipc = calloc(1, sizeof *c->ipc)))
		return -1;
	memcpy(c->ipc->ip, probe.ip, sizeof probe.ip);
	c->ipc->ip_len = probe.ip_len;
	c->ipc->vtable = &ip_check_vtable;
	c->ipc->inner = &c->xc;
	br_ssl_engine_set_x509(&c->sc.eng, &c->ipc->vtable);
	*server_name = NULL;
	return 0;
}

void http_tls_free(struct http_client *c)
{
	for (size_t i = 0; i < c->nanchors; i++)
		anchor_free(&c->anchors[i]);
	free(c->anchors);
	identity_free(c->id);
	if (c->ipc)
		free(c->ipc->leaf);
	free(c->ipc);
}
