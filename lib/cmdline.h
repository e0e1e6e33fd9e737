/* Kernel command line parsing (/proc/cmdline): words separated by spaces,
 * double quotes group spaces into a value ("skiff.x=\"a b\""). */
#ifndef SK_CMDLINE_H
#define SK_CMDLINE_H

#include <stddef.h>

struct cmdline_arg {
	const char *key;   /* e.g. "skiff.hostname", "console", "quiet" */
	const char *value; /* NULL for a bare word such as "quiet" */
};

/* Parses BUF in place (it is modified). Fills at most CAP entries and
 * returns how many were found (may exceed CAP; the rest are dropped). */
size_t cmdline_parse(char *buf, struct cmdline_arg *args, size_t cap);

/* Value of the last occurrence of KEY, NULL if absent or bare. */
const char *cmdline_get(const struct cmdline_arg *args, size_t n, const char *key);

#endif
