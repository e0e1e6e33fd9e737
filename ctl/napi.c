/* Talking to a node's API (see napi.h). */
#define _GNU_SOURCE
#include "napi.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "napi_internal.h"
#include "tls_conn.h"

#define CONNECT_MS 10000
#define REPLY_MS   30000

/* ---- where ---- */

static int split_addr(const char *addr, struct napi_target *t, struct sk_err *err)
{
	const char *colon = strrchr(addr, ':');
	const char *host = addr;
	size_t hl = colon ? (size_t)(colon - addr) : 0;

	if (addr[0] == '[' && colon && colon > addr && colon[-1] == ']')
		host = addr + 1, hl -= 2;
	if (!colon || hl == 0 || hl >= sizeof t->host || strlen(colon + 1) >= sizeof t->port ||
	    !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return ctl_usage_error(err, "--addr %s: expected HOST:PORT", addr);
	memcpy(t->host, host, hl);
	t->host[hl] = '\0';
	snprintf(t->port, sizeof t->port, "%s", colon + 1);
	return 0;
}

/* A joined node's identity record: revoked by node remove, its certificate
 * must not be trusted though the CA signed it (no CRL: the record is it). */
static int read_identity(struct ctl *c, struct napi_target *t, struct sk_err *err)
{
	char key[KEY_MAX];
	cJSON *rec = NULL;
	int rc = ctl_get_json(c, ctl_key(c, key, "identities/%s", t->node), &rec, NULL, err);
	if (rc <= 0)
		return rc;
	const char *at = json_record_str(rec, "revokedAt"),
		   *sha = json_record_str(rec, "certSha256");
	if (*at && strlen(sha) == 64) {
		snprintf(t->revoked_at, sizeof t->revoked_at, "%s", at);
		snprintf(t->revoked_sha, sizeof t->revoked_sha, "%s", sha);
	}
	cJSON_Delete(rec);
	return 0;
}

int napi_target_node(struct ctl *c, const char *node, const char *addr, struct napi_target *t,
		     struct sk_err *err)
{
	char key[KEY_MAX];
	cJSON *rec = NULL;
	int rc;

	memset(t, 0, sizeof *t);
	snprintf(t->node, sizeof t->node, "%s", node);
	if ((rc = ctl_connect(c, err)) < 0 || (rc = read_identity(c, t, err)) < 0 ||
	    (rc = ctl_get_json(c, ctl_key(c, key, "nodes/%s", node), &rec, NULL, err)) < 0)
		return rc;
	if (rc == 0 && !addr)
		return sk_failc(err, SK_ERR_NOTFOUND, 0,
				"node %s: no node record (is it up?); --addr reaches it anyway",
				node);
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(rec, "api");
	const cJSON *first =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rec, "addresses"), 0);
	snprintf(t->name, sizeof t->name, "%s", json_record_str(api, "name"));
	snprintf(
	    t->port, sizeof t->port, "%lld",
	    (long long)(json_record_int(api, "port", 0) ? json_record_int(api, "port", 0) : 7443));
	if (cJSON_IsString(first))
		snprintf(t->host, sizeof t->host, "%s", first->valuestring);
	cJSON_Delete(rec);
	if (addr)
		return split_addr(addr, t, err);
	if (!api)
		return sk_fail(err, 0,
			       "node %s: its agent serves no node API (cluster.api is not "
			       "set in its image)",
			       node);
	if (!t->host[0])
		return sk_fail(err, 0, "node %s: its record has no address", node);
	return 0;
}

int napi_target_task(struct ctl *c, const char *task, const char *addr, struct napi_target *t,
		     struct sk_err *err)
{
	char key[KEY_MAX], node[128];
	cJSON *rec = NULL;
	int rc;

	if ((rc = ctl_connect(c, err)) < 0 ||
	    (rc = ctl_get_json(c, ctl_key(c, key, "tasks/%s", task), &rec, NULL, err)) < 0)
		return rc;
	if (rc == 0)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "task %s: not found", task);
	snprintf(node, sizeof node, "%s", json_record_str(rec, "node"));
	cJSON_Delete(rec);
	if (!node[0])
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "task %s: not placed on a node yet", task);
	return napi_target_node(c, node, addr, t, err);
}

