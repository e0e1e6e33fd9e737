/* Unified kernel images: systemd-boot's EFI stub (a PE32+ file) with the
 * os-release text, the kernel command line, the initramfs and the kernel
 * appended as new sections, written in C (no objcopy). */
#ifndef SK_IMAGEGEN_UKI_H
#define SK_IMAGEGEN_UKI_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define UKI_STUB_PATH "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"

struct uki_section {
	const char *name; /* at most 8 characters, e.g. ".linux" */
	const uint8_t *data;
	size_t len;
};

/* Appends SECTIONS, in order, to the PE image STUB (STUB_LEN bytes) at
 * 4096-aligned virtual addresses after its last section. OUT is malloc'ed. */
int uki_build(const uint8_t *stub, size_t stub_len, const struct uki_section *sections, size_t n,
	      uint8_t **out, size_t *out_len, struct sk_err *err);

#endif
