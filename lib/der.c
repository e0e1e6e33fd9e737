/* DER reading and writing (see der.h). */
#include "der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- reading ---- */

int der_next(struct der *d, unsigned *tag, struct der *val)
{
	const unsigned char *p = d->p;
	size_t len;

	if (d->end - p < 2)
		return -1;
	*tag = *p++;
	len = *p++;
	if ((*tag & 0x1f) == 0x1f)
		return -1; /* multi-byte tags: nothing Skiff reads uses them */
	if (len & 0x80) {
		size_t n = len & 0x7f;
		if (n == 0 || n > 3 || (size_t)(d->end - p) < n)
			return -1;
		for (len = 0; n > 0; n--)
			len = len << 8 | *p++;
	}
	if (len > (size_t)(d->end - p))
		return -1;
	val->p = p;
	val->end = p + len;
	d->p = p + len;
	return 0;
}

int der_find(struct der d, unsigned want, struct der *val)
{
	unsigned tag;

	while (d.p < d.end) {
		if (der_next(&d, &tag, val) < 0)
			return -1;
		if (tag == want)
			return 0;
	}
	return -1;
}

/* ---- writing ---- */

void der_writer_init(struct der_writer *w, unsigned char *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = cap;
}

static void put_bytes(struct der_writer *w, const void *data, size_t len)
{
	if (w->failed || len > w->cap - w->len) {
		w->failed = 1;
		return;
	}
	memcpy(w->buf + w->len, data, len);
	w->len += len;
}

static void put_byte(struct der_writer *w, unsigned char b)
{
	put_bytes(w, &b, 1);
}

void der_begin(struct der_writer *w, unsigned tag)
{
	if (w->depth == DER_MAX_DEPTH) {
		w->failed = 1;
		return;
	}
	put_byte(w, (unsigned char)tag);
	put_byte(w, 0); /* the length, set by der_end */
	w->open[w->depth++] = w->len;
}

void der_end(struct der_writer *w)
{
	if (w->failed || w->depth == 0) {
		w->failed = 1;
		return;
	}
	size_t start = w->open[--w->depth], len = w->len - start, n = 0;
	if (len < 0x80) {
		w->buf[start - 1] = (unsigned char)len;
		return;
	}
	for (size_t v = len; v; v >>= 8)
		n++;
	if (n > w->cap - w->len) {
		w->failed = 1;
		return;
	}
	memmove(w->buf + start + n, w->buf + start, len);
	w->buf[start - 1] = (unsigned char)(0x80 | n);
	for (size_t i = 0; i < n; i++)
		w->buf[start + i] = (unsigned char)(len >> (8 * (n - 1 - i)));
	w->len += n;
}

void der_put_raw(struct der_writer *w, const void *data, size_t len)
{
	put_bytes(w, data, len);
}

void der_put(struct der_writer *w, unsigned tag, const void *data, size_t len)
{
	der_begin(w, tag);
	put_bytes(w, data, len);
	der_end(w);
}

void der_put_uint(struct der_writer *w, const unsigned char *be, size_t len)
{
	while (len > 1 && be[0] == 0) {
		be++;
		len--;
	}
	der_begin(w, DER_INTEGER);
	if (len == 0 || be[0] & 0x80)
		put_byte(w, 0);
	put_bytes(w, be, len);
	der_end(w);
}

void der_put_small(struct der_writer *w, unsigned v)
{
	unsigned char be[4] = {v >> 24, v >> 16, v >> 8, v};
	der_put_uint(w, be, sizeof be);
}

/* One arc in base 128, most significant group first. */
static void put_arc(struct der_writer *w, unsigned long v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (unsigned char)(v & 0x7f);
		v >>= 7;
	} while (v);
	while (n > 1)
		put_byte(w, tmp[--n] | 0x80);
	put_byte(w, tmp[0]);
}

void der_put_oid(struct der_writer *w, const char *dotted)
{
	unsigned long arcs[16];
	size_t n = 0;
	char *end;

	for (const char *p = dotted; *p && n < 16; p = *end ? end + 1 : end) {
		arcs[n++] = strtoul(p, &end, 10);
		if (end == p || (*end && *end != '.')) {
			w->failed = 1;
			return;
		}
	}
	if (n < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) {
		w->failed = 1;
		return;
	}
	der_begin(w, DER_OID);
	put_arc(w, arcs[0] * 40 + arcs[1]);
	for (size_t i = 2; i < n; i++)
		put_arc(w, arcs[i]);
	der_end(w);
}

void der_put_bits(struct der_writer *w, const void *data, size_t len)
{
	der_begin(w, DER_BIT_STRING);
	put_byte(w, 0);
	put_bytes(w, data, len);
	der_end(w);
}

void der_put_flags(struct der_writer *w, unsigned char bits)
{
	unsigned unused = 0;

	der_begin(w, DER_BIT_STRING);
	if (bits == 0) {
		put_byte(w, 0);
	} else {
		while (!(bits & (1u << unused)))
			unused++;
		put_byte(w, (unsigned char)unused);
		put_byte(w, bits);
	}
	der_end(w);
}

void der_put_time(struct der_writer *w, int64_t unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	char s[20];

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1950) {
		w->failed = 1;
		return;
	}
	if (tm.tm_year + 1900 < 2050) {
		strftime(s, sizeof s, "%y%m%d%H%M%SZ", &tm);
		der_put(w, DER_UTC_TIME, s, strlen(s));
	} else {
		strftime(s, sizeof s, "%Y%m%d%H%M%SZ", &tm);
		der_put(w, DER_GENERALIZED_TIME, s, strlen(s));
	}
}

size_t der_finish(struct der_writer *w)
{
	if (w->depth != 0)
		w->failed = 1;
	return w->failed ? 0 : w->len;
}
