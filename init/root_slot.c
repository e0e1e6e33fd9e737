/* Root slot choice (see root_slot.h). Only the top hash block of each slot
 * is read (one 4 KiB read): the full check comes with dm-verity. */
#include "root_slot.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

#define VERITY_BLOCK 4096

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int unhex32(const char *hex, unsigned char out[32])
{
	for (int i = 0; i < 32; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int root_slot_top_matches(const struct verity_args *v, const unsigned char block[VERITY_BLOCK])
{
	unsigned char salt[32], want[32], got[32];
	br_sha256_context c;

	if (unhex32(v->salt, salt) < 0 || unhex32(v->root_hash, want) < 0)
		return 0;
	br_sha256_init(&c);
	br_sha256_update(&c, salt, sizeof salt);
	br_sha256_update(&c, block, VERITY_BLOCK);
	br_sha256_out(&c, got);
	return memcmp(got, want, sizeof got) == 0;
}

/* 1 if PART's top hash block (at V's hash start) matches, 0 if not. */
static int slot_matches(const struct block_dev *part, const struct verity_args *v)
{
	static unsigned char block[VERITY_BLOCK];
	char dev[80];
	SK_AUTOCLOSE int fd = -1;
	unsigned long long at = v->hash_start * VERITY_BLOCK;

	snprintf(dev, sizeof dev, "/dev/%s", part->name);
	if (at + VERITY_BLOCK > part->size || (fd = open(dev, O_RDONLY | O_CLOEXEC)) < 0 ||
	    pread(fd, block, sizeof block, (off_t)at) != (ssize_t)sizeof block) {
		logwarn("root: cannot read the hash tree of %s at byte %llu", dev, at);
		return 0;
	}
	return root_slot_top_matches(v, block);
}

int root_slot_pick(const struct verity_args *v, unsigned timeout_ms, struct block_dev *out,
		   char *slot, struct sk_err *err)
{
	struct block_dev a, b;
	int has_b, a_ok, b_ok;

	if (disk_find("PARTLABEL=root-a", timeout_ms, &a, err) < 0)
		return sk_wrap(err, "root slot A");
	has_b = disk_find("PARTLABEL=root-b", 0, &b, err) == 0;
	a_ok = slot_matches(&a, v);
	b_ok = has_b && slot_matches(&b, v);
	if (!a_ok && !b_ok)
		return sk_fail(err, 0,
			       "no root slot holds root hash %.16s...: neither root-a (%s)%s%s%s "
			       "has that verity tree",
			       v->root_hash, a.name, has_b ? " nor root-b (" : "",
			       has_b ? b.name : "", has_b ? ")" : "");
	*out = a_ok ? a : b;
	*slot = a_ok ? 'a' : 'b';
	logmsg("root: slot %c (%s)%s", *slot, out->name,
	       a_ok && b_ok ? ", slot b holds the same root" : "");
	return 0;
}
