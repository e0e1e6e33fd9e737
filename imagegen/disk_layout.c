/* Disk layout, identities and command line (see disk_layout.h). */
#include "disk_layout.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "hex.h"

#define MIB_SECTORS  (2048ull)
#define MIN_ESP_MIB  64
#define MIN_ROOT_MIB 64

static const char *const labels[PART_COUNT] = {"esp", "root-a", "root-b", "skiff-data"};
static const char *const types[PART_COUNT] = {TYPE_ESP, TYPE_ROOT_X86_64, TYPE_ROOT_X86_64,
					      TYPE_VAR};

void disk_identities(struct disk_layout *l, const uint8_t seed[32])
{
	uint8_t id[4];

	guid_derive(seed, "disk", &l->disk_guid);
	for (int i = 0; i < PART_COUNT; i++) {
		guid_parse(types[i], &l->parts[i].type);
		guid_derive(seed, labels[i], &l->parts[i].uuid);
		snprintf(l->parts[i].label, sizeof l->parts[i].label, "%s", labels[i]);
	}
	seed_derive(seed, "data-fs-uuid", l->data_fs_uuid, 16);
	l->data_fs_uuid[6] = (l->data_fs_uuid[6] & 0x0f) | 0x40;
	l->data_fs_uuid[8] = (l->data_fs_uuid[8] & 0x3f) | 0x80;
	seed_derive(seed, "data-hash-seed", l->data_hash_seed, 16);
	seed_derive(seed, "verity-salt", l->verity.salt, 32);
	seed_derive(seed, "esp-volume-id", id, 4);
	l->esp_volume_id =
	    (uint32_t)id[0] | (uint32_t)id[1] << 8 | (uint32_t)id[2] << 16 | (uint32_t)id[3] << 24;
}

static uint64_t mib_up(uint64_t bytes)
{
	return (bytes + (1ull << 20) - 1) >> 20;
}

static void place(struct gpt_part *p, uint64_t *next_lba, uint64_t mib)
{
	p->first_lba = *next_lba;
	p->last_lba = *next_lba + mib * MIB_SECTORS - 1;
	*next_lba += mib * MIB_SECTORS;
}

/* The ESP holds systemd-boot and two UKIs while an update is on trial:
 * room for both at a quarter's growth, at least the FAT32 minimum. */
int disk_plan(struct disk_layout *l, const struct disk_spec *d, uint64_t uki_bytes,
	      struct sk_err *err)
{
	uint64_t need = mib_up(2 * uki_bytes) + 2;
	uint64_t esp = mib_up(2 * (uki_bytes + uki_bytes / 4)) + 8,
		 root = 2 * mib_up(l->root_bytes);
	uint64_t next = MIB_SECTORS;

	esp = d->esp_mib ? d->esp_mib : esp < MIN_ESP_MIB ? MIN_ESP_MIB : esp;
	root = d->root_mib ? d->root_mib : root < MIN_ROOT_MIB ? MIN_ROOT_MIB : root;
	if (need > esp)
		return sk_fail(err, 0,
			       "disk.esp_mib %llu: the boot loader and two kernel images (A and "
			       "B) need %llu MiB",
			       (unsigned long long)esp, (unsigned long long)need);
	if (mib_up(l->root_bytes) > root)
		return sk_fail(err, 0, "disk.root_mib %llu: the root filesystem needs %llu MiB",
			       (unsigned long long)root, (unsigned long long)mib_up(l->root_bytes));
	l->disk_sectors = (uint64_t)d->size_mib * MIB_SECTORS;
	place(&l->parts[PART_ESP], &next, esp);
	place(&l->parts[PART_ROOT_A], &next, root);
	place(&l->parts[PART_ROOT_B], &next, root);
	l->parts[PART_DATA].first_lba = next;
	/* The data partition ends on the last MiB boundary before the backup GPT. */
	l->parts[PART_DATA].last_lba =
	    (l->disk_sectors - GPT_TABLE_SECTORS - 1) / MIB_SECTORS * MIB_SECTORS - 1;
	if (next + (uint64_t)d->data_mib * MIB_SECTORS > l->parts[PART_DATA].last_lba)
		return sk_fail(err, 0, "disk.size_mib %u: too small for %llu MiB of partitions",
			       d->size_mib,
			       (unsigned long long)(next / MIB_SECTORS + d->data_mib + 1));
	return 0;
}

