/* The HTTP/1.1 client (see http.h): its life, and requests (sent on the
 * one connection, retried once on a stale keep-alive, redirects followed).
 * URLs are in http_url.c, TLS trust in http_tls.c, the connection in
 * http_conn.c, heads and bodies in http_message.c. */
#include "http_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"

#define DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

int http_client_new(const struct http_client_opts *opts, struct http_client **out,
		    struct sk_err *err)
{
	struct http_client *c = calloc(1, sizeof *c);
	if (!c)
		return sk_fail(err, ENOMEM, "http client");
	c->fd = -1;
	c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	c->ca_file = strdup(opts && opts->ca_file ? opts->ca_file : DEFAULT_CA_FILE);
	if (!c->ca_file) {
		free(c);
		return sk_fail(err, ENOMEM, "http client");
	}
	if (opts && (opts->cert_file || opts->key_file) &&
	    http_tls_load_identity(opts->cert_file, opts->key_file, &c->id, err) < 0) {
		http_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int http_client_set_timeout(struct http_client *c, int timeout_ms)
{
	int old = c->timeout_ms;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	if (c->fd >= 0)
		http_conn_set_timeouts(c->fd, c->timeout_ms);
	return old;
}

int http_client_connected(const struct http_client *c, const char *url)
{
	struct http_url u;
	if (c->fd < 0 || !c->reusable || c->body_pending || http_url_parse(url, &u, NULL) < 0)
		return 0;
	return c->tls == u.tls && strcmp(c->host, u.host) == 0 && strcmp(c->port, u.port) == 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	http_conn_close(c);
	http_tls_free(c);
	free(c->ca_file);
	free(c);
}

/* ---- requests ---- */

static int header_is(const char *line, const char *name)
{
	size_t n = strlen(name);
	return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

static int build_request(const struct http_url *u, const char *method,
			 const struct http_request *req, int drop_auth, char **out,
			 struct sk_err *err)
{
	size_t cap = strlen(u->path) + strlen(u->host) + 256;
	for (const char *const *h = req->headers; h && *h; h++)
		cap += strlen(*h) + 2;
	char *buf = malloc(cap);
	if (!buf)
		return sk_fail(err, ENOMEM, "http request");
	int default_port = strcmp(u->port, u->tls ? "443" : "80") == 0;
	int ipv6 = strchr(u->host, ':') != NULL;
	size_t n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n", method, u->path,
			    ipv6 ? "[" : "", u->host, ipv6 ? "]" : "", default_port ? "" : ":",
			    default_port ? "" : u->port);
	for (const char *const *h = req->headers; h && *h; h++) {
		if (strpbrk(*h, "\r\n")) {
			free(buf);
			return sk_fail(err, 0, "http request: header with a line break");
		}
		if (drop_auth && header_is(*h, "Authorization"))
			continue;
		n += snprintf(buf + n, cap - n, "%s\r\n", *h);
	}
	if (req->body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
		n += snprintf(buf + n, cap - n, "Content-Length: %zu\r\n", req->body_len);
	snprintf(buf + n, cap - n, "User-Agent: skiff\r\n\r\n");
	*out = buf;
	return 0;
}

static int send_once(struct http_client *c, const struct http_url *u, const char *method,
		     const struct http_request *req, int drop_auth, struct http_response *resp,
		     struct sk_err *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = c->fd >= 0;
		if (http_conn_open(c, u, err) < 0)
			return -1;
		SK_AUTOFREE char *head = NULL;
		if (build_request(u, method, req, drop_auth, &head, err) < 0)
			return -1;
		if (http_conn_write(c, head, strlen(head), err) < 0 ||
		    (req->body_len && http_conn_write(c, req->body, req->body_len, err) < 0) ||
		    http_conn_flush(c, err) < 0) {
			if (reused)
				continue;
			return -1;
		}
		int r = http_read_head(c, resp, strcmp(method, "HEAD") == 0, err);
		if (r < 0)
			return -1;
		if (r == 1)
			return 0;
		if (!reused)
			break;
	}
	return sk_fail(err, 0, "%s:%s: connection closed before a response", u->host, u->port);
}

static void start_body(struct http_client *c, const struct http_response *resp)
{
	c->framing = resp->framing;
	c->left = resp->framing == HTTP_BODY_LENGTH ? (uint64_t)resp->content_length : 0;
	http_chunked_init(&c->chunked);
	c->body_pending = resp->framing != HTTP_BODY_NONE;
	if (!resp->keep_alive)
		c->reusable = 0;
}

static int is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int http_request(struct http_client *c, const struct http_request *req, struct http_response *resp,
		 struct sk_err *err)
{
	struct http_url u;
	const char *method = req->method ? req->method : "GET";
	if (c->body_pending)
		http_conn_close(c);
	if (http_url_parse(req->url, &u, err) < 0)
		return -1;
	char first_host[256];
	strcpy(first_host, u.host);
	for (int hops = 0;; hops++) {
		int drop_auth = !req->keep_auth && strcmp(u.host, first_host) != 0;
		if (send_once(c, &u, method, req, drop_auth, resp, err) < 0)
			return -1;
		resp->url = u;
		start_body(c, resp);
		const char *loc = http_header_get(resp, "Location");
		if (!is_redirect(resp->status) || !loc || hops >= req->max_redirects)
			return 0;
		struct http_url next;
		if (http_url_resolve(&u, loc, &next, err) < 0)
			return -1;
		if (http_body_discard(c, err) < 0)
			return -1;
		if (resp->status == 303)
			method = "GET";
		u = next;
	}
}
