/* dm-verity hash tree, laid out as the kernel reads it
 * (drivers/md/dm-verity-target.c, verity_ctr): levels from the top down
 * after the data, each hash sha256(salt || block) for format version 1,
 * 128 hashes per 4096-byte block, the last block of a level zero-padded. */
#include "verity_tree.h"

#include <bearssl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "disk_io.h"

#define HASH_SIZE	 32
#define HASHES_PER_BLOCK (VERITY_BLOCK / HASH_SIZE)
#define MAX_LEVELS	 10

static void hash_block(const uint8_t salt[32], const uint8_t *block, uint8_t out[32])
{
	br_sha256_context s;

	br_sha256_init(&s);
	br_sha256_update(&s, salt, 32);
	br_sha256_update(&s, block, VERITY_BLOCK);
	br_sha256_out(&s, out);
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* Blocks in each level; level 0 hashes the data. Returns the level count. */
static int level_sizes(uint64_t data_blocks, uint64_t sizes[MAX_LEVELS])
{
	int levels = 0;
	uint64_t n = data_blocks;

	do {
		n = div_up(n, HASHES_PER_BLOCK);
		sizes[levels++] = n;
	} while (n > 1 && levels < MAX_LEVELS);
	return levels;
}

uint64_t verity_hash_blocks(uint64_t data_blocks)
{
	uint64_t sizes[MAX_LEVELS], total = 0;
	int levels = level_sizes(data_blocks, sizes);

	for (int i = 0; i < levels; i++)
		total += sizes[i];
	return total;
}

/* Hashes COUNT blocks at IN_OFF into consecutive hash blocks at OUT_OFF. */
static int hash_level(int fd, uint64_t in_off, uint64_t count, uint64_t out_off,
		      const uint8_t salt[32], struct sk_err *err)
{
	SK_AUTOFREE uint8_t *in = malloc(VERITY_BLOCK);
	SK_AUTOFREE uint8_t *out = calloc(1, VERITY_BLOCK);

	if (!in || !out)
		return sk_fail(err, ENOMEM, "verity buffers");
	for (uint64_t i = 0; i < count; i++) {
		if (pread_all(fd, in, VERITY_BLOCK, in_off + i * VERITY_BLOCK, err) < 0)
			return -1;
		hash_block(salt, in, out + (i % HASHES_PER_BLOCK) * HASH_SIZE);
		if ((i + 1) % HASHES_PER_BLOCK == 0 || i + 1 == count) {
			uint64_t at = out_off + (i / HASHES_PER_BLOCK) * VERITY_BLOCK;
			if (pwrite_all(fd, out, VERITY_BLOCK, at, err) < 0)
				return -1;
			memset(out, 0, VERITY_BLOCK);
		}
	}
	return 0;
}

int verity_build(int fd, uint64_t data_off, struct verity_params *p, struct sk_err *err)
{
	uint64_t sizes[MAX_LEVELS], start[MAX_LEVELS];
	uint64_t tree = data_off + p->data_blocks * VERITY_BLOCK, pos = tree;
	int levels;
	uint8_t top[VERITY_BLOCK];

	if (p->data_blocks == 0)
		return sk_fail(err, 0, "verity: no data");
	levels = level_sizes(p->data_blocks, sizes);
	for (int i = levels - 1; i >= 0; i--) {
		start[i] = pos;
		pos += sizes[i] * VERITY_BLOCK;
	}
	p->hash_blocks = (pos - tree) / VERITY_BLOCK;
	for (int i = 0; i < levels; i++) {
		uint64_t in_off = i == 0 ? data_off : start[i - 1];
		uint64_t count = i == 0 ? p->data_blocks : sizes[i - 1];
		if (hash_level(fd, in_off, count, start[i], p->salt, err) < 0)
			return sk_wrap(err, "verity level %d", i);
	}
	if (pread_all(fd, top, sizeof top, start[levels - 1], err) < 0)
		return sk_wrap(err, "verity root");
	hash_block(p->salt, top, p->root);
	return 0;
}
