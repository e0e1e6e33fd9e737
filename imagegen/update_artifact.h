/* The update artifact (docs/disk.md "The update artifact"): an OCI image
 * layout DIR/update/ holding one manifest whose config is the signed
 * update manifest (application/vnd.skiff.update.v1+json) and whose layers
 * are its signature, the UKI and the root partition's bytes; plus
 * DIR/update.json and DIR/update.sig for people and tests. Pushable with
 * `skopeo copy oci:DIR/update:VERSION docker://...`. */
#ifndef SK_IMAGEGEN_UPDATE_ARTIFACT_H
#define SK_IMAGEGEN_UPDATE_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "update_key.h"
#include "verity_tree.h"

#define UPDATE_MEDIA_MANIFEST "application/vnd.skiff.update.v1+json"
#define UPDATE_MEDIA_SIG      "application/vnd.skiff.update.signature.v1"
#define UPDATE_MEDIA_UKI      "application/vnd.skiff.update.uki.v1"
#define UPDATE_MEDIA_ROOT     "application/vnd.skiff.update.root.v1"

struct update_input {
	const char *dir; /* the image directory */
	const char *version, *kernel_version;
	const uint8_t *uki; /* the exact bytes of the ESP's skiff-<slot>.efi */
	size_t uki_len;
	const char *root_path; /* squashfs + verity tree: a root slot's bytes */
	const struct verity_params *verity;
	uint32_t epoch; /* "created" */
	const struct update_key *key;
};

int update_artifact_write(const struct update_input *in, struct sk_err *err);

#endif
