/* Connections to etcd: endpoint list with failover, the HTTP transport,
 * password authentication and the mapping of etcd's error answers.
 *
 * A member that is frozen (SIGSTOP, a hung disk) still has its kernel
 * accept connections, so only a timeout tells it apart. Two things keep
 * that from costing a full request timeout on every call: a new
 * connection must get an answer to GET /version within the dial timeout
 * before a request goes on it (what gRPC's wait for the server's first
 * frame does for etcdctl), and a client and its etcd_dup copies share what
 * they learn, so an endpoint that just failed is tried last by all. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "etcd_internal.h"
#include "clock.h"

#define MAX_ANSWER	     (64u << 20)
#define GRPC_NOT_FOUND	     5
#define GRPC_OUT_OF_RANGE    11
#define GRPC_UNAVAILABLE     14
#define GRPC_UNAUTHENTICATED 16
#define SUSPECT_MS	     30000 /* a failed endpoint goes last for this long */
#define MAX_VERSION_ANSWER   4096

void etcd_endpoint_note(struct etcd *e, size_t ep, int ok)
{
	int64_t *slot = ok ? &e->health->ok_ms[ep] : &e->health->fail_ms[ep];
	__atomic_store_n(slot, sk_now_ms(), __ATOMIC_RELAXED);
}

int64_t etcd_endpoint_silence_ms(const struct etcd *e, size_t ep)
{
	int64_t ok = __atomic_load_n(&e->health->ok_ms[ep], __ATOMIC_RELAXED);
	return ok ? sk_now_ms() - ok : INT64_MAX;
}

int etcd_endpoint_suspect(const struct etcd *e, size_t ep, int64_t now)
{
	int64_t ok = __atomic_load_n(&e->health->ok_ms[ep], __ATOMIC_RELAXED);
	int64_t fail = __atomic_load_n(&e->health->fail_ms[ep], __ATOMIC_RELAXED);
	return fail > ok && now - fail < SUSPECT_MS;
}

/* The order to try endpoints in: from the current one on, those that did
 * not fail lately first, then the rest (a lone member is always tried). */
static size_t endpoint_order(const struct etcd *e, size_t order[ETCD_MAX_ENDPOINTS])
{
	int64_t now = sk_now_ms();
	size_t n = 0;
	for (int late = 0; late < 2; late++)
		for (size_t i = 0; i < e->nendpoints; i++) {
			size_t ep = (e->current + i) % e->nendpoints;
			if (etcd_endpoint_suspect(e, ep, now) == late)
				order[n++] = ep;
		}
	return n;
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int parse_endpoints(struct etcd *e, const char *list, struct sk_err *err)
{
	SK_AUTOFREE char *copy = strdup(list ? list : "");
	char *save = NULL;
	if (!copy)
		return sk_fail(err, ENOMEM, "endpoints");
	for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		struct http_url u;
		if (e->nendpoints == ETCD_MAX_ENDPOINTS)
			return sk_fail(err, 0, "endpoints: more than %d", ETCD_MAX_ENDPOINTS);
		if (http_url_parse(t, &u, err) < 0)
			return sk_wrap(err, "endpoint `%s`", t);
		size_t n = strlen(t);
		while (n > 1 && t[n - 1] == '/')
			t[--n] = '\0';
		if (!(e->endpoints[e->nendpoints++] = strdup(t)))
			return sk_fail(err, ENOMEM, "endpoints");
	}
	if (e->nendpoints == 0)
		return sk_fail(err, 0, "no etcd endpoint given");
	return 0;
}

static struct http_client_opts http_opts(const struct etcd *e, int timeout_ms)
{
	return (struct http_client_opts){.timeout_ms = timeout_ms,
					 .ca_file = e->opts.ca_file,
					 .cert_file = e->opts.cert_file,
					 .key_file = e->opts.key_file};
}

static int ensure_http(struct etcd *e, struct sk_err *err)
{
	if (e->http)
		return 0;
	struct http_client_opts o = http_opts(e, e->opts.timeout_ms);
	return http_client_new(&o, &e->http, err);
}

