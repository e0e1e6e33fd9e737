/* Option parsing shared by the verbs (see cmd.h). */
#define _GNU_SOURCE
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_opt *find(const struct cmd_opt *o, const char *arg, size_t len, char s)
{
	for (; o->name; o++)
		if (s ? o->short_name == s : strlen(o->name) == len && !strncmp(o->name, arg, len))
			return o;
	return NULL;
}

static int push(const char ***list, const char *v)
{
	size_t n = 0;

	while (*list && (*list)[n])
		n++;
	const char **l = realloc(*list, (n + 2) * sizeof *l);
	if (!l)
		return -1;
	l[n] = v;
	l[n + 1] = NULL;
	*list = l;
	return 0;
}

static int take(const struct cmd_opt *o, const char *v)
{
	if (o->value)
		*o->value = v;
	else if (o->list)
		return push(o->list, v);
	return 0;
}

void cmd_usage_line(const char *help)
{
	fprintf(stderr, "usage: %.*s\n", (int)strcspn(help, "\n"), help);
}

static int bad(const char *usage, const char *what, const char *arg)
{
	sk_print_fatalf("%s %s", what, arg);
	cmd_usage_line(usage);
	return -1;
}

int cmd_count(const char *s, int *out)
{
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;

	if (s && (end == s || *end || v < 0 || v > 1024))
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_parse(int argc, char **argv, const struct cmd_opt *opts, const char *usage)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("usage: %s", usage);
			return -2;
		}
		int is_long = a[1] == '-';
		const char *name = a + (is_long ? 2 : 1), *eq = is_long ? strchr(name, '=') : NULL;
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct cmd_opt *o = find(opts, name, len, is_long ? 0 : name[0]);
		if (!o || (!is_long && name[1] && !(o->value || o->list)))
			return bad(usage, "unknown option", a);
		int wants = o->value || o->list;
		if (!wants) {
			if (eq)
				return bad(usage, "option takes no value:", a);
			(*o->flag)++;
			continue;
		}
		const char *v = eq ? eq + 1 : !is_long && name[1] ? name + 1 : NULL;
		if (!v && ++i >= argc)
			return bad(usage, "missing value for", a);
		if (take(o, v ? v : argv[i]) < 0)
			return bad(usage, "out of memory at", a);
	}
	return i;
}
