/* skiff.verity=ROOTHASH:HASHSTART:DATABLOCKS:SALT as init reads it: what
 * sscanf("%64[0-9a-f]:%llu:%llu:%64[0-9a-f]%c") accepted, and nothing else. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "../../init/verity_dm.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H63 "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define S63 "edcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define S64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static int parse(const char *text, struct verity_args *v)
{
	struct sk_err err = {0};
	int r = verity_parse(text, v, &err);
	if (r < 0 && !strstr(err.msg, "expected ROOTHASH:HASHSTART:DATABLOCKS:SALT"))
		return 1; /* a refusal must say what was expected */
	return r;
}

TEST(verity_args)
{
	struct verity_args v;

	CHECK(parse(H64 ":4096:4000:" S64, &v) == 0);
	CHECK_STREQ(v.root_hash, H64);
	CHECK_STREQ(v.salt, S64);
	CHECK(v.hash_start == 4096 && v.data_blocks == 4000);
	/* %llu skips blanks */
	CHECK(parse(H64 ": 4096: 4000:" S64, &v) == 0 && v.hash_start == 4096);
	CHECK(parse(H64 ":4000:4000:" S64, &v) == 0);
	CHECK(parse(H64 ":3999:4000:" S64, &v) < 0);
	CHECK(parse(H64 ":4096:0:" S64, &v) < 0);
	CHECK(parse(H64 ":4096:4000:" S64 "0", &v) < 0);
	CHECK(parse(H64 ":4096:4000:" S64 "\n", &v) < 0);
	CHECK(parse(H64 "0:4096:4000:" S64, &v) < 0);
	CHECK(parse("A" H64 ":4096:4000:" S64, &v) < 0);
	CHECK(parse("A" H63 ":4096:4000:" S64, &v) < 0); /* lower case only */
	CHECK(parse(H64 ":4096:4000:A" S63, &v) < 0);
	CHECK(parse(H64 ":4096:4000:"
			"0123",
		    &v) < 0);
	CHECK(parse(H64 ":4096:4000", &v) < 0);
	CHECK(parse(H64 ":x:4000:" S64, &v) < 0);
	CHECK(parse(H64 ":4096;4000:" S64, &v) < 0);
	CHECK(parse("", &v) < 0);
}

int main(void)
{
	RUN(verity_args);
	return check_summary();
}
