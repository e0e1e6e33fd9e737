/* Image manifests and indexes (runtime/image_manifest.c): what a registry
 * or an OCI layout answers for a tag or digest. The first byte picks the
 * Content-Type the registry claimed; the rest is the body. */
#include "fuzz.h"
#include "runtime/image_internal.h"

static const char *const content_types[] = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/json",
    "",
};
#define N_TYPES (sizeof content_types / sizeof content_types[0])

static const char *const platforms[] = {"linux/amd64", "linux/arm64/v8", "linux/arm/v7"};

static void use_manifest(const struct manifest *m)
{
	struct sk_err err = {0};
	struct descriptor d;
	if (m->kind == MANIFEST_INDEX) {
		for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++) {
			int rc = manifest_select(m, platforms[i], &d, &err);
			FUZZ_REQUIRE_MESSAGE(rc, &err);
		}
		return;
	}
	for (size_t i = 0; i < m->n; i++)
		layer_compression_of(m->entries[i].media_type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct manifest m;
	if (len < 1)
		return 0;
	const char *type = content_types[data[0] % N_TYPES];
	/* the body as http_body_read_all leaves it: exactly len bytes, NUL after */
	char *body = fuzz_text(data + 1, len - 1);
	int rc = manifest_parse(body, len - 1, type, &m, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0) {
		FUZZ_REQUIRE(m.n <= MAX_LAYERS, "%zu entries", m.n);
		use_manifest(&m);
		manifest_free(&m);
	}
	free(body);
	return 0;
}
