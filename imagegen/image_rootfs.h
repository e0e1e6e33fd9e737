/* Collects an image's root filesystem: Skiff's directories and device
 * node, the node binaries, the skeleton, the kernel modules, node.json,
 * the spec's files, and busybox in debug images. */
#ifndef SK_IMAGEGEN_IMAGE_ROOTFS_H
#define SK_IMAGEGEN_IMAGE_ROOTFS_H

#include "err.h"
#include "imagegen.h"
#include "kernel.h"
#include "rootfs.h"
#include "spec.h"
#include "update_key.h"

/* KEY is the spec's update key (loaded, or empty without "update:").
 * Returns 0, or -1 (of class SK_ERR_USAGE when the spec asks for
 * something this image cannot hold). FS is finished (see rootfs.h). */
int image_rootfs(const struct spec *spec, const struct kernel *k, const struct update_key *key,
		 const struct image_opts *opts, struct rootfs *fs, struct sk_err *err);

#endif
