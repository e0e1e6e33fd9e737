/* GPT writing (UEFI 2.10, chapter 5): protective MBR, primary header and
 * entries at LBA 1-33, backup entries and header at the end of the disk. */
#include "gpt.h"

#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "disk_io.h"
#include "hex.h"

struct gpt_header {
	char signature[8];
	uint32_t revision, header_size, header_crc, reserved;
	uint64_t my_lba, alternate_lba, first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t n_entries, entry_size, entries_crc;
} __attribute__((packed));

struct gpt_entry {
	uint8_t type[16], uuid[16];
	uint64_t first_lba, last_lba, attributes;
	uint16_t name[36];
} __attribute__((packed));

_Static_assert(sizeof(struct gpt_header) == 92, "GPT header is 92 bytes");
_Static_assert(sizeof(struct gpt_entry) == GPT_ENTRY_SIZE, "GPT entry is 128 bytes");

/* Text order of the 16 bytes: the first three fields are byte-swapped. */
static const int text_order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

int guid_parse(const char *text, struct guid *out)
{
	int i = 0;

	if (strlen(text) != GUID_STR_LEN)
		return -1;
	for (const char *p = text; *p; p++) {
		if (p - text == 8 || p - text == 13 || p - text == 18 || p - text == 23) {
			if (*p != '-')
				return -1;
			continue;
		}
		int hi = sk_hex_digit(p[0]), lo = sk_hex_digit(p[1]);
		if (hi < 0 || lo < 0)
			return -1;
		out->b[text_order[i++]] = (uint8_t)(hi << 4 | lo);
		p++;
	}
	return 0;
}

void guid_format(const struct guid *g, char text[GUID_STR_LEN + 1])
{
	char *p = text;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		p += sprintf(p, "%02x", g->b[text_order[i]]);
	}
}

void seed_derive(const uint8_t seed[32], const char *what, uint8_t *out, size_t n)
{
	br_sha256_context s;
	uint8_t d[32];

	br_sha256_init(&s);
	br_sha256_update(&s, seed, 32);
	br_sha256_update(&s, what, strlen(what));
	br_sha256_out(&s, d);
	memcpy(out, d, n);
}

void guid_derive(const uint8_t seed[32], const char *what, struct guid *out)
{
	seed_derive(seed, what, out->b, 16);
	out->b[7] = (out->b[7] & 0x0f) | 0x40; /* version 4 (byte 7 is the high byte of field 3) */
	out->b[8] = (out->b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
}

static void fill_entries(struct gpt_entry *e, const struct gpt_part *parts, unsigned n)
{
	memset(e, 0, GPT_ENTRIES * sizeof *e);
	for (unsigned i = 0; i < n; i++) {
		memcpy(e[i].type, parts[i].type.b, 16);
		memcpy(e[i].uuid, parts[i].uuid.b, 16);
		e[i].first_lba = parts[i].first_lba;
		e[i].last_lba = parts[i].last_lba;
		for (size_t c = 0; c < 36 && parts[i].label[c]; c++)
			e[i].name[c] = (uint16_t)(unsigned char)parts[i].label[c];
	}
}

static void protective_mbr(uint8_t mbr[GPT_SECTOR], uint64_t disk_sectors)
{
	uint64_t size = disk_sectors - 1;

	memset(mbr, 0, GPT_SECTOR);
	uint8_t *p = mbr + 446;
	p[1] = 0x00, p[2] = 0x02, p[3] = 0x00; /* CHS of LBA 1 */
	p[4] = 0xee;
	p[5] = p[6] = p[7] = 0xff;
	p[8] = 1;
	uint32_t sz = size > 0xffffffffu ? 0xffffffffu : (uint32_t)size;
	memcpy(p + 12, &sz, 4);
	mbr[510] = 0x55, mbr[511] = 0xaa;
}

static void fill_header(struct gpt_header *h, uint64_t my, uint64_t alt, uint64_t entries_lba,
			uint64_t disk_sectors, const struct guid *disk_guid, uint32_t entries_crc)
{
	memset(h, 0, sizeof *h);
	memcpy(h->signature, "EFI PART", 8);
	h->revision = 0x00010000;
	h->header_size = sizeof *h;
	h->my_lba = my, h->alternate_lba = alt;
	h->first_usable = 1 + GPT_TABLE_SECTORS;
	h->last_usable = disk_sectors - GPT_TABLE_SECTORS - 1;
	memcpy(h->disk_guid, disk_guid->b, 16);
	h->entries_lba = entries_lba;
	h->n_entries = GPT_ENTRIES, h->entry_size = GPT_ENTRY_SIZE;
	h->entries_crc = entries_crc;
	h->header_crc = (uint32_t)crc32(0, (const void *)h, sizeof *h);
}

static int check_parts(uint64_t disk_sectors, const struct gpt_part *parts, unsigned n,
		       struct sk_err *err)
{
	uint64_t prev_end = GPT_TABLE_SECTORS;

	if (n > GPT_ENTRIES)
		return sk_fail(err, 0, "%u partitions, at most %d", n, GPT_ENTRIES);
	for (unsigned i = 0; i < n; i++) {
		if (parts[i].first_lba <= prev_end || parts[i].last_lba < parts[i].first_lba ||
		    parts[i].last_lba >= disk_sectors - GPT_TABLE_SECTORS)
			return sk_fail(err, 0,
				       "partition %u (%s) outside the usable area or overlapping",
				       i + 1, parts[i].label);
		prev_end = parts[i].last_lba;
	}
	return 0;
}

int gpt_write(int fd, uint64_t disk_sectors, const struct guid *disk_guid,
	      const struct gpt_part *parts, unsigned n_parts, struct sk_err *err)
{
	static struct gpt_entry entries[GPT_ENTRIES];
	uint8_t sector[GPT_SECTOR];
	struct gpt_header h;
	uint64_t last = disk_sectors - 1, backup_entries = last - (GPT_TABLE_SECTORS - 1);

	if (check_parts(disk_sectors, parts, n_parts, err) < 0)
		return sk_wrap(err, "GPT");
	fill_entries(entries, parts, n_parts);
	uint32_t ecrc = (uint32_t)crc32(0, (const void *)entries, sizeof entries);
	protective_mbr(sector, disk_sectors);
	if (pwrite_all(fd, sector, GPT_SECTOR, 0, err) < 0 ||
	    pwrite_all(fd, entries, sizeof entries, 2 * GPT_SECTOR, err) < 0 ||
	    pwrite_all(fd, entries, sizeof entries, backup_entries * GPT_SECTOR, err) < 0)
		return sk_wrap(err, "GPT");
	memset(sector, 0, sizeof sector);
	fill_header(&h, 1, last, 2, disk_sectors, disk_guid, ecrc);
	memcpy(sector, &h, sizeof h);
	if (pwrite_all(fd, sector, GPT_SECTOR, GPT_SECTOR, err) < 0)
		return sk_wrap(err, "GPT primary header");
	fill_header(&h, last, 1, backup_entries, disk_sectors, disk_guid, ecrc);
	memcpy(sector, &h, sizeof h);
	if (pwrite_all(fd, sector, GPT_SECTOR, last * GPT_SECTOR, err) < 0)
		return sk_wrap(err, "GPT backup header");
	return 0;
}
