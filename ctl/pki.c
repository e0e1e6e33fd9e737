/* The cluster CA on disk (see pki.h). */
#include "pki.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "ctl.h"
#include "file.h"
#include "hex.h"
#include "mkdir_p.h"
#include "tls_files.h"
#include "x509_subject.h"

/* Accepted by clocks that run a little behind the issuer's. */
#define BACKDATE_S 3600

int pki_path(const char *dir, const char *name, const char *ext, char *buf, struct sk_err *err)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s.%s", dir, name, ext) >= PATH_MAX)
		return sk_fail(err, 0, "%s/%s.%s: path too long", dir, name, ext);
	return 0;
}

/* Writes a whole new file; an existing one is an error unless forced. */
static int write_new(const char *path, const char *text, mode_t mode, int force, struct sk_err *err)
{
	char tmp[PATH_MAX + 8];

	if (!force && access(path, F_OK) == 0)
		return sk_fail(err, 0, "%s exists (--force replaces it)", path);
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return sk_fail(err, 0, "%s: path too long", path);
	unlink(tmp);
	SK_AUTOCLOSE int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return sk_fail(err, errno, "create %s", tmp);
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off < len || fsync(fd) < 0) {
		int e = errno;
		unlink(tmp);
		return sk_fail(err, e, "write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return sk_fail(err, e, "rename %s", tmp);
	}
	return 0;
}

static int write_pair(const char *dir, const char *name, const struct x509_key *key,
		      const unsigned char *der, size_t len, int force, struct sk_err *err)
{
	char crt[PATH_MAX], keyp[PATH_MAX];
	SK_AUTOFREE char *cert_pem = NULL;
	SK_AUTOFREE char *key_pem = NULL;
	int rc;

	if (pki_path(dir, name, "crt", crt, err) < 0 || pki_path(dir, name, "key", keyp, err) < 0)
		return -1;
	if (!force && (access(crt, F_OK) == 0 || access(keyp, F_OK) == 0))
		return sk_fail(err, 0, "%s or %s exists (--force replaces them)", crt, keyp);
	if (x509_cert_pem(der, len, &cert_pem, err) < 0 || x509_key_pem(key, &key_pem, err) < 0)
		return -1;
	rc = write_new(keyp, key_pem, 0600, force, err);
	explicit_bzero(key_pem, strlen(key_pem));
	if (rc < 0)
		return -1;
	return write_new(crt, cert_pem, 0644, force, err);
}

static void validity(struct x509_request *r, int days)
{
	time_t now = time(NULL);

	r->not_before = (int64_t)now - BACKDATE_S;
	r->not_after = (int64_t)now + (int64_t)days * 86400;
}

int pki_init(const struct pki_opts *o, struct sk_err *err)
{
	struct x509_request r = {.kind = X509_CA, .o = "skiff"};
	struct x509_key key;
	SK_AUTOFREE unsigned char *der = NULL;
	char cn[128];
	size_t len;
	int rc;

	if (sk_mkdir_p(o->dir, 0700, err) < 0)
		return -1;
	snprintf(cn, sizeof cn, "skiff CA %.100s", o->cluster);
	r.cn = cn;
	validity(&r, o->days);
	if (x509_key_generate(&key, err) < 0)
		return -1;
	r.subject_key = &key;
	rc = x509_issue(&r, NULL, &der, &len, err);
	if (rc == 0)
		rc = write_pair(o->dir, "ca", &key, der, len, o->force, err);
	explicit_bzero(&key, sizeof key);
	return rc;
}

static int load_ca(const char *dir, struct tls_identity **ca, struct sk_err *err)
{
	char crt[PATH_MAX], key[PATH_MAX];

	if (pki_path(dir, "ca", "crt", crt, err) < 0 || pki_path(dir, "ca", "key", key, err) < 0)
		return -1;
	if (tls_identity_load("CA", crt, key, ca, err) < 0)
		return sk_wrap(err, "no usable CA in %s (skiffctl ca init makes one)", dir);
	return 0;
}

/* File names must not climb out of the directory or hide. */
static int valid_name(const char *s)
{
	return *s != '.' && strcmp(s, "ca") != 0 && ctl_name_chars_ok(s, 64);
}

int pki_issue(const struct pki_opts *o, int node, const char *name, const struct pki_names *n,
	      struct sk_err *err)
{
	struct x509_request r = {.kind = node ? X509_SERVER_CLIENT : X509_CLIENT};
	struct tls_identity *ca = NULL;
	struct x509_key key;
	SK_AUTOFREE unsigned char *der = NULL;
	size_t len;
	int rc;

	if (!valid_name(name))
		return sk_fail(err, 0,
			       "name %s: use 1-64 letters, digits, '-', '_' and '.' (not \"ca\")",
			       name);
	r.cn = name;
	r.o = node ? X509_ROLE_NODE : X509_ROLE_OPERATOR;
	if (node) {
		r.dns[r.ndns++] = name;
		for (size_t i = 0; i < n->ndns; i++)
			r.dns[r.ndns++] = n->dns[i];
		for (size_t i = 0; i < n->nips; i++)
			r.ips[r.nips++] = n->ips[i];
	}
	validity(&r, o->days);
	if (load_ca(o->dir, &ca, err) < 0)
		return -1;
	rc = x509_key_generate(&key, err);
	r.subject_key = &key;
	if (rc == 0)
		rc = x509_issue(&r, ca, &der, &len, err);
	if (rc == 0)
		rc = write_pair(o->dir, name, &key, der, len, o->force, err);
	explicit_bzero(&key, sizeof key);
	tls_identity_free(ca);
	return rc;
}

int pki_issue_for_key(const struct pki_opts *o, const char *name, const unsigned char pub[65],
		      char **cert_pem, char **ca_pem, char sha256[65], struct sk_err *err)
{
	struct x509_request r = {.kind = X509_SERVER_CLIENT, .cn = name, .o = X509_ROLE_NODE};
	struct x509_key key = {0};
	struct tls_identity *ca = NULL;
	SK_AUTOFREE unsigned char *der = NULL;
	char path[PATH_MAX];
	size_t len, calen;
	unsigned char d[32];
	br_sha256_context h;

	if (!valid_name(name))
		return sk_fail(err, 0, "node name %s: use 1-64 letters, digits, '-', '_' and '.'",
			       name);
	memcpy(key.q, pub, 65);
	key.pk = (br_ec_public_key){.curve = BR_EC_secp256r1, .q = key.q, .qlen = 65};
	r.dns[r.ndns++] = name;
	r.subject_key = &key;
	validity(&r, o->days);
	if (load_ca(o->dir, &ca, err) < 0)
		return -1;
	int rc = x509_issue(&r, ca, &der, &len, err);
	tls_identity_free(ca);
	if (rc == 0)
		rc = x509_cert_pem(der, len, cert_pem, err);
	if (rc == 0 && (rc = pki_path(o->dir, "ca", "crt", path, err)) == 0 &&
	    (rc = sk_read_file(path, 1 << 20, ca_pem, &calen, err)) < 0)
		free(*cert_pem);
	if (rc < 0)
		return -1;
	br_sha256_init(&h);
	br_sha256_update(&h, der, len);
	br_sha256_out(&h, d);
	sk_hex(d, sizeof d, sha256);
	return 0;
}
