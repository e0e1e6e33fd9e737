/* HTTP/1.1 messages on the client's connection: response heads (status
 * line, bounded headers, how the body is framed), requests (the head
 * written from a URL, method and headers; redirects followed, with
 * Authorization dropped across hosts unless kept), and bodies
 * (Content-Length, chunked through a push decoder, or until close)
 * streamed into a callback. The connection itself is http_conn.c's; see
 * http.h. */
#include "http_conn.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "hex.h"

/* ---- response heads ---- */

const char *http_header_get(const struct http_response *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int parse_status_line(struct http_response *r, char *line, struct sk_err *err)
{
	if (strncmp(line, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)line[7]) || line[8] != ' ')
		return sk_fail(err, 0, "bad HTTP status line \"%.80s\"", line);
	for (int i = 9; i < 12; i++)
		if (!isdigit((unsigned char)line[i]))
			return sk_fail(err, 0, "bad HTTP status line \"%.80s\"", line);
	if (line[12] != '\0' && line[12] != ' ' && line[12] != '\r')
		return sk_fail(err, 0, "bad HTTP status line \"%.80s\"", line);
	r->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
	r->keep_alive = line[7] != '0';
	return 0;
}

static int parse_header_line(struct http_response *r, char *line, struct sk_err *err)
{
	char *colon = strchr(line, ':');
	char *space = strpbrk(line, " \t");
	if (!colon || colon == line || (space && space < colon))
		return sk_fail(err, 0, "bad HTTP header line \"%.80s\"", line);
	if (r->nheaders == HTTP_MAX_HEADERS)
		return sk_fail(err, 0, "more than %d HTTP headers", HTTP_MAX_HEADERS);
	*colon = '\0';
	r->headers[r->nheaders].name = line;
	r->headers[r->nheaders].value = trim(colon + 1);
	r->nheaders++;
	return 0;
}

static int has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, ",");
		size_t m = n;
		while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
			m--;
		if (m == tl && strncasecmp(p, token, tl) == 0)
			return 1;
		p += n;
	}
	return 0;
}

static int set_framing(struct http_response *r, int method_head, struct sk_err *err)
{
	const char *te = http_header_get(r, "Transfer-Encoding");
	const char *cl = http_header_get(r, "Content-Length");
	const char *conn = http_header_get(r, "Connection");
	if (conn && has_token(conn, "close"))
		r->keep_alive = 0;
	else if (conn && has_token(conn, "keep-alive"))
		r->keep_alive = 1;
	r->content_length = -1;
	if (cl) {
		char *end;
		errno = 0;
		long long v = strtoll(cl, &end, 10);
		if (errno || end == cl || *end || v < 0 || !isdigit((unsigned char)*cl))
			return sk_fail(err, 0, "bad Content-Length \"%.40s\"", cl);
		r->content_length = v;
	}
	if (method_head || r->status == 204 || r->status == 304 || r->status / 100 == 1) {
		r->framing = HTTP_BODY_NONE;
	} else if (te && !has_token(te, "identity")) {
		if (!has_token(te, "chunked"))
			return sk_fail(err, 0, "unsupported Transfer-Encoding \"%.40s\"", te);
		r->framing = HTTP_BODY_CHUNKED;
		r->content_length = -1;
	} else if (cl) {
		r->framing = r->content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	} else {
		r->framing = HTTP_BODY_CLOSE;
		r->keep_alive = 0;
	}
	return 0;
}

int http_parse_head(struct http_response *r, size_t len, int method_head, struct sk_err *err)
{
	r->nheaders = 0;
	r->head[len] = '\0';
	if (strlen(r->head) != len)
		return sk_fail(err, 0, "NUL byte in HTTP response head");
	char *save = NULL;
	char *line = strtok_r(r->head, "\n", &save);
	if (!line || parse_status_line(r, line, err) < 0)
		return line ? -1 : sk_fail(err, 0, "empty HTTP response");
	while ((line = strtok_r(NULL, "\n", &save))) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')
			return sk_fail(err, 0, "folded HTTP header not supported");
		if (parse_header_line(r, line, err) < 0)
			return -1;
	}
	return set_framing(r, method_head, err);
}

