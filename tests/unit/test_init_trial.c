/* The update trial file and the root slot's top-block check, through
 * init/trial.h and init/root_slot.h. */
#include "check.h"
#include "../../init/root_slot.h"
#include "../../init/trial.h"

#include <bearssl.h>
#include <string.h>

#include "hex.h"

TEST(trial_file_parsed)
{
	struct trial t;

	CHECK(trial_parse("version=3\nslot=b\ndeadline_s=300\n", &t) == 0);
	CHECK_STREQ(t.version, "3");
	CHECK_STREQ(t.slot, "b");
	CHECK(t.deadline_s == 300);
	/* Order and a missing final newline do not matter. */
	CHECK(trial_parse("slot=a\ndeadline_s=5\nversion=2.1~rc1", &t) == 0);
	CHECK_STREQ(t.version, "2.1~rc1");
	CHECK(t.deadline_s == 5);
}

TEST(bad_trial_files_refused)
{
	struct trial t;

	CHECK(trial_parse("", &t) < 0);
	CHECK(trial_parse("version=3\nslot=b\n", &t) < 0);
	CHECK(trial_parse("version=3\nslot=c\ndeadline_s=300\n", &t) < 0);
	CHECK(trial_parse("version=3\nslot=b\ndeadline_s=0\n", &t) < 0);
	CHECK(trial_parse("version=3\nslot=b\ndeadline_s=-5\n", &t) < 0);
	CHECK(trial_parse("version=3\nslot=b\ndeadline_s=86401\n", &t) < 0);
	CHECK(trial_parse("version=3\nslot=b\ndeadline_s=30s\n", &t) < 0);
	CHECK(trial_parse("version=\nslot=b\ndeadline_s=30\n", &t) < 0);
	CHECK(trial_parse("version=012345678901234567890123456789012\nslot=b\ndeadline_s=3\n", &t) <
	      0);
	/* "xversion=" is not "version=". */
	CHECK(trial_parse("xversion=3\nslot=b\ndeadline_s=30\n", &t) < 0);
}

TEST(top_block_matches_root_hash)
{
	static unsigned char block[4096];
	unsigned char salt[32], root[32];
	struct verity_args v = {.hash_start = 1, .data_blocks = 1};
	br_sha256_context c;

	memset(block, 0x5a, sizeof block);
	for (int i = 0; i < 32; i++)
		salt[i] = (unsigned char)i;
	br_sha256_init(&c);
	br_sha256_update(&c, salt, sizeof salt);
	br_sha256_update(&c, block, sizeof block);
	br_sha256_out(&c, root);
	sk_hex(salt, sizeof salt, v.salt);
	sk_hex(root, sizeof root, v.root_hash);
	CHECK(root_slot_top_matches(&v, block) == 1);
	block[4095] ^= 1;
	CHECK(root_slot_top_matches(&v, block) == 0);
	block[4095] ^= 1;
	v.salt[0] = v.salt[0] == '0' ? '1' : '0';
	CHECK(root_slot_top_matches(&v, block) == 0);
	v.salt[0] = 'x'; /* not hex: never a match */
	CHECK(root_slot_top_matches(&v, block) == 0);
}

int main(void)
{
	RUN(trial_file_parsed);
	RUN(bad_trial_files_refused);
	RUN(top_block_matches_root_hash);
	return check_summary();
}
