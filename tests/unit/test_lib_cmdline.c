#include "check.h"
#include "cmdline.h"

TEST(words_keys_and_values)
{
	char buf[] = "console=ttyS0 quiet  skiff.hostname=n1\n";
	struct cmdline_arg a[8];
	size_t n = cmdline_parse(buf, a, 8);
	CHECK(n == 3);
	CHECK_STREQ(a[0].key, "console");
	CHECK_STREQ(a[0].value, "ttyS0");
	CHECK_STREQ(a[1].key, "quiet");
	CHECK(a[1].value == NULL);
	CHECK_STREQ(cmdline_get(a, n, "skiff.hostname"), "n1");
	CHECK(cmdline_get(a, n, "absent") == NULL);
}

TEST(quotes_group_spaces)
{
	char buf[] = "a=\"x y\" \"b=1 2\" c";
	struct cmdline_arg a[8];
	size_t n = cmdline_parse(buf, a, 8);
	CHECK(n == 3);
	CHECK_STREQ(cmdline_get(a, n, "a"), "x y");
	CHECK_STREQ(cmdline_get(a, n, "b"), "1 2");
	CHECK_STREQ(a[2].key, "c");
}

TEST(last_occurrence_wins_and_empty_value)
{
	char buf[] = "k=1 k=2 e=";
	struct cmdline_arg a[8];
	size_t n = cmdline_parse(buf, a, 8);
	CHECK_STREQ(cmdline_get(a, n, "k"), "2");
	CHECK_STREQ(cmdline_get(a, n, "e"), "");
}

TEST(value_keeps_later_equals)
{
	char buf[] = "ip=10.0.2.15::10.0.2.2:255.255.255.0 x=a=b";
	struct cmdline_arg a[4];
	size_t n = cmdline_parse(buf, a, 4);
	CHECK_STREQ(cmdline_get(a, n, "ip"), "10.0.2.15::10.0.2.2:255.255.255.0");
	CHECK_STREQ(cmdline_get(a, n, "x"), "a=b");
}

TEST(capacity_counts_but_drops_extra)
{
	char buf[] = "a b c d";
	struct cmdline_arg a[2];
	CHECK(cmdline_parse(buf, a, 2) == 4);
	CHECK_STREQ(a[1].key, "b");
}

TEST(empty_and_blank)
{
	char e[] = "", b[] = "  \t\n";
	struct cmdline_arg a[2];
	CHECK(cmdline_parse(e, a, 2) == 0);
	CHECK(cmdline_parse(b, a, 2) == 0);
}

int main(void)
{
	RUN(words_keys_and_values);
	RUN(quotes_group_spaces);
	RUN(last_occurrence_wins_and_empty_value);
	RUN(value_keeps_later_equals);
	RUN(capacity_counts_but_drops_extra);
	RUN(empty_and_blank);
	return check_summary();
}
