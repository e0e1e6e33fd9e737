#include <string.h>

#include "check.h"
#include "../../ctl/args.h"
#include "../../ctl/cli.h"

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
	return ctl_args(argc, argv, 2, "x do", opts, g, g->pos, npos, err);
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
	return ctl_args_lead(argc, argv, 1, "options", opts, g, err);
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
	CHECK(ctl_args_need("x do", "thing", "t", &err) == 0);
	CHECK(ctl_args_need("x do", "thing", NULL, &err) == -1 && err.cls == SK_ERR_USAGE);
	CHECK_STREQ(err.msg, "x do: which thing?");
}

int main(void)
{
	RUN(options_in_any_order_among_positional_words);
	RUN(bad_words_are_usage_errors_naming_the_word);
	RUN(a_lone_dash_is_a_positional_word);
	RUN(leading_options_stop_at_the_first_word);
	RUN(a_missing_positional_word_is_named);
	return check_summary();
}
