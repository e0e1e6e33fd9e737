/* manifest.json: what an image directory holds (kernel, packed modules,
 * the userland's size, each output's size and sha256), for people and
 * for tests. */
#ifndef SK_IMAGEGEN_MANIFEST_H
#define SK_IMAGEGEN_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct rootfs;

#define MANIFEST_NAME "manifest.json"

/* The image's outputs, in manifest order. */
extern const char *const manifest_outputs[];

/* Hashes DIR's outputs and writes DIR/manifest.json. The userland is
 * every file of FS but the kernel's modules (/lib/modules), uncompressed. */
int manifest_write(const char *dir, const char *kernel_version, const char *const *modules,
		   size_t n_modules, const struct rootfs *fs, uint32_t epoch, struct sk_err *err);

#endif
