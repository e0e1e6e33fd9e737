/* Booting from a disk image (docs/disk.md). With skiff.root= on the
 * command line, init runs twice: in the initramfs it finds root A by
 * PARTUUID or picks the slot, puts dm-verity over it, mounts the squashfs read-only, checks
 * every block once, moves /dev /proc /sys /run /tmp into it and re-executes
 * /sbin/init there; on the squashfs it mounts a tmpfs on /var and the ext4
 * data partition on /var/lib/skiff, growing the file system to fill its
 * partition. */
#ifndef SK_INIT_DISK_BOOT_H
#define SK_INIT_DISK_BOOT_H

#include <stddef.h>

#include "cmdline.h"
#include "err.h"
#include "init_config.h"

#define DISK_DATA_DIR "/var/lib/skiff"

/* 0 when there is no skiff.root= (not a disk boot) or when the data
 * partition is mounted (and the update trial armed, init/trial.h); does
 * not return after switching root. skiff.root=slot picks root-a or
 * root-b (init/root_slot.h) and writes /run/skiff/boot. */
int disk_boot(const struct node_config *cfg, const struct cmdline_arg *args, size_t n,
	      struct sk_err *err);
/* Unmounts the data partition and /var at shutdown; never fails. */
void disk_teardown(void);

#endif
