/* Version strings of OS updates: what the spec allows, and the order in
 * which systemd-boot sorts boot entries (systemd's strverscmp_improved,
 * the UAPI group's version format), so that the node and the boot loader
 * agree on which version is newer. */
#include <ctype.h>
#include <string.h>

#include "update_manifest.h"

int update_version_valid(const char *v)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789._+~-";
	size_t n = strlen(v);
	return n >= 1 && n <= UPDATE_VERSION_MAX && strspn(v, allowed) == n;
}

static int sign(long d)
{
	return (d > 0) - (d < 0);
}

/* Characters outside these separate nothing and are skipped. */
static int version_char(char c)
{
	return isalnum((unsigned char)c) || c == '~' || c == '-' || c == '^' || c == '.';
}

/* A separator C that one side has and the other not: the side with it is
 * older. Consumes it on both sides when both have it. */
static int separator(const char **a, const char **b, char c, int *r)
{
	if (**a != c && **b != c)
		return 0;
	if ((*r = sign((**a != c) - (**b != c))))
		return 1;
	++*a, ++*b;
	return 0;
}

/* Compares the runs of digits (by value) or of letters at A and B. */
static int segment(const char **a, const char **b)
{
	const char *ea = *a, *eb = *b;
	int r;

	if (isdigit((unsigned char)**a) || isdigit((unsigned char)**b)) {
		while (isdigit((unsigned char)*ea))
			ea++;
		while (isdigit((unsigned char)*eb))
			eb++;
		if ((r = sign((ea != *a) - (eb != *b)))) /* a number beats letters */
			return r;
		while (**a == '0')
			++*a;
		while (**b == '0')
			++*b;
		if ((r = sign((ea - *a) - (eb - *b))))
			return r;
		r = sign(strncmp(*a, *b, ea - *a));
	} else {
		while (isalpha((unsigned char)*ea))
			ea++;
		while (isalpha((unsigned char)*eb))
			eb++;
		size_t na = ea - *a, nb = eb - *b;
		if (!(r = sign(strncmp(*a, *b, na < nb ? na : nb))))
			r = sign((long)na - (long)nb);
	}
	*a = ea, *b = eb;
	return r;
}

int update_version_cmp(const char *a, const char *b)
{
	int r = 0;

	if (!*a || !*b)
		return sign(strcmp(a, b));
	for (;;) {
		while (*a && !version_char(*a))
			a++;
		while (*b && !version_char(*b))
			b++;
		if (separator(&a, &b, '~', &r))
			return r;
		if (!*a || !*b)
			return sign(strcmp(a, b));
		if (separator(&a, &b, '-', &r) || separator(&a, &b, '^', &r) ||
		    separator(&a, &b, '.', &r))
			return r;
		if ((r = segment(&a, &b)))
			return r;
	}
}
