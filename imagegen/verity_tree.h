/* dm-verity hash trees (format version 1, SHA-256, no superblock): the
 * tree is appended to the data it covers, and the parameters init needs
 * travel on the kernel command line. */
#ifndef SK_IMAGEGEN_VERITY_TREE_H
#define SK_IMAGEGEN_VERITY_TREE_H

#include <stdint.h>

#include "err.h"

#define VERITY_BLOCK 4096

struct verity_params {
	uint64_t data_blocks; /* 4096-byte blocks of data */
	uint64_t hash_blocks; /* blocks of tree written after the data */
	uint8_t salt[32];
	uint8_t root[32];
};

/* Number of hash blocks a tree over DATA_BLOCKS blocks takes. */
uint64_t verity_hash_blocks(uint64_t data_blocks);
/* Hashes DATA_BLOCKS blocks of FD starting at DATA_OFF and writes the tree
 * right after them (at DATA_OFF + data_blocks * 4096), filling in P's
 * hash_blocks and root; P's data_blocks and salt are inputs. */
int verity_build(int fd, uint64_t data_off, struct verity_params *p, struct sk_err *err);

#endif