/* Finds the end of the head in rbuf; returns its length or 0 if incomplete. */
static size_t head_end(const char *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Returns 1 when the head was read, 0 when the connection closed before
 * any byte (a stale keep-alive connection), < 0 on error. */
static int read_head(struct http_client *c, struct http_response *r, int method_head,
		     struct sk_err *err)
{
	for (;;) {
		size_t avail = c->rlen - c->rpos;
		size_t n = head_end(c->rbuf + c->rpos, avail);
		if (n == 0 && avail > HTTP_MAX_HEAD_BYTES)
			n = avail; /* fall through to the size check */
		if (n > 0) {
			if (n > HTTP_MAX_HEAD_BYTES)
				return sk_fail(err, 0, "%s:%s: response head larger than %d bytes",
					       c->host, c->port, HTTP_MAX_HEAD_BYTES);
			memcpy(r->head, c->rbuf + c->rpos, n);
			c->rpos += n;
			return http_parse_head(r, n, method_head, err) < 0 ? -1 : 1;
		}
		int got = conn_fill(c, err);
		if (got < 0)
			return -1;
		if (got == 0) {
			int fresh = avail == 0;
			conn_close(c);
			if (fresh)
				return 0;
			return sk_failc(err, SK_ERR_NET, 0,
					"%s:%s: connection closed in response head", c->host,
					c->port);
		}
	}
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
		if (conn_open(c, u, err) < 0)
			return -1;
		SK_AUTOFREE char *head = NULL;
		if (build_request(u, method, req, drop_auth, &head, err) < 0)
			return -1;
		if (conn_write(c, head, strlen(head), err) < 0 ||
		    (req->body_len && conn_write(c, req->body, req->body_len, err) < 0) ||
		    conn_flush(c, err) < 0) {
			if (reused)
				continue;
			return -1;
		}
		int r = read_head(c, resp, strcmp(method, "HEAD") == 0, err);
		if (r < 0)
			return -1;
		if (r == 1)
			return 0;
		if (!reused)
			break;
	}
	return sk_failc(err, SK_ERR_NET, 0, "%s:%s: connection closed before a response", u->host,
			u->port);
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
		conn_close(c);
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

/* ---- bodies ---- */

void http_chunked_init(struct http_chunked *ch)
{
	memset(ch, 0, sizeof *ch);
}

enum { CH_SIZE, CH_EXT, CH_DATA, CH_DATA_END, CH_TRAILER_START, CH_TRAILER, CH_DONE };

static int chunk_size_end(struct http_chunked *ch, struct sk_err *err)
{
	if (ch->digits == 0)
		return sk_fail(err, 0, "chunked body: missing chunk size");
	ch->state = ch->left ? CH_DATA : CH_TRAILER_START;
	ch->digits = 0;
	return 0;
}

static int chunk_byte(struct http_chunked *ch, char b, struct sk_err *err)
{
	switch (ch->state) {
	case CH_SIZE:
		if (sk_hex_digit(b) >= 0) {
			if (++ch->digits > 15)
				return sk_fail(err, 0, "chunked body: chunk size too large");
			ch->left = ch->left * 16 + sk_hex_digit(b);
			return 0;
		}
		if (b == '\n')
			return chunk_size_end(ch, err);
		if (b != ';' && b != ' ' && b != '\t' && b != '\r')
			return sk_fail(err, 0, "chunked body: bad chunk size");
		if (ch->digits == 0)
			return sk_fail(err, 0, "chunked body: missing chunk size");
		ch->state = CH_EXT;
		ch->digits += 16; /* remember digits were seen; counts extension bytes too */
		return 0;
	case CH_EXT:
		if (b == '\n')
			return chunk_size_end(ch, err);
		if (++ch->digits > 4096)
			return sk_fail(err, 0, "chunked body: chunk extension too long");
		return 0;
	case CH_DATA_END:
		if (b == '\r')
			return 0;
		if (b != '\n')
			return sk_fail(err, 0, "chunked body: missing CRLF after chunk data");
		ch->state = CH_SIZE;
		ch->left = 0;
		return 0;
	case CH_TRAILER_START:
		if (b == '\r')
			return 0;
		ch->state = b == '\n' ? CH_DONE : CH_TRAILER;
		ch->done = b == '\n';
		return 0;
	case CH_TRAILER:
		if (b == '\n')
			ch->state = CH_TRAILER_START;
		else if (++ch->digits > 16384)
			return sk_fail(err, 0, "chunked body: trailer too long");
		return 0;
	}
	return 0;
}

int http_chunked_feed(struct http_chunked *ch, const char *in, size_t len, size_t *used,
		      http_body_fn fn, void *ctx, struct sk_err *err)
{
	size_t i = 0;
	while (i < len && ch->state != CH_DONE) {
		if (ch->state == CH_DATA) {
			size_t n = len - i < ch->left ? len - i : (size_t)ch->left;
			if (fn(ctx, in + i, n, err) != 0)
				return -1;
			i += n;
			ch->left -= n;
			if (ch->left == 0)
				ch->state = CH_DATA_END;
			continue;
		}
		if (chunk_byte(ch, in[i++], err) < 0)
			return -1;
	}
	*used = i;
	return 0;
}

static int deliver(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err)
{
	const char *p = c->rbuf + c->rpos;
	size_t avail = c->rlen - c->rpos, used = avail;
	switch (c->framing) {
	case HTTP_BODY_LENGTH:
		used = avail < c->left ? avail : (size_t)c->left;
		if (used && fn(ctx, p, used, err) != 0)
			return -1;
		c->left -= used;
		c->body_pending = c->left > 0;
		break;
	case HTTP_BODY_CHUNKED:
		if (http_chunked_feed(&c->chunked, p, avail, &used, fn, ctx, err) < 0)
			return -1;
		c->body_pending = !c->chunked.done;
		break;
	case HTTP_BODY_CLOSE:
		if (avail && fn(ctx, p, avail, err) != 0)
			return -1;
		break;
	default:
		c->body_pending = 0;
		used = 0;
	}
	c->rpos += used;
	return 0;
}

static int body_done(struct http_client *c)
{
	if (!c->reusable)
		conn_close(c);
	return 0;
}

int http_body_read_some(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err)
{
	if (c->body_pending && c->rpos < c->rlen) {
		/* what is buffered first; a read only when it is gone */
		if (deliver(c, fn, ctx, err) < 0) {
			conn_close(c);
			return -1;
		}
		return c->body_pending ? 1 : body_done(c);
	}
	if (!c->body_pending)
		return body_done(c);
	int n = conn_fill(c, err);
	if (n < 0)
		return -1;
	if (n == 0) {
		int whole = c->framing == HTTP_BODY_CLOSE;
		conn_close(c);
		if (whole)
			return 0;
		return sk_failc(err, SK_ERR_NET, 0, "%s:%s: connection closed in the body", c->host,
				c->port);
	}
	if (deliver(c, fn, ctx, err) < 0) {
		conn_close(c);
		return -1;
	}
	return c->body_pending ? 1 : body_done(c);
}

int http_body_read(struct http_client *c, http_body_fn fn, void *ctx, struct sk_err *err)
{
	int rc;
	while ((rc = http_body_read_some(c, fn, ctx, err)) > 0)
		;
	return rc;
}

int http_body_wait(struct http_client *c, int timeout_ms)
{
	if (!c->body_pending || c->fd < 0)
		return 1;
	return conn_wait(c, timeout_ms);
}

struct body_buf {
	char *p;
	size_t len, max;
};

static int append_bounded(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	struct body_buf *b = ctx;
	if (len > b->max - b->len)
		return sk_fail(err, 0, "response body larger than %zu bytes", b->max);
	char *p = realloc(b->p, b->len + len + 1);
	if (!p)
		return sk_fail(err, ENOMEM, "response body");
	b->p = p;
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

int http_body_read_all(struct http_client *c, size_t max, char **out, size_t *len,
		       struct sk_err *err)
{
	struct body_buf b = {.p = malloc(1), .max = max};
	if (!b.p)
		return sk_fail(err, ENOMEM, "response body");
	if (http_body_read(c, append_bounded, &b, err) < 0) {
		free(b.p);
		return -1;
	}
	b.p[b.len] = '\0';
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
}

static int sink(void *ctx, const void *data, size_t len, struct sk_err *err)
{
	size_t *total = ctx;
	*total += len;
	if (*total > (1 << 20))
		return 1; /* not worth draining: close instead */
	return 0;
}

int http_body_discard(struct http_client *c, struct sk_err *err)
{
	size_t total = 0;
	if (!c->body_pending)
		return 0;
	if (http_body_read(c, sink, &total, err) < 0)
		conn_close(c); /* the body is unwanted; a failure only costs the connection */
	return 0;
}
