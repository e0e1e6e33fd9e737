/* A FAT32 file system written straight into a partition: enough for an
 * EFI system partition (a few directories and files, 8.3 names), with a
 * fixed volume id and timestamps so that builds are reproducible. */
#ifndef SK_IMAGEGEN_FAT_H
#define SK_IMAGEGEN_FAT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define FAT_MAX_NODES 16
#define FAT_MIN_BYTES (33ull << 20) /* FAT32 needs >= 65525 clusters */

struct fat_file {
	const char *path; /* "EFI/BOOT/BOOTX64.EFI", "loader/loader.conf": 8.3
			     components, each name and extension all upper or
			     all lower case (kept with the NT case bits) */
	const uint8_t *data;
	size_t len;
};

struct fat_volume {
	uint64_t offset, bytes;	 /* where in FD, how big (a multiple of 512) */
	uint32_t hidden_sectors; /* the partition's first LBA */
	uint32_t volume_id;
	const char *label; /* up to 11 characters */
	time_t mtime;	   /* clamped to 1980 at the earliest */
};

/* Writes the file system; the destination must read as zeros beforehand
 * (a fresh sparse file): only used sectors are written. */
int fat_write(int fd, const struct fat_volume *v, const struct fat_file *files, size_t n,
	      struct sk_err *err);

#endif
