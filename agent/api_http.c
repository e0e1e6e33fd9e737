/* Node API request parsing (see api_http.h). Works on a copy of the head;
 * every field is bounded by the structure that receives it. */
#include "api_http.h"
#include "hex.h"
#include "nodeapi.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t api_head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' &&
		    buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/* Percent-decodes [s, s+n) into out (size bytes); '+' is a space in a
 * query. Decoded bytes must be printable and no '/'. */
static int decode(const char *s, size_t n, int query, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			int hi = sk_hex_digit(s[i + 1]), lo = sk_hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && query) {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f || (c == '/' && !query) || o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static int fail(int *status, int code, struct sk_err *err, const char *why)
{
	*status = code;
	return sk_fail(err, 0, "%s", why);
}

static int parse_path(struct api_request *r, const char *p, size_t n, int *status,
		      struct sk_err *err)
{
	size_t used = 0;

	if (n == 0 || p[0] != '/')
		return fail(status, 400, err, "request target: not an absolute path");
	for (size_t i = 1; i <= n;) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		if (j > i) {
			if (r->nseg == API_MAX_SEGMENTS)
				return fail(status, 404, err, "path: too many segments");
			char *seg = r->segbuf + used;
			if (decode(p + i, j - i, 0, seg, sizeof r->segbuf - used) < 0)
				return fail(status, 400, err,
					    "path: bad percent-encoding or character");
			if (!strcmp(seg, ".") || !strcmp(seg, ".."))
				return fail(status, 400, err, "path: dot segment");
			r->seg[r->nseg++] = seg;
			used += strlen(seg) + 1;
		}
		i = j + 1;
	}
	return 0;
}

static int add_param(struct api_request *r, const char *s, size_t n, int *status,
		     struct sk_err *err)
{
	const char *eq = memchr(s, '=', n);
	size_t nl = eq ? (size_t)(eq - s) : n;

	if (n == 0)
		return 0;
	if (r->nparams == API_MAX_PARAMS)
		return fail(status, 400, err, "query: too many parameters");
	struct api_param *p = &r->params[r->nparams];
	if (decode(s, nl, 1, p->name, sizeof p->name) < 0 || !p->name[0] ||
	    decode(eq ? eq + 1 : s + n, eq ? n - nl - 1 : 0, 1, p->value, sizeof p->value) < 0)
		return fail(status, 400, err, "query: bad parameter");
	if (api_param(r, p->name))
		return fail(status, 400, err, "query: parameter given twice");
	r->nparams++;
	return 0;
}

static int parse_query(struct api_request *r, const char *q, size_t n, int *status,
		       struct sk_err *err)
{
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && q[j] != '&')
			j++;
		if (add_param(r, q + i, j - i, status, err) < 0)
			return -1;
		i = j + 1;
	}
	return 0;
}

static int parse_request_line(struct api_request *r, const char *line, size_t n, int *status,
			      struct sk_err *err)
{
	const char *sp1 = memchr(line, ' ', n), *sp2;
	size_t ml;

	if (!sp1 || (ml = (size_t)(sp1 - line)) == 0 || ml >= sizeof r->method)
		return fail(status, 400, err, "bad request line");
	for (size_t i = 0; i < ml; i++)
		if (!isupper((unsigned char)line[i]))
			return fail(status, 400, err, "bad method");
	memcpy(r->method, line, ml);
	r->method[ml] = '\0';
	sp2 = memchr(sp1 + 1, ' ', n - ml - 1);
	if (!sp2)
		return fail(status, 400, err, "bad request line");
	const char *v = sp2 + 1;
	size_t vl = n - (size_t)(v - line);
	if (vl != 8 || (memcmp(v, "HTTP/1.1", 8) && memcmp(v, "HTTP/1.0", 8)))
		return fail(status, 505, err, "HTTP version not supported");
	const char *t = sp1 + 1;
	size_t tl = (size_t)(sp2 - t);
	if (tl > 1000)
		return fail(status, 414, err, "request target too long");
	const char *q = memchr(t, '?', tl);
	size_t pl = q ? (size_t)(q - t) : tl;
	if (memchr(t, '#', tl))
		return fail(status, 400, err, "request target: fragment");
	if (parse_path(r, t, pl, status, err) < 0)
		return -1;
	return q ? parse_query(r, q + 1, tl - pl - 1, status, err) : 0;
}

