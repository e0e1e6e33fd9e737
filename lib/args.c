/* The one argument parser (see args.h): table-driven, so that every
 * command takes its options the same way and says the same thing about a
 * bad one. */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int bad(struct sk_err *err, const char *verb, const char *word)
{
	return sk_failc(err, SK_ERR_USAGE, 0, "%s: bad argument `%s`", verb, word);
}

static int is_option(const char *a)
{
	return a[0] == '-' && a[1] != '\0';
}

/* The entry for WORD: its exact spelling, "--name=VALUE" or "-xVALUE"
 * (VALUE then in *inline_value). */
static const struct arg_opt *find(const struct arg_opt *opts, const char *word,
				  const char **inline_value)
{
	const char *eq = word[1] == '-' ? strchr(word, '=') : NULL;
	size_t len = eq ? (size_t)(eq - word) : strlen(word);

	*inline_value = NULL;
	for (const struct arg_opt *o = opts; o->name; o++) {
		size_t n = strlen(o->name);
		if (n == len && strncmp(o->name, word, n) == 0) {
			*inline_value = eq ? eq + 1 : NULL;
			return o;
		}
		if (n == 2 && word[1] != '-' && len > 2 && o->kind != ARG_FLAG &&
		    strncmp(o->name, word, 2) == 0) {
			*inline_value = word + 2;
			return o;
		}
	}
	return NULL;
}

static int count(const char *opt, const char *s, long *out, struct sk_err *err)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || errno || *end || v < 0 || v > 100000)
		return sk_failc(err, SK_ERR_USAGE, 0, "%s: expected a count 0..100000, got `%s`",
				opt, s);
	*out = v;
	return 0;
}

static int append(const char ***list, const char *v, struct sk_err *err)
{
	size_t n = 0;
	while (*list && (*list)[n])
		n++;
	const char **l = realloc(*list, (n + 2) * sizeof *l);
	if (!l)
		return sk_fail(err, ENOMEM, "arguments");
	l[n] = v;
	l[n + 1] = NULL;
	*list = l;
	return 0;
}

static int take(const struct arg_opt *o, const char *v, void *ctx, struct sk_err *err)
{
	switch (o->kind) {
	case ARG_STR:
		*(const char **)o->dst = v;
		return 0;
	case ARG_COUNT:
		return count(o->name, v, o->dst, err);
	case ARG_FN:
		return o->fn(ctx, v, err) < 0 ? sk_class(err, SK_ERR_USAGE) : 0;
	case ARG_LIST:
		return append(o->dst, v, err);
	default:
		*(int *)o->dst = 1;
		return 0;
	}
}

/* The option at argv[*i] (and its value, which may be the next word). */
static int option(int argc, char **argv, int *i, const char *verb, const struct arg_opt *opts,
		  void *ctx, struct sk_err *err)
{
	const char *a = argv[*i], *v;
	const struct arg_opt *o = find(opts, a, &v);

	if (!o || (o->kind == ARG_FLAG && v))
		return bad(err, verb, a);
	if (o->kind != ARG_FLAG && !v) {
		if (*i + 1 >= argc)
			return bad(err, verb, a);
		v = argv[++*i];
	}
	return take(o, v, ctx, err);
}

/* Returns the index of the word it stopped at: argc, or with LEAD the
 * first positional word. */
static int parse(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
		 void *ctx, const char **pos, int npos, int lead, struct sk_err *err)
{
	int npos_seen = 0, options = 1;
	for (int i = from; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			if (lead)
				return i + 1;
			options = 0;
			continue;
		}
		if (options && is_option(a)) {
			if (option(argc, argv, &i, verb, opts, ctx, err) < 0)
				return -1;
			continue;
		}
		if (lead)
			return i;
		if (npos_seen == npos)
			return bad(err, verb, a);
		pos[npos_seen++] = a;
	}
	return argc;
}

int sk_args(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
	    void *ctx, const char **pos, int npos, struct sk_err *err)
{
	return parse(argc, argv, from, verb, opts, ctx, pos, npos, 0, err) < 0 ? -1 : 0;
}

int sk_args_lead(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
		 void *ctx, struct sk_err *err)
{
	return parse(argc, argv, from, verb, opts, ctx, NULL, 0, 1, err);
}

int sk_args_help(int argc, char **argv, int from, int lead)
{
	for (int i = from; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
		if (lead && !is_option(argv[i]))
			return 0;
	}
	return 0;
}

int sk_args_need(const char *verb, const char *what, const char *value, struct sk_err *err)
{
	return value ? 0 : sk_failc(err, SK_ERR_USAGE, 0, "%s: which %s?", verb, what);
}

static const struct arg_opt no_options[] = {{NULL, ARG_FLAG, NULL, NULL}};

int sk_args_none(int argc, char **argv, const char *verb, struct sk_err *err)
{
	return sk_args(argc, argv, 2, verb, no_options, NULL, NULL, 0, err);
}

int sk_args_one(int argc, char **argv, const char *verb, const char *what, const char **value,
		struct sk_err *err)
{
	*value = NULL;
	if (sk_args(argc, argv, 2, verb, no_options, NULL, value, 1, err) < 0)
		return -1;
	return sk_args_need(verb, what, *value, err);
}
