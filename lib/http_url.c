/* URLs for the HTTP client: parsing an absolute http:// or https:// URL
 * into scheme, host, port and path, and resolving a redirect's Location
 * against the URL it came from. Pure string work, bounded by the fixed
 * fields of struct http_url. See http.h. */
#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int copy_bounded(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int parse_authority(const char *a, size_t len, struct http_url *u)
{
	const char *colon = NULL;
	if (len > 0 && a[0] == '[') {
		const char *end = memchr(a, ']', len);
		if (!end)
			return -1;
		if (copy_bounded(u->host, sizeof u->host, a + 1, end - a - 1) < 0)
			return -1;
		if (end + 1 < a + len && end[1] == ':')
			colon = end + 1;
	} else {
		colon = memchr(a, ':', len);
		size_t hl = colon ? (size_t)(colon - a) : len;
		if (hl == 0 || copy_bounded(u->host, sizeof u->host, a, hl) < 0)
			return -1;
	}
	if (!colon) {
		strcpy(u->port, u->tls ? "443" : "80");
		return 0;
	}
	size_t pl = a + len - colon - 1;
	if (pl == 0 || pl > 5 || strspn(colon + 1, "0123456789") < pl || atoi(colon + 1) > 65535 ||
	    atoi(colon + 1) == 0)
		return -1;
	return copy_bounded(u->port, sizeof u->port, colon + 1, pl);
}

int http_url_parse(const char *url, struct http_url *u, struct sk_err *err)
{
	const char *rest;
	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "https://", 8) == 0) {
		u->tls = 1;
		rest = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		rest = url + 7;
	} else {
		return sk_fail(err, 0, "url %.200s: not http:// or https://", url);
	}
	size_t alen = strcspn(rest, "/?#");
	if (memchr(rest, '@', alen) || parse_authority(rest, alen, u) < 0)
		return sk_fail(err, 0, "url %.200s: bad host or port", url);
	const char *path = rest + alen;
	size_t plen = strcspn(path, "#");
	if (strpbrk(url, " \r\n\t"))
		return sk_fail(err, 0, "url %.200s: contains white space", url);
	if (plen == 0 || path[0] != '/') {
		u->path[0] = '/';
		if (copy_bounded(u->path + 1, sizeof u->path - 1, path, plen) < 0)
			return sk_fail(err, 0, "url %.200s: too long", url);
	} else if (copy_bounded(u->path, sizeof u->path, path, plen) < 0) {
		return sk_fail(err, 0, "url %.200s: too long", url);
	}
	return 0;
}

int http_url_resolve(const struct http_url *base, const char *ref, struct http_url *out,
		     struct sk_err *err)
{
	if (strstr(ref, "://"))
		return http_url_parse(ref, out, err);
	if (strpbrk(ref, " \r\n\t"))
		return sk_fail(err, 0, "location %.200s: contains white space", ref);
	*out = *base;
	if (ref[0] == '/') {
		if (ref[1] == '/')
			return sk_fail(err, 0, "location %.200s: scheme-relative not supported",
				       ref);
		if (copy_bounded(out->path, sizeof out->path, ref, strlen(ref)) < 0)
			return sk_fail(err, 0, "location too long");
		return 0;
	}
	char *slash = strrchr(out->path, '/');
	size_t keep = slash ? (size_t)(slash - out->path) + 1 : 0;
	if (keep + strlen(ref) >= sizeof out->path)
		return sk_fail(err, 0, "location too long");
	strcpy(out->path + keep, ref);
	return 0;
}
