/* A writer of cpio "newc" archives (the initramfs format), for
 * reproducible output: the caller gives every field that could vary, and
 * inode numbers count up from 1. */
#ifndef SK_IMAGEGEN_CPIO_H
#define SK_IMAGEGEN_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef int cpio_sink(void *ctx, const void *buf, size_t len, struct sk_err *err);

struct cpio {
	cpio_sink *write;
	void *ctx;
	uint32_t mtime;
	uint32_t next_ino;
	uint64_t offset;
	uint64_t data_left; /* of the current entry */
};

struct cpio_entry {
	const char *name; /* relative, no leading '/' */
	uint32_t mode;	  /* type and permission bits */
	uint32_t size;
	uint32_t rdev_major, rdev_minor;
};

void cpio_init(struct cpio *c, cpio_sink *write, void *ctx, uint32_t mtime);
/* Writes the header; then exactly E->size bytes follow through cpio_data. */
int cpio_begin(struct cpio *c, const struct cpio_entry *e, struct sk_err *err);
int cpio_data(struct cpio *c, const void *buf, size_t len, struct sk_err *err);
/* Ends the current entry (padding). */
int cpio_end(struct cpio *c, struct sk_err *err);
int cpio_trailer(struct cpio *c, struct sk_err *err);

#endif
