/* CRI log records (see crilog.h). */
#include "crilog.h"

#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

size_t crilog_format(char *buf, size_t size, const struct crilog_rec *r)
{
	size_t len = r->len;
	size_t n =
	    sk_rfc3339(buf, size, (time_t)(r->ns / 1000000000), (long)(r->ns % 1000000000), 9);
	n += (size_t)snprintf(buf + n, size - n, " %s %c ", r->err ? "stderr" : "stdout",
			      r->partial ? 'P' : 'F');
	if (n + len + 1 > size)
		len = size - n - 1;
	memcpy(buf + n, r->text, len);
	buf[n + len] = '\n';
	return n + len + 1;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int parse_offset(const char *s, size_t len, int64_t *off_s)
{
	int hh, mm;

	if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*off_s = 0;
		return 0;
	}
	if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || digits(s + 1, 2, &hh) ||
	    digits(s + 4, 2, &mm) || hh > 23 || mm > 59)
		return -1;
	*off_s = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	return 0;
}

int64_t crilog_parse_time(const char *s, size_t len)
{
	int y, mo, d, h, mi, sec;
	int64_t frac = 0, off;
	size_t i = 19, fd = 0;

	if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
	    digits(s + 8, 2, &d) || digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, fd++)
			if (fd < 9)
				frac = frac * 10 + (s[i] - '0');
		if (fd == 0)
			return -1;
		for (; fd < 9; fd++)
			frac *= 10;
	}
	if (parse_offset(s + i, len - i, &off) < 0)
		return -1;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	return secs * 1000000000 + frac;
}

int crilog_parse(const char *line, size_t len, struct crilog_rec *r)
{
	const char *sp = memchr(line, ' ', len);

	if (!sp || (r->ns = crilog_parse_time(line, (size_t)(sp - line))) < 0)
		return -1;
	size_t rest = len - (size_t)(sp + 1 - line);
	const char *p = sp + 1;
	if (rest >= 9 && !memcmp(p, "stdout ", 7))
		r->err = 0;
	else if (rest >= 9 && !memcmp(p, "stderr ", 7))
		r->err = 1;
	else
		return -1;
	if ((p[7] != 'F' && p[7] != 'P') || p[8] != ' ')
		return -1;
	r->partial = p[7] == 'P';
	r->text = p + 9;
	r->len = rest - 9;
	return 0;
}
