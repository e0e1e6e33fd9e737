/* Follows a key path through JSON text with a minimal scanner (the text
 * was parsed already, so it is valid) and counts lines up to the value. */
#include "json_locate.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* P at a '"': the character after the closing quote. */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : p;
}

static const char *skip_value(const char *p)
{
	int depth = 0;

	for (p = skip_ws(p); *p; p++) {
		if (*p == '"') {
			p = skip_string(p);
			if (depth == 0)
				return p;
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth <= 0)
				return depth == 0 ? p + 1 : p;
		} else if (depth == 0 && strchr(", \t\r\n", *p)) {
			return p;
		}
	}
	return p;
}

/* The next step of PATH: a key (into key, length klen) or an index. */
struct step {
	const char *key;
	size_t klen;
	long index; /* -1 for a key */
};

static const char *next_step(const char *path, struct step *s)
{
	s->index = -1;
	if (*path == '.')
		path++;
	if (path[0] == '[' && path[1] == '"') {
		const char *end = strstr(path + 2, "\"]");
		if (!end)
			return NULL;
		s->key = path + 2;
		s->klen = (size_t)(end - s->key);
		return end + 2;
	}
	if (*path == '[') {
		char *end;
		s->index = strtol(path + 1, &end, 10);
		return *end == ']' ? end + 1 : NULL;
	}
	s->key = path;
	s->klen = strcspn(path, ".[");
	return s->klen ? path + s->klen : NULL;
}

static const char *member(const char *p, const struct step *s)
{
	if (*p != '{')
		return NULL;
	p = skip_ws(p + 1);
	while (*p == '"') {
		const char *k = p + 1, *after = skip_string(p);
		int match = (size_t)(after - 1 - k) == s->klen && !strncmp(k, s->key, s->klen);
		p = skip_ws(after);
		if (*p != ':')
			return NULL;
		p = skip_ws(p + 1);
		if (match)
			return p;
		p = skip_ws(skip_value(p));
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1);
	}
	return NULL;
}

static const char *element(const char *p, long index)
{
	if (*p != '[')
		return NULL;
	p = skip_ws(p + 1);
	for (long i = 0; *p && *p != ']'; i++) {
		if (i == index)
			return p;
		p = skip_ws(skip_value(p));
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1);
	}
	return NULL;
}

int json_line_of(const char *text, const char *path)
{
	const char *p, *best;
	struct step s = {0};
	int line = 1;

	if (!text)
		return 0;
	best = p = skip_ws(text);
	while (p && *path && (path = next_step(path, &s))) {
		p = s.index < 0 ? member(p, &s) : element(p, s.index);
		if (p)
			best = p;
	}
	for (const char *c = text; c < best; c++)
		line += *c == '\n';
	return line;
}
