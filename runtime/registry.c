/* An image source backed by an OCI distribution-spec registry: manifests
 * and blobs over HTTP(S), anonymous / bearer-token / basic auth, blob
 * downloads resumed with Range requests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "cleanup.h"
#include "http.h"
#include "image_internal.h"
#include "scan.h"

#define MAX_TOKEN_RESPONSE (1u << 20)

struct registry_source {
	struct image_source base;
	const struct image_opts *o;
	struct http_client *http;
	int insecure;
	char api[1024]; /* scheme://host/v2/repo */
	char registry[256];
	char repo[256];
	char creds[1024];
	char *auth; /* "Authorization: ..." or NULL */
};

static int is_insecure(const struct image_opts *o, const char *host)
{
	for (const char *const *p = o->insecure; p && *p; p++)
		if (strcmp(*p, host) == 0)
			return 1;
	return 0;
}

static int set_auth(struct registry_source *r, const char *scheme, const char *value,
		    struct sk_err *err)
{
	free(r->auth);
	size_t n = strlen(scheme) + strlen(value) + 32;
	r->auth = malloc(n);
	if (!r->auth)
		return sk_fail(err, ENOMEM, "auth");
	snprintf(r->auth, n, "Authorization: %s %s", scheme, value);
	return 0;
}

static int basic_header(const char *creds, char **out, struct sk_err *err)
{
	size_t n = strlen(creds);
	char *b = malloc(BASE64_ENCODED_SIZE(n) + 32);
	if (!b)
		return sk_fail(err, ENOMEM, "auth");
	strcpy(b, "Authorization: Basic ");
	base64_encode(creds, n, b + strlen(b));
	*out = b;
	return 0;
}

static void url_encode(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; *s && n + 4 < cap; s++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~",
			   *s))
			out[n++] = *s;
		else
			n += snprintf(out + n, cap - n, "%%%02X", (unsigned char)*s);
	}
	out[n] = '\0';
}

static int token_from_json(struct registry_source *r, const char *body, struct sk_err *err)
{
	cJSON *root = cJSON_Parse(body);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "token");
	if (!cJSON_IsString(t) || !*t->valuestring)
		t = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	int rc = cJSON_IsString(t) && *t->valuestring && !strpbrk(t->valuestring, "\r\n")
		     ? set_auth(r, "Bearer", t->valuestring, err)
		     : sk_fail(err, 0, "token response has no token");
	cJSON_Delete(root);
	return rc;
}

static int fetch_token(struct registry_source *r, const struct auth_challenge *ch,
		       struct sk_err *err)
{
	char url[4096], service[600], scope[1100], def_scope[300];
	if (!r->insecure && strncmp(ch->realm, "https://", 8) != 0)
		return sk_fail(err, 0, "token realm %.200s is not https", ch->realm);
	snprintf(def_scope, sizeof def_scope, "repository:%s:pull", r->repo);
	url_encode(ch->service, service, sizeof service);
	url_encode(ch->scope[0] ? ch->scope : def_scope, scope, sizeof scope);
	snprintf(url, sizeof url, "%s%sservice=%s&scope=%s", ch->realm,
		 strchr(ch->realm, '?') ? "&" : "?", service, scope);
	SK_AUTOFREE char *basic = NULL;
	if (r->creds[0] && basic_header(r->creds, &basic, err) < 0)
		return -1;
	const char *headers[] = {basic, NULL};
	struct http_request req = {
	    .url = url, .headers = basic ? headers : NULL, .max_redirects = 5};
	SK_AUTOFREE struct http_response *resp = malloc(sizeof *resp);
	SK_AUTOFREE char *body = NULL;
	if (!resp)
		return sk_fail(err, ENOMEM, "token");
	if (http_request(r->http, &req, resp, err) < 0 ||
	    http_body_read_all(r->http, MAX_TOKEN_RESPONSE, &body, NULL, err) < 0)
		return sk_wrap(err, "token from %.200s", ch->realm);
	if (resp->status != 200)
		return sk_fail(err, 0, "token from %.200s: HTTP %d%s", ch->realm, resp->status,
			       resp->status == 401 ? " (bad credentials?)" : "");
	return token_from_json(r, body, err);
}

static int authenticate(struct registry_source *r, const struct http_response *resp,
			struct sk_err *err)
{
	const char *h = http_header_get(resp, "WWW-Authenticate");
	struct auth_challenge ch;
	if (!h)
		return sk_fail(err, 0, "HTTP 401 without WWW-Authenticate");
	if (auth_challenge_parse(h, &ch, err) < 0)
		return -1;
	if (strcasecmp(ch.scheme, "Bearer") == 0)
		return fetch_token(r, &ch, err);
	if (strcasecmp(ch.scheme, "Basic") != 0)
		return sk_fail(err, 0, "unsupported auth scheme %s", ch.scheme);
	if (!r->creds[0])
		return sk_fail(err, 0, "registry wants basic auth and no credentials were given");
	free(r->auth);
	r->auth = NULL;
	return basic_header(r->creds, &r->auth, err);
}

/* GETs a registry URL, authenticating once on a 401. The body is left to read. */
static int reg_get(struct registry_source *r, const char *url, const char *accept,
		   const char *range, struct http_response *resp, struct sk_err *err)
{
	for (int attempt = 0;; attempt++) {
		const char *headers[4] = {NULL};
		size_t n = 0;
		char acc[512], rng[64];
		if (accept) {
			snprintf(acc, sizeof acc, "Accept: %s", accept);
			headers[n++] = acc;
		}
		if (range) {
			snprintf(rng, sizeof rng, "Range: %s", range);
			headers[n++] = rng;
		}
		if (r->auth)
			headers[n++] = r->auth;
		struct http_request req = {.url = url, .headers = headers, .max_redirects = 5};
		if (http_request(r->http, &req, resp, err) < 0)
			return -1;
		if (resp->status != 401 || attempt > 0)
			return 0;
		http_body_discard(r->http, err);
		if (authenticate(r, resp, err) < 0)
			return sk_wrap(err, "%s: authentication", r->registry);
	}
}

