/* lib/args.c: the one argument parser. */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "check.h"

struct got {
	const char *str, *pos[2];
	long count;
	int flag, nfn;
};

static int take_fn(void *ctx, const char *v, struct sk_err *err)
{
	struct got *g = ctx;
	if (strcmp(v, "bad") == 0)
		return sk_fail(err, 0, "--fn: `%s` is bad", v);
	g->nfn++;
	return 0;
}

static int parse(int argc, char **argv, struct got *g, int npos, struct sk_err *err)
{
	const struct arg_opt opts[] = {
	    {"--str", ARG_STR, &g->str, NULL},	  {"--count", ARG_COUNT, &g->count, NULL},
	    {"--flag", ARG_FLAG, &g->flag, NULL}, {"--fn", ARG_FN, NULL, take_fn},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	memset(g, 0, sizeof *g);
	memset(err, 0, sizeof *err);
	return sk_args(argc, argv, 2, "x do", opts, g, g->pos, npos, err);
}

TEST(options_in_any_order_among_positional_words)
{
	char *argv[] = {"x",	  "do",	     "--fn", "a",   "one",  "--str", "s",
			"--flag", "--count", "7",    "two", "--fn", "b"};
	struct got g;
	struct sk_err err;
	CHECK(parse(13, argv, &g, 2, &err) == 0);
	CHECK_STREQ(g.str, "s");
	CHECK_STREQ(g.pos[0], "one");
	CHECK_STREQ(g.pos[1], "two");
	CHECK(g.count == 7 && g.flag == 1 && g.nfn == 2);
}

TEST(bad_words_are_usage_errors_naming_the_word)
{
	char *extra[] = {"x", "do", "one", "two"};
	char *unknown[] = {"x", "do", "--nope", "v"};
	char *no_value[] = {"x", "do", "--str"};
	char *bad_count[] = {"x", "do", "--count", "-3"};
	char *bad_fn[] = {"x", "do", "--fn", "bad"};
	struct got g;
	struct sk_err err;
	CHECK(parse(4, extra, &g, 1, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "x do: bad argument `two`");
	CHECK(parse(4, unknown, &g, 1, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "x do: bad argument `--nope`");
	CHECK(parse(3, no_value, &g, 1, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "x do: bad argument `--str`");
	CHECK(parse(4, bad_count, &g, 1, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "--count: expected a count 0..100000, got `-3`");
	CHECK(parse(4, bad_fn, &g, 1, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "--fn: `bad` is bad");
}

TEST(a_lone_dash_is_a_positional_word)
{
	char *argv[] = {"x", "do", "-", "--flag"};
	struct got g;
	struct sk_err err;
	CHECK(parse(4, argv, &g, 1, &err) == 0);
	CHECK_STREQ(g.pos[0], "-");
	CHECK(g.flag == 1);
}

static int lead(int argc, char **argv, struct got *g, struct sk_err *err)
{
	const struct arg_opt opts[] = {
	    {"--str", ARG_STR, &g->str, NULL},
	    {"--flag", ARG_FLAG, &g->flag, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	memset(g, 0, sizeof *g);
	memset(err, 0, sizeof *err);
	return sk_args_lead(argc, argv, 1, "options", opts, g, err);
}

TEST(leading_options_stop_at_the_first_word)
{
	char *verb[] = {"x", "--str", "s", "--flag", "task", "--str", "t"};
	char *none[] = {"x", "--flag"};
	char *bad[] = {"x", "--flag", "--nope", "task"};
	char *no_value[] = {"x", "--str"};
	struct got g;
	struct sk_err err;
	CHECK(lead(7, verb, &g, &err) == 4);
	CHECK_STREQ(g.str, "s");
	CHECK(g.flag == 1);
	CHECK(lead(2, none, &g, &err) == 2 && g.flag == 1);
	CHECK(lead(4, bad, &g, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "options: bad argument `--nope`");
	CHECK(g.flag == 1); /* what came before the bad word was taken */
	CHECK(lead(2, no_value, &g, &err) == -1);
	CHECK_STREQ(err.msg, "options: bad argument `--str`");
}

TEST(a_missing_positional_word_is_named)
{
	struct sk_err err = {0};
	CHECK(sk_args_need("x do", "thing", "t", &err) == 0);
	CHECK(sk_args_need("x do", "thing", NULL, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "x do: which thing?");
}

TEST(values_after_equals_attached_or_next)
{
	const char *root = NULL, *bundle = NULL, **env = NULL, *pos[1] = {NULL};
	int flag = 0;
	const struct arg_opt opts[] = {
	    {"--root", ARG_STR, &root, NULL}, {"--bundle", ARG_STR, &bundle, NULL},
	    {"-b", ARG_STR, &bundle, NULL},   {"--env", ARG_LIST, &env, NULL},
	    {"-e", ARG_LIST, &env, NULL},     {"-d", ARG_FLAG, &flag, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	char *argv[] = {"rt", "--root=/r", "-bB", "--env", "A=1", "-eB=2", "--env=C=3", "-d", "id"};
	struct sk_err err = {0};
	CHECK(sk_args(9, argv, 1, "run", opts, NULL, pos, 1, &err) == 0);
	CHECK_STREQ(root, "/r");
	CHECK_STREQ(bundle, "B");
	CHECK(env && env[3] == NULL);
	CHECK_STREQ(env[0], "A=1");
	CHECK_STREQ(env[1], "B=2");
	CHECK_STREQ(env[2], "C=3");
	CHECK(flag == 1);
	CHECK_STREQ(pos[0], "id");
	free(env);

	char *flag_value[] = {"rt", "-d=1"};
	CHECK(sk_args(2, flag_value, 1, "run", opts, NULL, pos, 1, &err) == -1);
	CHECK_STREQ(err.msg, "run: bad argument `-d=1`");
	char *combined[] = {"rt", "-dd"};
	CHECK(sk_args(2, combined, 1, "run", opts, NULL, pos, 1, &err) == -1);
	CHECK_STREQ(err.msg, "run: bad argument `-dd`");
}

TEST(double_dash_ends_the_options)
{
	const char *pos[2] = {NULL, NULL};
	int flag = 0;
	const struct arg_opt opts[] = {{"--flag", ARG_FLAG, &flag, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	char *argv[] = {"x", "--", "--flag", "-"};
	struct sk_err err = {0};
	CHECK(sk_args(4, argv, 1, "x", opts, NULL, pos, 2, &err) == 0);
	CHECK(flag == 0);
	CHECK_STREQ(pos[0], "--flag");
	CHECK_STREQ(pos[1], "-");
	char *lead[] = {"exec", "--flag", "--", "-x", "y"};
	CHECK(sk_args_lead(5, lead, 1, "exec", opts, NULL, &err) == 3 && flag == 1);
}

TEST(help_is_found_before_the_operands)
{
	char *a[] = {"x", "--bogus", "--help"};
	char *b[] = {"x", "id", "--help"};
	char *c[] = {"x", "--", "-h"};
	CHECK(sk_args_help(3, a, 1, 1));
	CHECK(!sk_args_help(3, b, 1, 1));
	CHECK(sk_args_help(3, b, 1, 0));
	CHECK(!sk_args_help(3, c, 1, 0));
}

int main(void)
{
	RUN(options_in_any_order_among_positional_words);
	RUN(bad_words_are_usage_errors_naming_the_word);
	RUN(a_lone_dash_is_a_positional_word);
	RUN(leading_options_stop_at_the_first_word);
	RUN(a_missing_positional_word_is_named);
	RUN(values_after_equals_attached_or_next);
	RUN(double_dash_ends_the_options);
	RUN(help_is_found_before_the_operands);
	return check_summary();
}