static struct etcd *client_alloc(const struct etcd_opts *opts)
{
	struct etcd *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->opts.timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 5000;
	e->opts.dial_timeout_ms = opts->dial_timeout_ms > 0 ? opts->dial_timeout_ms : 1000;
	if (e->opts.dial_timeout_ms > e->opts.timeout_ms)
		e->opts.dial_timeout_ms = e->opts.timeout_ms;
	e->opts.ca_file = dup_opt(opts->ca_file);
	e->opts.cert_file = dup_opt(opts->cert_file);
	e->opts.key_file = dup_opt(opts->key_file);
	e->opts.user = dup_opt(opts->user);
	e->opts.password = dup_opt(opts->password);
	return e;
}

int etcd_new(const struct etcd_opts *opts, struct etcd **out, struct sk_err *err)
{
	struct etcd *e = client_alloc(opts);
	if (!e || !(e->health = calloc(1, sizeof *e->health))) {
		etcd_free(e);
		return sk_fail(err, ENOMEM, "etcd client");
	}
	e->health->refs = 1;
	/* the HTTP client now, so that a bad certificate or key is reported here */
	if (parse_endpoints(e, opts->endpoints, err) < 0 || ensure_http(e, err) < 0) {
		etcd_free(e);
		return -1;
	}
	*out = e;
	return 0;
}