static int status_error(struct registry_source *r, const struct http_response *resp,
			const char *what, struct sk_err *err)
{
	SK_AUTOFREE char *body = NULL;
	if (http_body_read_all(r->http, 4096, &body, NULL, err) < 0)
		body = NULL;
	for (char *p = body; p && *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return sk_fail(err, 0, "%s/%s: %s: HTTP %d%s%.300s", r->registry, r->repo, what,
		       resp->status, body && *body ? ": " : "", body ? body : "");
}

static int reg_get_manifest(struct image_source *s, const char *reference, char **body, size_t *len,
			    char *ct, size_t ct_cap, struct sk_err *err)
{
	struct registry_source *r = (struct registry_source *)s;
	char url[1400], what[200];
	snprintf(url, sizeof url, "%s/manifests/%s", r->api, reference);
	snprintf(what, sizeof what, "manifest %s", reference);
	SK_AUTOFREE struct http_response *resp = malloc(sizeof *resp);
	if (!resp)
		return sk_fail(err, ENOMEM, "manifest");
	if (reg_get(r, url, manifest_accept, NULL, resp, err) < 0)
		return sk_wrap(err, "%s/%s: %s", r->registry, r->repo, what);
	if (resp->status != 200)
		return status_error(r, resp, what, err);
	const char *type = http_header_get(resp, "Content-Type");
	snprintf(ct, ct_cap, "%s", type ? type : "");
	ct[strcspn(ct, ";")] = '\0';
	if (http_body_read_all(r->http, MAX_MANIFEST_BYTES, body, len, err) < 0)
		return sk_wrap(err, "%s/%s: %s", r->registry, r->repo, what);
	return 0;
}

static int write_to_blob(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	return blob_writer_write(ctx, data, len, err);
}

static int range_matches(const struct http_response *resp, uint64_t from)
{
	const char *cr = http_header_get(resp, "Content-Range");
	unsigned long long start;

	if (!cr || strncmp(cr, "bytes", 5) != 0)
		return 0;
	cr += 5;
	return sk_scan_ull(&cr, &start) && start == from;
}

static int download(struct registry_source *r, struct blob_writer *w, struct sk_err *err)
{
	char url[1400], range[64];
	snprintf(url, sizeof url, "%s/blobs/%s", r->api, w->digest);
	snprintf(range, sizeof range, "bytes=%llu-", (unsigned long long)w->written);
	SK_AUTOFREE struct http_response *resp = malloc(sizeof *resp);
	if (!resp)
		return sk_fail(err, ENOMEM, "blob");
	if (reg_get(r, url, NULL, w->written ? range : NULL, resp, err) < 0)
		return -1;
	if (resp->status == 416 || (resp->status == 206 && !range_matches(resp, w->written))) {
		http_body_discard(r->http, err);
		if (blob_writer_restart(w, err) < 0 || reg_get(r, url, NULL, NULL, resp, err) < 0)
			return -1;
	}
	if (resp->status == 200 && w->written && blob_writer_restart(w, err) < 0)
		return -1;
	if (resp->status != 200 && resp->status != 206)
		return status_error(r, resp, "blob", err);
	if (r->o->progress)
		fprintf(r->o->progress, "%s %s (%lld bytes)\n",
			resp->status == 206 ? "resuming" : "fetching", w->digest,
			(long long)w->size);
	return http_body_read(r->http, write_to_blob, w, err);
}

static int reg_fetch_blob(struct image_source *s, const struct descriptor *d,
			  const struct blobstore *bs, struct sk_err *err)
{
	struct registry_source *r = (struct registry_source *)s;
	struct blob_writer w;
	int rc = blob_writer_begin(bs, d, &w, err);
	if (rc != 0)
		return rc < 0 ? sk_wrap(err, "%s/%s", r->registry, r->repo) : 0;
	rc = download(r, &w, err);
	if (rc == 0)
		rc = blob_writer_commit(&w, err);
	blob_writer_end(&w);
	return rc < 0 ? sk_wrap(err, "%s/%s: blob %s", r->registry, r->repo, d->digest) : 0;
}

static void reg_close(struct image_source *s)
{
	struct registry_source *r = (struct registry_source *)s;
	http_client_free(r->http);
	free(r->auth);
	free(r);
}

int registry_source_open(const struct image_opts *o, const struct image_ref *ref,
			 struct image_source **out, struct sk_err *err)
{
	struct registry_source *r = calloc(1, sizeof *r);
	if (!r)
		return sk_fail(err, ENOMEM, "registry");
	r->base = (struct image_source){reg_get_manifest, reg_fetch_blob, reg_close};
	r->o = o;
	r->insecure = is_insecure(o, ref->registry);
	strcpy(r->registry, ref->registry);
	strcpy(r->repo, ref->repo);
	snprintf(r->api, sizeof r->api, "%s://%s/v2/%s", r->insecure ? "http" : "https",
		 image_ref_api_host(ref), ref->repo);
	struct http_client_opts ho = {.timeout_ms = o->timeout_ms, .ca_file = o->ca_file};
	if (auth_find_creds(o, ref->registry, r->creds, sizeof r->creds, err) < 0 ||
	    http_client_new(&ho, &r->http, err) < 0) {
		free(r);
		return -1;
	}
	*out = &r->base;
	return 0;
}
