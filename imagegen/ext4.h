/* The data partition's ext4 file system, made with libext2fs the way a
 * tiny mke2fs would: no mount, no loop device, no root. */
#ifndef SK_IMAGEGEN_EXT4_H
#define SK_IMAGEGEN_EXT4_H

#include <stdint.h>
#include <time.h>

#include "err.h"

struct ext4_params {
	uint64_t bytes; /* file-system size (a multiple of 4096) */
	uint8_t uuid[16];
	uint8_t hash_seed[16];
	const char *label;
	time_t now; /* every time stamp */
};

/* Creates the file system in the existing, zero-filled file PATH (at
 * least P->bytes long): root directory, lost+found, journal, resize inode
 * for online growth. */
int ext4_write(const char *path, const struct ext4_params *p, struct sk_err *err);

#endif
