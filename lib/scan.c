/* The scanf-shaped scanners (see scan.h). */
#include "scan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int sk_scan_ull(const char **s, unsigned long long *out)
{
	char *end;
	unsigned long long v = strtoull(*s, &end, 10);

	if (end == *s)
		return 0;
	*out = v;
	*s = end;
	return 1;
}

int sk_scan_ll(const char **s, long long *out)
{
	char *end;
	long long v = strtoll(*s, &end, 10);

	if (end == *s)
		return 0;
	*out = v;
	*s = end;
	return 1;
}

static size_t copy_run(const char **s, size_t run, char *out, size_t cap)
{
	size_t n = run < cap - 1 ? run : cap - 1;

	memcpy(out, *s, n);
	out[n] = '\0';
	*s += n;
	return n;
}

size_t sk_scan_word(const char **s, char *out, size_t cap)
{
	const char *p = *s;
	size_t run = 0;

	while (isspace((unsigned char)*p))
		p++;
	while (p[run] && !isspace((unsigned char)p[run]))
		run++;
	if (run)
		*s = p;
	return copy_run(s, run, out, cap);
}

size_t sk_scan_until(const char **s, const char *reject, char *out, size_t cap)
{
	return copy_run(s, strcspn(*s, reject), out, cap);
}
