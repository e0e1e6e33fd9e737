/* lib/scan.c and sk_hex_digit: each scanner must accept, refuse, read and
 * consume what the scanf conversion it replaced did, so every case is
 * checked against the C library's sscanf with that conversion. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "hex.h"
#include "scan.h"

static const char *const inputs[] = {
    "",
    " ",
    "0",
    "42",
    "  42 7",
    "\t\n9x",
    "+5",
    "-5",
    "- 5",
    "+",
    "x1",
    "007",
    "0x1f",
    "18446744073709551615",
    "1a:b",
    ":lead",
    "a:b:c",
    "abcdefghij",
    " word",
    "w o r d",
    "tail:",
    "\n",
    "12345678 9",
    "a\nb",
    "nameserver 10.0.0.1\n",
    "-9223372036854775808",
};

TEST(numbers_read_as_scanf_did)
{
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		const char *in = inputs[i], *p = in;
		unsigned long long u = 7, want_u = 7;
		long long l = 7, want_l = 7;
		int n = -1;

		int want = sscanf(in, "%llu%n", &want_u, &n) == 1;
		CHECK(sk_scan_ull(&p, &u) == want);
		CHECK(want ? u == want_u && p == in + n : u == 7 && p == in);
		p = in, n = -1;
		want = sscanf(in, "%lld%n", &want_l, &n) == 1;
		CHECK(sk_scan_ll(&p, &l) == want);
		CHECK(want ? l == want_l && p == in + n : l == 7 && p == in);
	}
}

TEST(words_read_as_scanf_did)
{
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		const char *in = inputs[i], *p = in;
		char got[6], want[6] = "";
		int n = -1;

		/* %5s into 6 bytes: a longer word is cut */
		int ok = sscanf(in, "%5s%n", want, &n) == 1;
		size_t len = sk_scan_word(&p, got, sizeof got);
		CHECK(ok == (len > 0));
		CHECK_STREQ(got, ok ? want : "");
		if (ok)
			CHECK(p == in + n && len == strlen(want));
	}
}

TEST(runs_read_as_scanf_did)
{
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		const char *in = inputs[i], *p = in;
		char got[6], want[6] = "";
		int n = -1;

		int ok = sscanf(in, "%5[^:\n]%n", want, &n) == 1;
		size_t len = sk_scan_until(&p, ":\n", got, sizeof got);
		CHECK(ok == (len > 0));
		CHECK_STREQ(got, ok ? want : "");
		CHECK(p == (ok ? in + n : in));
	}
}

TEST(hex_digits)
{
	static const char digits[] = "0123456789abcdef";
	for (int c = -128; c < 128; c++) {
		const char *at = c ? strchr(digits, c >= 'A' && c <= 'F' ? c + 32 : c) : NULL;
		CHECK(sk_hex_digit((char)c) == (at ? at - digits : -1));
	}
}

int main(void)
{
	RUN(numbers_read_as_scanf_did);
	RUN(words_read_as_scanf_did);
	RUN(runs_read_as_scanf_did);
	RUN(hex_digits);
	return check_summary();
}
