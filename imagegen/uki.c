/* PE32+ section appending (Microsoft PE/COFF specification): the new
 * section headers go into the header area's slack after the existing
 * table, the section data after the end of the file, each at FileAlignment;
 * SizeOfImage and the section count are updated, CheckSum cleared (UEFI
 * firmware does not check it). */
#include "uki.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SECTION_HEADER	40
#define UKI_VA_ALIGN	4096
#define SCN_INITIALIZED 0x00000040u
#define SCN_MEM_READ	0x40000000u

struct pe {
	size_t coff, opt, table; /* offsets of the COFF header, optional header, section table */
	unsigned n_sections;
	uint32_t file_align, section_align, size_of_headers;
	uint32_t next_va;   /* first free virtual address */
	uint32_t first_raw; /* lowest PointerToRawData */
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
	p[3] = (uint8_t)(v >> 24);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static void scan_sections(const uint8_t *b, struct pe *pe)
{
	pe->next_va = 0;
	pe->first_raw = UINT32_MAX;
	for (unsigned i = 0; i < pe->n_sections; i++) {
		const uint8_t *s = b + pe->table + i * SECTION_HEADER;
		uint32_t vsize = get32(s + 8), va = get32(s + 12), raw = get32(s + 16),
			 ptr = get32(s + 20);
		uint32_t end = va + (vsize > raw ? vsize : raw);
		if (end > pe->next_va)
			pe->next_va = end;
		if (raw && ptr < pe->first_raw)
			pe->first_raw = ptr;
	}
}

static int parse_pe(const uint8_t *b, size_t len, struct pe *pe, struct sk_err *err)
{
	if (len < 0x40 || b[0] != 'M' || b[1] != 'Z')
		return sk_fail(err, 0, "not a PE file (no MZ header)");
	pe->coff = get32(b + 0x3c) + 4;
	if (pe->coff + 20 > len || memcmp(b + pe->coff - 4, "PE\0\0", 4) != 0)
		return sk_fail(err, 0, "not a PE file (no PE signature)");
	pe->n_sections = get16(b + pe->coff + 2);
	pe->opt = pe->coff + 20;
	pe->table = pe->opt + get16(b + pe->coff + 16);
	if (pe->opt + 64 > len || get16(b + pe->opt) != 0x20b)
		return sk_fail(err, 0, "not a PE32+ image");
	pe->section_align = get32(b + pe->opt + 32);
	pe->file_align = get32(b + pe->opt + 36);
	pe->size_of_headers = get32(b + pe->opt + 60);
	if (pe->table + (size_t)pe->n_sections * SECTION_HEADER > len || !pe->file_align ||
	    !pe->section_align || UKI_VA_ALIGN % pe->section_align)
		return sk_fail(err, 0, "malformed PE headers");
	scan_sections(b, pe);
	return 0;
}

static void add_header(uint8_t *h, const struct uki_section *s, uint32_t va, uint32_t raw_size,
		       uint32_t raw_ptr)
{
	memset(h, 0, SECTION_HEADER);
	memcpy(h, s->name, strnlen(s->name, 8));
	put32(h + 8, (uint32_t)s->len), put32(h + 12, va);
	put32(h + 16, raw_size), put32(h + 20, raw_ptr);
	put32(h + 36, SCN_INITIALIZED | SCN_MEM_READ);
}

static int check_room(const struct pe *pe, size_t n, const struct uki_section *s, size_t stub_len,
		      struct sk_err *err)
{
	size_t table_end = pe->table + (pe->n_sections + n) * SECTION_HEADER;
	uint64_t total = align_up(stub_len, pe->file_align);

	if (table_end > pe->size_of_headers || table_end > pe->first_raw)
		return sk_fail(err, 0, "no room for %zu more section headers in the stub", n);
	for (size_t i = 0; i < n; i++)
		total += align_up(s[i].len, pe->file_align);
	if (total > UINT32_MAX / 2)
		return sk_fail(err, 0, "unified kernel image over 2 GiB");
	return 0;
}

int uki_build(const uint8_t *stub, size_t stub_len, const struct uki_section *sections, size_t n,
	      uint8_t **out, size_t *out_len, struct sk_err *err)
{
	struct pe pe = {0};
	uint64_t total, raw_ptr, va;
	uint8_t *b;

	if (parse_pe(stub, stub_len, &pe, err) < 0 ||
	    check_room(&pe, n, sections, stub_len, err) < 0)
		return sk_wrap(err, "EFI stub");
	total = align_up(stub_len, pe.file_align);
	for (size_t i = 0; i < n; i++)
		total += align_up(sections[i].len, pe.file_align);
	if (!(b = calloc(1, total)))
		return sk_fail(err, ENOMEM, "unified kernel image");
	memcpy(b, stub, stub_len);
	raw_ptr = align_up(stub_len, pe.file_align);
	va = align_up(pe.next_va, UKI_VA_ALIGN);
	for (size_t i = 0; i < n; i++) {
		uint32_t raw_size = (uint32_t)align_up(sections[i].len, pe.file_align);
		add_header(b + pe.table + (pe.n_sections + i) * SECTION_HEADER, &sections[i],
			   (uint32_t)va, raw_size, (uint32_t)raw_ptr);
		memcpy(b + raw_ptr, sections[i].data, sections[i].len);
		raw_ptr += raw_size;
		va = align_up(va + sections[i].len, UKI_VA_ALIGN);
	}
	b[pe.coff + 2] = (uint8_t)(pe.n_sections + n),
		    b[pe.coff + 3] = (uint8_t)((pe.n_sections + n) >> 8);
	put32(b + pe.opt + 56, (uint32_t)align_up(va, pe.section_align)); /* SizeOfImage */
	put32(b + pe.opt + 64, 0);					  /* CheckSum */
	*out = b, *out_len = total;
	return 0;
}