int etcd_dup(const struct etcd *e, struct etcd **out, struct sk_err *err)
{
	struct etcd *d = client_alloc(&e->opts);
	if (!d)
		return sk_fail(err, ENOMEM, "etcd client");
	d->health = e->health;
	__atomic_add_fetch(&d->health->refs, 1, __ATOMIC_RELAXED);
	for (size_t i = 0; i < e->nendpoints; i++)
		if (!(d->endpoints[d->nendpoints++] = strdup(e->endpoints[i]))) {
			etcd_free(d);
			return sk_fail(err, ENOMEM, "etcd client");
		}
	d->current = e->current;
	if (ensure_http(d, err) < 0) {
		etcd_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void etcd_free(struct etcd *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nendpoints; i++)
		free(e->endpoints[i]);
	free((char *)e->opts.ca_file);
	free((char *)e->opts.cert_file);
	free((char *)e->opts.key_file);
	free((char *)e->opts.user);
	free((char *)e->opts.password);
	free(e->token);
	if (e->http)
		http_client_free(e->http);
	if (e->health && __atomic_sub_fetch(&e->health->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(e->health);
	free(e);
}

void etcd_set_timeout(struct etcd *e, int timeout_ms)
{
	e->opts.timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	if (e->opts.dial_timeout_ms > e->opts.timeout_ms)
		e->opts.dial_timeout_ms = e->opts.timeout_ms;
	if (e->http)
		http_client_set_timeout(e->http, e->opts.timeout_ms);
}

const char *etcd_endpoint(const struct etcd *e)
{
	return e->endpoints[e->current];
}

int etcd_error_from_json(const char *body, int status, struct sk_err *err)
{
	cJSON *j = cJSON_Parse(body ? body : "");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "error");
	int code = (int)etcd_json_i64(j, "code");
	enum sk_err_class cls = SK_ERR_FAIL;
	if (code == GRPC_NOT_FOUND && cJSON_IsString(msg) && strstr(msg->valuestring, "lease"))
		cls = SK_ERR_GONE;
	else if (code == GRPC_OUT_OF_RANGE && cJSON_IsString(msg) &&
		 strstr(msg->valuestring, "compacted"))
		cls = SK_ERR_COMPACTED;
	else if (code == GRPC_UNAVAILABLE)
		cls = SK_ERR_NET;
	if (cJSON_IsString(msg))
		sk_failc(err, cls, 0, "etcd: %s", msg->valuestring);
	else if (body && strstr(body, "CommonName of client"))
		/* etcd 3.4's gateway, with auth on, refuses any client
		 * certificate that has a common name (it could not pass it on). */
		sk_failc(err, cls, 0,
			 "etcd refuses a client certificate with a common name when auth is on: "
			 "issue it with a subject that has no CN");
	else
		sk_failc(err, cls, 0, "etcd: HTTP status %d", status);
	cJSON_Delete(j);
	return -1;
}

static int is_auth_error(const char *body)
{
	return body && (strstr(body, "invalid auth token") || strstr(body, "\"code\":16"));
}

/* Before the first request on a new connection: the member must answer
 * GET /version within the dial timeout (a frozen one never does). */
static int ready(struct etcd *e, struct http_client *http, size_t ep, struct sk_err *err)
{
	char url[HTTP_MAX_URL + 16];
	SK_AUTOFREE char *body = NULL;
	snprintf(url, sizeof url, "%s/version", e->endpoints[ep]);
	if (http_client_connected(http, url))
		return 0;
	struct http_response *resp = malloc(sizeof *resp);
	struct http_request req = {.url = url};
	if (!resp)
		return sk_fail(err, ENOMEM, "etcd request");
	int timeout_ms = http_client_set_timeout(http, e->opts.dial_timeout_ms);
	int rc = http_request(http, &req, resp, err);
	free(resp);
	if (rc == 0)
		rc = http_body_read_all(http, MAX_VERSION_ANSWER, &body, NULL, err);
	http_client_set_timeout(http, timeout_ms);
	if (rc < 0)
		return sk_wrap(err, "etcd %s: no answer within %d ms", e->endpoints[ep],
			       e->opts.dial_timeout_ms),
		       sk_class(err, SK_ERR_NET);
	return 0;
}

/* One POST to one endpoint. Returns the HTTP status (answer in *body), or
 * -1 (SK_ERR_NET if the endpoint could not be reached). */
static int post_once(struct etcd *e, struct http_client *http, size_t ep, const char *path,
		     const char *json, char **body, struct sk_err *err)
{
	char url[HTTP_MAX_URL + 64];
	char auth[4096];
	const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
	snprintf(url, sizeof url, "%s%s", e->endpoints[ep], path);
	if (e->token) {
		snprintf(auth, sizeof auth, "Authorization: %s", e->token);
		headers[1] = auth;
	}
	struct http_request req = {.method = "POST",
				   .url = url,
				   .headers = headers,
				   .body = json,
				   .body_len = strlen(json)};
	struct http_response *resp = malloc(sizeof *resp);
	if (!resp)
		return sk_fail(err, ENOMEM, "etcd request");
	if (ready(e, http, ep, err) < 0) {
		free(resp);
		return -1;
	}
	int rc = http_request(http, &req, resp, err);
	int status = resp->status;
	free(resp);
	if (rc < 0 || (body && http_body_read_all(http, MAX_ANSWER, body, NULL, err) < 0))
		return sk_class(err, SK_ERR_NET);
	return status;
}

static int authenticate(struct etcd *e, size_t ep, struct sk_err *err)
{
	cJSON *j = cJSON_CreateObject();
	SK_AUTOFREE char *body = NULL;
	cJSON_AddStringToObject(j, "name", e->opts.user);
	cJSON_AddStringToObject(j, "password", e->opts.password ? e->opts.password : "");
	SK_AUTOFREE char *json = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	free(e->token);
	e->token = NULL;
	if (!json)
		return sk_fail(err, ENOMEM, "authenticate");
	int status = post_once(e, e->http, ep, "/v3/auth/authenticate", json, &body, err);
	if (status < 0)
		return -1;
	if (status != 200) {
		/* "authentication failed": no such user (node remove deleted
		 * it) or another password. Not "auth not enabled" nor a 5xx:
		 * neither says these credentials are refused. */
		etcd_error_from_json(body, status, err);
		if (err->cls == SK_ERR_FAIL && strstr(err->msg, "authentication failed"))
			sk_class(err, SK_ERR_AUTH);
		return sk_wrap(err, "authenticate as %s", e->opts.user);
	}
	cJSON *a = cJSON_Parse(body);
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(a, "token");
	if (cJSON_IsString(tok))
		e->token = strdup(tok->valuestring);
	cJSON_Delete(a);
	return e->token ? 0 : sk_fail(err, 0, "authenticate as %s: no token", e->opts.user);
}

/* One call on one endpoint, re-authenticating once if the token is stale. */
static int call_endpoint(struct etcd *e, size_t ep, const char *path, const char *json, cJSON **out,
			 struct sk_err *err)
{
	for (int attempt = 0;; attempt++) {
		SK_AUTOFREE char *body = NULL;
		if (e->opts.user && !e->token && authenticate(e, ep, err) < 0)
			return -1;
		int status = post_once(e, e->http, ep, path, json, &body, err);
		if (status < 0)
			return -1;
		if (status == 200) {
			if (!(*out = cJSON_Parse(body)))
				return sk_fail(err, 0, "etcd %s: answer is not JSON", path);
			return 0;
		}
		if (e->opts.user && attempt == 0 && (status == 401 || is_auth_error(body))) {
			free(e->token);
			e->token = NULL;
			continue;
		}
		return etcd_error_from_json(body, status, err);
	}
}

/* Failed for want of an answer: another endpoint may give one. */
static int unreachable(int rc, const struct sk_err *err)
{
	return rc < 0 && err->cls == SK_ERR_NET;
}

int etcd_call(struct etcd *e, const char *path, const cJSON *body, cJSON **out, struct sk_err *err)
{
	SK_AUTOFREE char *json = cJSON_PrintUnformatted(body);
	size_t order[ETCD_MAX_ENDPOINTS];
	struct sk_err local;
	if (!err)
		err = &local; /* failover needs the class */
	if (!json)
		return sk_fail(err, ENOMEM, "etcd request");
	if (ensure_http(e, err) < 0)
		return -1;
	int rc = sk_failc(err, SK_ERR_NET, 0, "no etcd endpoint");
	size_t n = endpoint_order(e, order);
	for (size_t i = 0; i < n; i++) {
		rc = call_endpoint(e, order[i], path, json, out, err);
		etcd_endpoint_note(e, order[i], !unreachable(rc, err));
		if (!unreachable(rc, err)) {
			e->current = order[i];
			return rc;
		}
	}
	if (e->nendpoints > 1)
		sk_wrap(err, "no etcd endpoint answered (last tried)");
	return rc;
}

int etcd_call_at(struct etcd *e, size_t ep, int timeout_ms, const char *path, const cJSON *body,
		 cJSON **out, struct sk_err *err)
{
	SK_AUTOFREE char *json = cJSON_PrintUnformatted(body);
	struct sk_err local;
	if (!err)
		err = &local;
	if (!json)
		return sk_fail(err, ENOMEM, "etcd request");
	if (ensure_http(e, err) < 0)
		return -1;
	http_client_set_timeout(e->http, timeout_ms);
	int rc = call_endpoint(e, ep, path, json, out, err);
	http_client_set_timeout(e->http, e->opts.timeout_ms);
	etcd_endpoint_note(e, ep, !unreachable(rc, err));
	return rc;
}

/* Opens the stream on one endpoint: 0 with *http, or -1. */
static int stream_at(struct etcd *e, size_t ep, const char *path, const char *json,
		     struct http_client **http, struct sk_err *err)
{
	struct http_client_opts o = http_opts(e, e->opts.timeout_ms);
	struct http_client *h;
	int rc;
	if (e->opts.user && !e->token && (rc = authenticate(e, ep, err)) < 0)
		return -1;
	if (http_client_new(&o, &h, err) < 0)
		return -1;
	int status = post_once(e, h, ep, path, json, NULL, err);
	if (status == 200) {
		*http = h;
		return 0;
	}
	if (status < 0) {
		http_client_free(h);
		return -1;
	}
	SK_AUTOFREE char *ebody = NULL;
	http_body_read_all(h, 1 << 16, &ebody, NULL, err);
	http_client_free(h);
	if (status == 401 || is_auth_error(ebody)) {
		free(e->token);
		e->token = NULL;
	}
	return etcd_error_from_json(ebody, status, err);
}

int etcd_stream_open(struct etcd *e, const char *path, const cJSON *body, struct http_client **http,
		     size_t *ep, struct sk_err *err)
{
	SK_AUTOFREE char *json = cJSON_PrintUnformatted(body);
	size_t order[ETCD_MAX_ENDPOINTS];
	struct sk_err local;
	if (!err)
		err = &local;
	if (!json)
		return sk_fail(err, ENOMEM, "etcd request");
	if (ensure_http(e, err) < 0)
		return -1;
	int rc = sk_failc(err, SK_ERR_NET, 0, "no etcd endpoint");
	size_t n = endpoint_order(e, order);
	for (size_t i = 0; i < n; i++) {
		rc = stream_at(e, order[i], path, json, http, err);
		etcd_endpoint_note(e, order[i], !unreachable(rc, err));
		if (!unreachable(rc, err)) {
			if (rc == 0)
				e->current = *ep = order[i];
			return rc;
		}
	}
	return rc;
}
