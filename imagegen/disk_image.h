/* Bootable GPT/UEFI disk images (docs/disk.md): an EFI system partition
 * holding a unified kernel image, root partitions A and B (squashfs plus
 * dm-verity hash tree) and an ext4 data partition, written to DIR/disk.raw
 * and converted to DIR/disk.qcow2. */
#ifndef SK_IMAGEGEN_DISK_IMAGE_H
#define SK_IMAGEGEN_DISK_IMAGE_H

#include <stdint.h>

#include "disk_spec.h"
#include "err.h"
#include "rootfs.h"

struct kernel;
struct update_key;

struct disk_input {
	const char *dir;       /* the image directory being written */
	const char *spec_path; /* its bytes seed every GUID, UUID and salt */
	const struct disk_spec *disk;
	const char *cmdline;	 /* the spec's kernel command line */
	const char *kernel_path; /* vmlinuz */
	const char *kernel_version;
	const char *version;	      /* the image's, for .osrel and the update */
	int updates;		      /* the image takes updates ("update:") */
	const struct update_key *key; /* sign and write DIR/update*, or NULL */
	const char *initramfs_path;
	const struct rootfs *fs; /* the root filesystem (finished) */
	uint32_t epoch;
};

/* systemd-boot, and where slot A's UKI goes on a fresh ESP (8.3 names). */
#define SD_BOOT_PATH "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
#define ESP_UKI_A    "EFI/Linux/skiff-a.efi"

/* Packs the modules a disk boot needs (block driver, dm-verity, squashfs,
 * and vfat for the ESP when UPDATES) into the image; they are loaded
 * through skiff.modules= on the UKI's command line. */
int disk_add_modules(struct kernel *k, int updates, struct sk_err *err);
/* Writes disk.raw, disk.qcow2 (unless disabled) and disk.json into IN->dir. */
int disk_build(const struct disk_input *in, struct sk_err *err);

#endif