/* ---- connecting ---- */

static int tcp_connect(const struct napi_target *t, struct sk_err *err)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	int gai = getaddrinfo(t->host, t->port, &hints, &res), fd = -1, e = 0;

	if (gai)
		return sk_fail(err, 0, "node %s: resolve %s: %s", t->node, t->host,
			       gai_strerror(gai));
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int soerr = 0;
		socklen_t sl = sizeof soerr;
		if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		     (errno == EINPROGRESS && poll(&p, 1, CONNECT_MS) == 1 &&
		      getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)))
			break;
		e = soerr ? soerr : errno ? errno : ETIMEDOUT;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return sk_fail(err, e, "node %s: connect %s port %s", t->node, t->host, t->port);
	return fd;
}

static int load_credentials(struct ctl *c, struct napi *n, struct sk_err *err)
{
	if (!c->api_cert || !c->api_key || !c->api_ca)
		return ctl_usage_error(err,
				       "node API: give the cluster CA and an operator certificate "
				       "(--api-cacert, --api-cert, --api-key or the config file's "
				       "api_cacert, api_cert, api_key; skiffctl ca issue operator "
				       "NAME makes one)");
	if (tls_identity_load("operator", c->api_cert, c->api_key, &n->id, err) < 0 ||
	    tls_anchors_load(c->api_ca, &n->ca, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	return 0;
}

int napi_open(struct ctl *c, const struct napi_target *t, struct napi **out, struct sk_err *err)
{
	struct napi *n = calloc(1, sizeof *n);
	struct tls_conn_opts o = {.peer_role = X509_ROLE_NODE};
	int rc;

	if (!n)
		return sk_fail(err, ENOMEM, "node API");
	n->fd = -1;
	n->t = *t;
	if ((rc = load_credentials(c, n, err)) < 0 || (rc = n->fd = tcp_connect(t, err)) < 0) {
		napi_close(n);
		return rc;
	}
	o.id = n->id;
	o.ca = &n->ca;
	o.peer_cn = t->name[0] ? t->name : NULL;
	if (tls_conn_client(n->fd, &o, &n->tls, err) < 0 ||
	    tls_conn_wait_handshake(n->tls, sk_now_ms() + CONNECT_MS, err) < 0) {
		sk_wrap(err, "node %s (%s port %s)", t->node, t->host, t->port);
		napi_close(n);
		return -1;
	}
	char sha[65];
	tls_conn_peer_sha256(n->tls, sha);
	if (t->revoked_sha[0] && !strcmp(sha, t->revoked_sha)) {
		napi_close(n);
		return sk_fail(err, 0,
			       "node %s: its identity was revoked at %s (skiffctl node remove); "
			       "refusing its certificate (sha256 %.12s…)",
			       t->node, t->revoked_at, sha);
	}
	*out = n;
	return 0;
}

void napi_close(struct napi *n)
{
	if (!n)
		return;
	tls_conn_free(n->tls);
	if (n->fd >= 0)
		close(n->fd);
	tls_identity_free(n->id);
	tls_anchors_free(&n->ca);
	free(n);
}

/* ---- requests ---- */

int napi_request(struct napi *n, const char *method, const char *target, const char *body,
		 const char *extra_headers, struct http_response *resp, struct sk_err *err)
{
	char head[2048];
	size_t blen = body ? strlen(body) : 0;
	int64_t deadline = sk_now_ms() + REPLY_MS;
	int len = snprintf(head, sizeof head,
			   "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: skiffctl\r\n%s"
			   "Content-Length: %zu\r\n\r\n",
			   method, target, n->t.host, n->t.port, extra_headers ? extra_headers : "",
			   blen);

	if (len < 0 || (size_t)len >= sizeof head)
		return sk_fail(err, 0, "node API request too long");
	if (tls_conn_wait_write(n->tls, head, (size_t)len, deadline, err) < 0 ||
	    (blen && tls_conn_wait_write(n->tls, body, blen, deadline, err) < 0) ||
	    tls_conn_wait_flush(n->tls, deadline, err) < 0)
		return sk_wrap(err, "node %s", n->t.node);
	for (;;) {
		char *end = n->rlen >= 4 ? memmem(n->rbuf, n->rlen, "\r\n\r\n", 4) : NULL;
		if (end) {
			size_t hl = (size_t)(end + 4 - n->rbuf);
			memcpy(resp->head, n->rbuf, hl);
			memmove(n->rbuf, n->rbuf + hl, n->rlen - hl);
			n->rlen -= hl;
			return http_parse_head(resp, hl, 0, err);
		}
		if (n->rlen == sizeof n->rbuf)
			return sk_fail(err, 0, "node %s: response head too large", n->t.node);
		ssize_t r = tls_conn_wait_read(n->tls, n->rbuf + n->rlen, sizeof n->rbuf - n->rlen,
					       deadline, err);
		if (r <= 0)
			return r == 0 ? sk_fail(err, 0, "node %s: closed the connection", n->t.node)
				      : sk_wrap(err, "node %s", n->t.node);
		n->rlen += (size_t)r;
	}
}

static int feed(struct napi *n, const struct http_response *resp, struct http_chunked *ch,
		const char *p, size_t len, http_body_fn fn, void *ctx, int *done,
		struct sk_err *err)
{
	size_t used;

	if (resp->framing != HTTP_BODY_CHUNKED)
		return fn(ctx, p, len, err) ? -1 : 0;
	if (http_chunked_feed(ch, p, len, &used, fn, ctx, err) < 0)
		return -1;
	*done = ch->done;
	return 0;
}

int napi_body(struct napi *n, const struct http_response *resp, http_body_fn fn, void *ctx,
	      struct sk_err *err)
{
	struct http_chunked ch;
	int64_t left = resp->framing == HTTP_BODY_LENGTH ? resp->content_length : -1;
	int done = resp->framing == HTTP_BODY_NONE;
	char buf[16384];

	http_chunked_init(&ch);
	if (n->rlen && !done) {
		size_t take = left >= 0 && (int64_t)n->rlen > left ? (size_t)left : n->rlen;
		if (feed(n, resp, &ch, n->rbuf, take, fn, ctx, &done, err) < 0)
			return -1;
		left -= left >= 0 ? (int64_t)take : 0;
		n->rlen = 0;
	}
	while (!done && left != 0) {
		ssize_t r = tls_conn_wait_read(
		    n->tls, buf, left > 0 && left < (int64_t)sizeof buf ? (size_t)left : sizeof buf,
		    sk_now_ms() + 24LL * 3600 * 1000, err);
		if (r == 0 && resp->framing == HTTP_BODY_CLOSE)
			return 0;
		if (r <= 0)
			return r == 0
				   ? sk_fail(err, 0, "node %s: the answer was cut short", n->t.node)
				   : sk_wrap(err, "node %s", n->t.node);
		if (feed(n, resp, &ch, buf, (size_t)r, fn, ctx, &done, err) < 0)
			return -1;
		left -= left >= 0 ? r : 0;
	}
	return 0;
}

static int collect(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	char *buf = ctx;
	size_t have = strlen(buf), n = len < 1023 - have ? len : 1023 - have;

	memcpy(buf + have, data, n);
	buf[have + n] = '\0';
	return 0;
}

int napi_error(struct napi *n, const struct http_response *resp, struct sk_err *err)
{
	char body[1024] = "";
	struct sk_err e2 = {0};

	napi_body(n, resp, collect, body, &e2);
	cJSON *j = cJSON_Parse(body);
	const char *msg = json_record_str(j, "error");
	sk_fail(err, 0, "node %s: %s", n->t.node, *msg ? msg : "error");
	cJSON_Delete(j);
	if (resp->status == 404)
		return sk_class(err, SK_ERR_NOTFOUND);
	return resp->status >= 400 && resp->status < 500 ? sk_class(err, SK_ERR_USAGE) : -1;
}
