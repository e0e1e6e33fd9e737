/* Registry credentials and WWW-Authenticate challenges. Credentials come
 * from the caller (--creds), SKIFF_REGISTRY_CREDS, or a docker-style
 * config.json ("auths": {"host": {"auth": base64(user:pass)}}). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "cleanup.h"
#include "image_internal.h"

static const char *param_value(const char *p, char *out, size_t cap, const char **end)
{
	size_t n = 0;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= cap)
				return NULL;
			out[n++] = *p;
		}
		if (*p != '"')
			return NULL;
		p++;
	} else {
		for (; *p && *p != ',' && *p != ' '; p++) {
			if (n + 1 >= cap)
				return NULL;
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	*end = p;
	return out;
}

static char *param_slot(struct auth_challenge *c, const char *name, size_t len, size_t *cap)
{
	static char ignored[1024];
	if (len == 5 && strncasecmp(name, "realm", 5) == 0)
		return *cap = sizeof c->realm, c->realm;
	if (len == 7 && strncasecmp(name, "service", 7) == 0)
		return *cap = sizeof c->service, c->service;
	if (len == 5 && strncasecmp(name, "scope", 5) == 0)
		return *cap = sizeof c->scope, c->scope;
	return *cap = sizeof ignored, ignored;
}

int auth_challenge_parse(const char *h, struct auth_challenge *c, struct sk_err *err)
{
	memset(c, 0, sizeof *c);
	size_t n = strcspn(h, " ");
	if (n == 0 || n >= sizeof c->scheme)
		return sk_fail(err, 0, "WWW-Authenticate \"%.100s\": no scheme", h);
	memcpy(c->scheme, h, n);
	for (const char *p = h + n; *p;) {
		p += strspn(p, " ,");
		if (!*p)
			break;
		size_t klen = strcspn(p, "=");
		if (!p[klen])
			return sk_fail(err, 0, "WWW-Authenticate \"%.100s\": bad parameter", h);
		size_t cap;
		char *slot = param_slot(c, p, klen, &cap);
		if (!param_value(p + klen + 1, slot, cap, &p))
			return sk_fail(err, 0, "WWW-Authenticate \"%.100s\": bad value", h);
	}
	return 0;
}

static int host_matches(const char *key, const char *registry)
{
	const char *k = strstr(key, "://") ? strstr(key, "://") + 3 : key;
	size_t n = strcspn(k, "/");
	if (strlen(registry) == n && strncmp(k, registry, n) == 0)
		return 1;
	if (strcmp(registry, "docker.io") != 0)
		return 0;
	return (n == 15 && strncmp(k, "index.docker.io", n) == 0) ||
	       (n == 20 && strncmp(k, "registry-1.docker.io", n) == 0);
}

static int creds_from_entry(const cJSON *entry, char *out, size_t cap)
{
	const cJSON *auth = cJSON_GetObjectItemCaseSensitive(entry, "auth");
	const cJSON *user = cJSON_GetObjectItemCaseSensitive(entry, "username");
	const cJSON *pass = cJSON_GetObjectItemCaseSensitive(entry, "password");
	if (cJSON_IsString(auth)) {
		long n = base64_decode(auth->valuestring, out, cap - 1);
		if (n < 0 || !memchr(out, ':', n))
			return -1;
		out[n] = '\0';
		return 0;
	}
	if (cJSON_IsString(user) && cJSON_IsString(pass) &&
	    (size_t)snprintf(out, cap, "%s:%s", user->valuestring, pass->valuestring) < cap)
		return 0;
	return -1;
}

static int creds_from_file(const char *path, const char *registry, char *out, size_t cap,
			   struct sk_err *err)
{
	SK_AUTOFCLOSE FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "auth file %s", path);
	SK_AUTOFREE char *buf = malloc(1 << 20);
	if (!buf)
		return sk_fail(err, ENOMEM, "auth file %s", path);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	cJSON *root = cJSON_Parse(buf);
	const cJSON *auths = cJSON_GetObjectItemCaseSensitive(root, "auths");
	if (!cJSON_IsObject(auths)) {
		cJSON_Delete(root);
		return sk_fail(err, 0, "auth file %s: no \"auths\" object", path);
	}
	const cJSON *e;
	int r = 0;
	cJSON_ArrayForEach(e, auths)
	{
		if (!host_matches(e->string, registry))
			continue;
		if (creds_from_entry(e, out, cap) < 0)
			r = sk_fail(err, 0, "auth file %s: auths.%s: bad credentials", path,
				    e->string);
		break;
	}
	cJSON_Delete(root);
	return r;
}

int auth_find_creds(const struct image_opts *o, const char *registry, char *out, size_t cap,
		    struct sk_err *err)
{
	const char *c = o->creds ? o->creds : getenv("SKIFF_REGISTRY_CREDS");
	out[0] = '\0';
	if (c && *c) {
		if (!strchr(c, ':') || strlen(c) >= cap)
			return sk_fail(err, 0, "credentials: expected user:password");
		strcpy(out, c);
		return 0;
	}
	char path[1024];
	const char *file = o->auth_file ? o->auth_file : getenv("SKIFF_AUTH_FILE");
	if (!file && getenv("DOCKER_CONFIG")) {
		snprintf(path, sizeof path, "%s/config.json", getenv("DOCKER_CONFIG"));
		file = path;
	} else if (!file && getenv("HOME")) {
		snprintf(path, sizeof path, "%s/.docker/config.json", getenv("HOME"));
		file = path;
	}
	return file ? creds_from_file(file, registry, out, cap, err) : 0;
}