/* Slot independent, so that one signed UKI boots from A or B: init finds
 * the root slot whose verity tree has ROOTHASH (skiff.root=slot). */
int disk_cmdline(const struct disk_layout *l, const char *base, const char *modules, char *out,
		 size_t cap, struct sk_err *err)
{
	char hash[65], salt[65];

	sk_hex(l->verity.root, 32, hash);
	sk_hex(l->verity.salt, 32, salt);
	int n = snprintf(out, cap,
			 "%s skiff.modules=%s skiff.root=slot skiff.verity=%s:%llu:%llu:%s "
			 "skiff.data=PARTLABEL=skiff-data skiff.fatal=reboot panic=10",
			 base, modules, hash, (unsigned long long)l->verity.data_blocks,
			 (unsigned long long)l->verity.data_blocks, salt);
	if (n < 0 || (size_t)n >= cap)
		return sk_fail(err, 0, "kernel command line longer than %zu bytes", cap - 1);
	return 0;
}

static cJSON *part_json(const struct gpt_part *p, int number)
{
	char uuid[GUID_STR_LEN + 1], type[GUID_STR_LEN + 1];
	cJSON *o = cJSON_CreateObject();

	guid_format(&p->uuid, uuid);
	guid_format(&p->type, type);
	cJSON_AddNumberToObject(o, "number", number);
	cJSON_AddStringToObject(o, "label", p->label);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "partuuid", uuid);
	cJSON_AddNumberToObject(o, "offset", (double)(p->first_lba * GPT_SECTOR));
	cJSON_AddNumberToObject(o, "size", (double)((p->last_lba - p->first_lba + 1) * GPT_SECTOR));
	return o;
}

static cJSON *layout_json(const struct disk_layout *l, uint64_t uki_bytes)
{
	char guid[GUID_STR_LEN + 1], h[65];
	cJSON *o = cJSON_CreateObject(), *parts = cJSON_AddArrayToObject(o, "partitions");
	cJSON *v = cJSON_CreateObject();

	guid_format(&l->disk_guid, guid);
	cJSON_AddStringToObject(o, "disk_guid", guid);
	cJSON_AddNumberToObject(o, "size", (double)(l->disk_sectors * GPT_SECTOR));
	for (int i = 0; i < PART_COUNT; i++)
		cJSON_AddItemToArray(parts, part_json(&l->parts[i], i + 1));
	cJSON_AddNumberToObject(o, "uki_size", (double)uki_bytes);
	cJSON_AddNumberToObject(o, "squashfs_size", (double)l->squashfs_bytes);
	sk_hex(l->verity.root, 32, h);
	cJSON_AddStringToObject(v, "root_hash", h);
	sk_hex(l->verity.salt, 32, h);
	cJSON_AddStringToObject(v, "salt", h);
	cJSON_AddNumberToObject(v, "data_blocks", (double)l->verity.data_blocks);
	cJSON_AddNumberToObject(v, "hash_blocks", (double)l->verity.hash_blocks);
	cJSON_AddNumberToObject(v, "hash_offset", (double)(l->verity.data_blocks * VERITY_BLOCK));
	cJSON_AddItemToObject(o, "verity", v);
	const uint8_t *u = l->data_fs_uuid;
	snprintf(guid, sizeof guid,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	cJSON_AddStringToObject(o, "data_fs_uuid", guid);
	return o;
}

int disk_write_json(const char *dir, const struct disk_layout *l, uint64_t uki_bytes,
		    struct sk_err *err)
{
	char path[PATH_MAX];
	cJSON *o = layout_json(l, uki_bytes);
	SK_AUTOFREE char *text = o ? cJSON_Print(o) : NULL;

	cJSON_Delete(o);
	if (!text)
		return sk_fail(err, ENOMEM, "disk.json");
	size_t len = strlen(text);
	text[len] = '\n';
	snprintf(path, sizeof path, "%s/disk.json", dir);
	return fs_write_file(path, text, len + 1, err);
}
