/* Kernel command line parsing: the kernel's own rules (words split on
 * white space, double quotes may wrap spaces into one word, the quotes are
 * dropped), key=value split at the first '='. */
#include "cmdline.h"

#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Cuts the next word out of *p in place, removing quotes; NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p, *out, *word;
	int quoted = 0;

	while (is_space(*s))
		s++;
	if (!*s)
		return NULL;
	word = out = s;
	for (; *s && (quoted || !is_space(*s)); s++) {
		if (*s == '"')
			quoted = !quoted;
		else
			*out++ = *s;
	}
	if (*s)
		s++;
	*out = '\0';
	*p = s;
	return word;
}

size_t cmdline_parse(char *buf, struct cmdline_arg *args, size_t cap)
{
	size_t n = 0;
	char *p = buf, *word;

	while ((word = next_word(&p))) {
		char *eq = strchr(word, '=');
		if (n < cap) {
			args[n].key = word;
			args[n].value = eq ? eq + 1 : NULL;
		}
		if (eq)
			*eq = '\0';
		n++;
	}
	return n;
}

const char *cmdline_get(const struct cmdline_arg *args, size_t n, const char *key)
{
	const char *v = NULL;

	for (size_t i = 0; i < n; i++)
		if (strcmp(args[i].key, key) == 0)
			v = args[i].value;
	return v;
}
