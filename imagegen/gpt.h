/* GUID Partition Tables: deterministic GUIDs and writing a protective MBR
 * plus the primary and backup GPT headers and entry arrays. */
#ifndef SK_IMAGEGEN_GPT_H
#define SK_IMAGEGEN_GPT_H

#include <stdint.h>

#include "err.h"

#define GPT_SECTOR     512
#define GPT_ENTRIES    128
#define GPT_ENTRY_SIZE 128
/* Sectors the primary table takes after the MBR (header + entries). */
#define GPT_TABLE_SECTORS (1 + GPT_ENTRIES * GPT_ENTRY_SIZE / GPT_SECTOR)
#define GPT_LABEL_MAX	  36
#define GUID_STR_LEN	  36

/* A GUID in its on-disk byte order (first three fields little-endian). */
struct guid {
	uint8_t b[16];
};

struct gpt_part {
	struct guid type, uuid;
	uint64_t first_lba, last_lba;  /* inclusive */
	char label[GPT_LABEL_MAX + 1]; /* ASCII */
};

/* Parses "c12a7328-f81f-11d2-ba4b-00a0c93ec93b". */
int guid_parse(const char *text, struct guid *out);
/* Lower-case text form, 36 characters plus NUL. */
void guid_format(const struct guid *g, char text[GUID_STR_LEN + 1]);
/* The first N (at most 32) bytes of sha256(SEED || WHAT): identifiers and
 * salts derived from the spec, so that builds are reproducible. */
void seed_derive(const uint8_t seed[32], const char *what, uint8_t *out, size_t n);
/* A version-4-shaped GUID that is a function of SEED and WHAT only, so that
 * two builds of one spec give the same disk. */
void guid_derive(const uint8_t seed[32], const char *what, struct guid *out);

/* Writes the protective MBR, the primary GPT after it and the backup GPT
 * in the last 33 sectors of a disk of DISK_SECTORS sectors. */
int gpt_write(int fd, uint64_t disk_sectors, const struct guid *disk_guid,
	      const struct gpt_part *parts, unsigned n_parts, struct sk_err *err);

#endif
