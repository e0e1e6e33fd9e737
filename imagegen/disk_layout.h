/* Where everything goes on a disk image, the identities (GUIDs, UUIDs,
 * salt) derived from the spec, the kernel command line that tells init
 * about them, and disk.json, which records it all. */
#ifndef SK_IMAGEGEN_DISK_LAYOUT_H
#define SK_IMAGEGEN_DISK_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "disk_spec.h"
#include "err.h"
#include "gpt.h"
#include "verity_tree.h"

#define DISK_CMDLINE_MAX 4096

/* Discoverable Partitions Specification type GUIDs. */
#define TYPE_ESP	 "c12a7328-f81f-11d2-ba4b-00a0c93ec93b"
#define TYPE_ROOT_X86_64 "4f68bce3-e8cd-4c4e-9a7e-2f8f4b16cf1c"
#define TYPE_VAR	 "4d21b016-b534-45c2-a9fb-5c16e091fd2d"

enum { PART_ESP, PART_ROOT_A, PART_ROOT_B, PART_DATA, PART_COUNT };

struct disk_layout {
	struct guid disk_guid;
	struct gpt_part parts[PART_COUNT];
	uint8_t data_fs_uuid[16]; /* RFC 4122 byte order, as ext4 stores it */
	uint8_t data_hash_seed[16];
	uint32_t esp_volume_id;
	struct verity_params verity;	     /* salt set by disk_identities */
	uint64_t squashfs_bytes, root_bytes; /* root_bytes: squashfs + tree */
	uint64_t disk_sectors;
};

/* Derives every GUID, UUID, the volume id and the verity salt from SEED,
 * and fills in the partitions' types and labels. */
void disk_identities(struct disk_layout *l, const uint8_t seed[32]);
/* Places the partitions (1 MiB aligned): ESP, root A, root B, then data to
 * the end of a disk of D->size_mib. */
int disk_plan(struct disk_layout *l, const struct disk_spec *d, uint64_t uki_bytes,
	      struct sk_err *err);
/* BASE plus skiff.modules=MODULES, skiff.root=slot, skiff.verity=,
 * skiff.data=, skiff.fatal=reboot and panic=10. */
int disk_cmdline(const struct disk_layout *l, const char *base, const char *modules, char *out,
		 size_t cap, struct sk_err *err);
/* DIR/disk.json: partitions (offsets, sizes, GUIDs), verity, sizes. */
int disk_write_json(const char *dir, const struct disk_layout *l, uint64_t uki_bytes,
		    struct sk_err *err);

#endif
