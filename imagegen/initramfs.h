/* A root filesystem written as a cpio archive, gzip-compressed or not. */
#ifndef SK_IMAGEGEN_INITRAMFS_H
#define SK_IMAGEGEN_INITRAMFS_H

#include <stdint.h>

#include "err.h"
#include "rootfs.h"

/* Writes FS (finished: sorted, parents present) to the new file PATH,
 * through gzip when GZIP; every entry is owned by 0:0 and stamped MTIME. */
int initramfs_write(const struct rootfs *fs, const char *path, int gzip, uint32_t mtime,
		    struct sk_err *err);

#endif
