/* skiffctl's argument parser: table-driven, so that every verb takes its
 * options the same way and says the same thing about a bad one. */
#include "args.h"

#include <string.h>

#include "cli.h"

static const struct arg_opt *find(const struct arg_opt *opts, const char *name)
{
	for (; opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

static int take(const struct arg_opt *o, const char *v, void *ctx, struct sk_err *err)
{
	switch (o->kind) {
	case ARG_STR:
		*(const char **)o->dst = v;
		return 0;
	case ARG_COUNT:
		return ctl_parse_count(o->name, v, o->dst, err);
	case ARG_FN:
		return o->fn(ctx, v, err) < 0 ? sk_class(err, SK_ERR_USAGE) : 0;
	default:
		*(int *)o->dst = 1;
		return 0;
	}
}

static const struct arg_opt no_options[] = {{NULL, ARG_FLAG, NULL, NULL}};

static int is_option(const char *a)
{
	return a[0] == '-' && a[1] != '\0';
}

/* Returns the index of the word it stopped at: argc, or with LEAD the
 * first positional word. */
static int parse(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
		 void *ctx, const char **pos, int npos, int lead, struct sk_err *err)
{
	int npos_seen = 0;
	for (int i = from; i < argc; i++) {
		const char *a = argv[i];
		const struct arg_opt *o = is_option(a) ? find(opts, a) : NULL;
		if (!is_option(a) && lead)
			return i;
		if (!is_option(a) && npos_seen < npos) {
			pos[npos_seen++] = a;
			continue;
		}
		if (!o || (o->kind != ARG_FLAG && i + 1 >= argc))
			return ctl_usage_error(err, "%s: bad argument `%s`", verb, a);
		if (take(o, o->kind == ARG_FLAG ? NULL : argv[++i], ctx, err) < 0)
			return -1;
	}
	return argc;
}

int ctl_args(int argc, char **argv, int from, const char *verb, const struct arg_opt *opts,
	     void *ctx, const char **pos, int npos, struct sk_err *err)
{
	return parse(argc, argv, from, verb, opts, ctx, pos, npos, 0, err) < 0 ? -1 : 0;
}

int ctl_args_lead(int argc, char **argv, int from, const char *what, const struct arg_opt *opts,
		  void *ctx, struct sk_err *err)
{
	return parse(argc, argv, from, what, opts, ctx, NULL, 0, 1, err);
}

int ctl_args_need(const char *verb, const char *what, const char *value, struct sk_err *err)
{
	return value ? 0 : ctl_usage_error(err, "%s: which %s?", verb, what);
}

int ctl_args_none(int argc, char **argv, const char *verb, struct sk_err *err)
{
	return ctl_args(argc, argv, 2, verb, no_options, NULL, NULL, 0, err);
}

int ctl_args_one(int argc, char **argv, const char *verb, const char *what, const char **value,
		 struct sk_err *err)
{
	*value = NULL;
	if (ctl_args(argc, argv, 2, verb, no_options, NULL, value, 1, err) < 0)
		return -1;
	return ctl_args_need(verb, what, *value, err);
}
