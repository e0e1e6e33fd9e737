/* The read-only root filesystem of a disk image: the image's root file
 * system written out as a directory tree and packed by mksquashfs (zstd),
 * reproducibly. */
#ifndef SK_IMAGEGEN_SQUASHFS_H
#define SK_IMAGEGEN_SQUASHFS_H

#include <stdint.h>

#include "err.h"
#include "rootfs.h"

/* Writes FS (finished) to the new file OUT, using WORK_DIR (which must not
 * exist; it is removed again) as the staging tree. Every entry is owned by
 * 0:0 and stamped EPOCH. */
int squashfs_write(const struct rootfs *fs, const char *work_dir, const char *out, uint32_t epoch,
		   struct sk_err *err);

#endif