static int has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok);

	for (size_t i = 0; i < n;) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t j = i;
		while (j < n && v[j] != ',')
			j++;
		size_t e = j;
		while (e > i && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - i == tl && !strncasecmp(v + i, tok, tl))
			return 1;
		i = j;
	}
	return 0;
}

struct seen {
	int upgrade, conn_upgrade, length;
};

static int header(struct api_request *r, const char *name, size_t nl, const char *v, size_t vl,
		  struct seen *s, int *status, struct sk_err *err)
{
	if (nl == 14 && !strncasecmp(name, "Content-Length", 14)) {
		char num[16];
		if (s->length++ || vl == 0 || vl >= sizeof num)
			return fail(status, 400, err, "bad Content-Length");
		memcpy(num, v, vl);
		num[vl] = '\0';
		if (strspn(num, "0123456789") != vl)
			return fail(status, 400, err, "bad Content-Length");
		r->content_length = strtol(num, NULL, 10);
	} else if (nl == 17 && !strncasecmp(name, "Transfer-Encoding", 17)) {
		return fail(status, 501, err, "request bodies must have a Content-Length");
	} else if (nl == 7 && !strncasecmp(name, "Upgrade", 7)) {
		s->upgrade =
		    vl == strlen(NODEAPI_EXEC_PROTOCOL) && !strncmp(v, NODEAPI_EXEC_PROTOCOL, vl);
	} else if (nl == 10 && !strncasecmp(name, "Connection", 10)) {
		s->conn_upgrade = has_token(v, vl, "upgrade");
	}
	return 0;
}

static int token_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int parse_header_line(struct api_request *r, const char *line, size_t n, struct seen *s,
			     int *status, struct sk_err *err)
{
	const char *colon = memchr(line, ':', n);
	size_t nl;

	if (!colon || (nl = (size_t)(colon - line)) == 0)
		return fail(status, 400, err, "bad header line");
	for (size_t i = 0; i < nl; i++)
		if (!token_char(line[i]))
			return fail(status, 400, err, "bad header name");
	const char *v = colon + 1, *end = line + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (const char *p = v; p < end; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return fail(status, 400, err, "control character in a header");
	return header(r, line, nl, v, (size_t)(end - v), s, status, err);
}

int api_request_parse(const char *head, size_t len, struct api_request *r, int *status,
		      struct sk_err *err)
{
	struct seen s = {0};
	size_t i = 0, nheaders = 0;

	memset(r, 0, sizeof *r);
	r->content_length = -1;
	if (len > API_MAX_HEAD)
		return fail(status, 431, err, "request head too large");
	if (memchr(head, '\0', len))
		return fail(status, 400, err, "NUL in the request head");
	for (int first = 1; i < len; first = 0) {
		const char *eol = memchr(head + i, '\n', len - i);
		if (!eol || eol == head + i || eol[-1] != '\r')
			return fail(status, 400, err, "lines must end in CRLF");
		size_t n = (size_t)(eol - (head + i)) - 1;
		if (n == 0)
			break; /* the empty line */
		int rc;
		if (first)
			rc = parse_request_line(r, head + i, n, status, err);
		else if (++nheaders > API_MAX_HEADERS)
			rc = fail(status, 431, err, "too many headers");
		else if (head[i] == ' ' || head[i] == '\t')
			rc = fail(status, 400, err, "folded header");
		else
			rc = parse_header_line(r, head + i, n, &s, status, err);
		if (rc < 0)
			return -1;
		i = (size_t)(eol - head) + 1;
	}
	if (!r->method[0])
		return fail(status, 400, err, "empty request");
	if (r->content_length > API_MAX_BODY)
		return fail(status, 413, err, "request body too large");
	r->upgrade_exec = s.upgrade && s.conn_upgrade;
	return 0;
}

const char *api_param(const struct api_request *r, const char *name)
{
	for (size_t i = 0; i < r->nparams; i++)
		if (!strcmp(r->params[i].name, name))
			return r->params[i].value;
	return NULL;
}
