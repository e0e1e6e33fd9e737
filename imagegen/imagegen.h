/* Building an image directory from a spec: the library behind
 * "skiff-imagegen build". */
#ifndef SK_IMAGEGEN_H
#define SK_IMAGEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct image_opts {
	const char *spec_path;
	const char *out_dir;
	const char *bin_dir;	 /* skiff-init and the other node binaries */
	const char *rootfs_dir;	 /* the skeleton (rootfs/) */
	const char *boot_dir;	 /* "/boot": the cloud kernels */
	const char *modules_dir; /* "/lib/modules" */
	const char *kernels_dir; /* Skiff's own kernels: PROFILE/boot, PROFILE/lib/modules */
	uint32_t epoch;		 /* SOURCE_DATE_EPOCH */
};

struct image_summary {
	char kernel[128];
	size_t n_modules;
	size_t n_entries;
};

/* Builds OPTS->out_dir atomically: it is replaced only on success, and a
 * failure leaves nothing behind. Returns 0, or -1: of class SK_ERR_USAGE
 * when the spec is wrong (for this host), else the build failed. */
int image_build(const struct image_opts *opts, struct image_summary *summary, struct sk_err *err);

#endif
