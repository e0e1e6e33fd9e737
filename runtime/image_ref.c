/* Image references ([registry/]repo[:tag][@digest]) and digests. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "image_internal.h"
#include <bearssl.h>

#include "hex.h"

int digest_check(const char *digest, struct sk_err *err)
{
	if (strncmp(digest, "sha256:", 7) != 0)
		return sk_fail(err, 0, "digest %.100s: only sha256 is supported", digest);
	const char *hex = digest + 7;
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return sk_fail(err, 0, "digest %.100s: not 64 lower-case hex digits", digest);
	return 0;
}

void digest_of(const void *data, size_t len, char out[DIGEST_MAX])
{
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, data, len);
	digest_final(&h, out);
}

void digest_final(const void *ctx, char out[DIGEST_MAX])
{
	const br_sha256_context *h = ctx;
	unsigned char d[32];
	br_sha256_out(h, d);
	memcpy(out, "sha256:", 7);
	sk_hex(d, sizeof d, out + 7);
}

static int is_registry_part(const char *s, size_t len)
{
	return memchr(s, '.', len) || memchr(s, ':', len) ||
	       (len == 9 && strncmp(s, "localhost", 9) == 0);
}

static int repo_ok(const char *repo)
{
	size_t n = strlen(repo);
	if (n == 0 || strspn(repo, "abcdefghijklmnopqrstuvwxyz0123456789._/-") != n)
		return 0;
	if (!isalnum((unsigned char)repo[0]) || !isalnum((unsigned char)repo[n - 1]))
		return 0;
	return !strstr(repo, "//") && !strstr(repo, "..") && !strstr(repo, "/.") &&
	       !strstr(repo, "./") && !strstr(repo, "-/") && !strstr(repo, "/-");
}

static int tag_ok(const char *tag)
{
	size_t n = strlen(tag);
	if (n == 0 || n > 128 || !(isalnum((unsigned char)tag[0]) || tag[0] == '_'))
		return 0;
	return strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       n;
}

static int split_digest(const char *s, struct image_ref *r, char *name, size_t cap,
			struct sk_err *err)
{
	const char *at = strchr(s, '@');
	size_t nlen = at ? (size_t)(at - s) : strlen(s);
	if (nlen == 0 || nlen >= cap)
		return sk_fail(err, 0, "image reference \"%.200s\": bad name", s);
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	if (!at)
		return 0;
	if (strlen(at + 1) >= sizeof r->digest || digest_check(at + 1, err) < 0)
		return sk_fail(err, 0, "image reference \"%.200s\": bad digest", s);
	strcpy(r->digest, at + 1);
	return 0;
}

static int split_registry(const char *s, char *name, struct image_ref *r, char **rest,
			  struct sk_err *err)
{
	char *slash = strchr(name, '/');
	if (slash && is_registry_part(name, slash - name)) {
		if ((size_t)(slash - name) >= sizeof r->registry)
			return sk_fail(err, 0, "image reference \"%.200s\": bad registry", s);
		memcpy(r->registry, name, slash - name);
		r->registry[slash - name] = '\0';
		*rest = slash + 1;
	} else {
		strcpy(r->registry, "docker.io");
		*rest = name;
	}
	if (strcmp(r->registry, "index.docker.io") == 0)
		strcpy(r->registry, "docker.io");
	if (!isalnum((unsigned char)r->registry[0]) && r->registry[0] != '[')
		return sk_fail(err, 0, "image reference \"%.200s\": bad registry", s);
	if (strstr(r->registry, ".."))
		return sk_fail(err, 0, "image reference \"%.200s\": bad registry", s);
	for (char *p = r->registry; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
			return sk_fail(err, 0, "image reference \"%.200s\": bad registry", s);
	return 0;
}

int image_ref_parse(const char *s, struct image_ref *r, struct sk_err *err)
{
	char name[512];
	char *rest = NULL;
	memset(r, 0, sizeof *r);
	if (split_digest(s, r, name, sizeof name, err) < 0 ||
	    split_registry(s, name, r, &rest, err) < 0)
		return -1;
	char *colon = strrchr(rest, ':');
	if (colon) {
		*colon = '\0';
		if (!tag_ok(colon + 1))
			return sk_fail(err, 0, "image reference \"%.200s\": bad tag", s);
		strcpy(r->tag, colon + 1);
	} else if (!r->digest[0]) {
		strcpy(r->tag, "latest");
	}
	int library = strcmp(r->registry, "docker.io") == 0 && !strchr(rest, '/');
	if (strlen(rest) + 8 >= sizeof r->repo)
		return sk_fail(err, 0, "image reference \"%.200s\": name too long", s);
	strcpy(r->repo, library ? "library/" : "");
	strcat(r->repo, rest);
	if (!repo_ok(r->repo))
		return sk_fail(
		    err, 0,
		    "image reference \"%.200s\": bad repository name \"%.200s\" (lower-case "
		    "letters, digits and . _ - / only)",
		    s, rest);
	return 0;
}

void image_ref_name(const struct image_ref *r, char *buf, size_t cap)
{
	if (r->tag[0])
		snprintf(buf, cap, "%s/%s:%s", r->registry, r->repo, r->tag);
	else
		snprintf(buf, cap, "%s/%s@%s", r->registry, r->repo, r->digest);
}

const char *image_ref_api_host(const struct image_ref *r)
{
	if (strcmp(r->registry, "docker.io") == 0)
		return "registry-1.docker.io";
	return r->registry;
}
