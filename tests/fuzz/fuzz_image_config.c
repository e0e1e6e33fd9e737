/* Image configs (runtime/image_manifest.c, bundle_gen.c): the config blob
 * of a pulled image, read for its layer diff IDs and turned into a
 * bundle's config.json (Entrypoint, Cmd, Env, WorkingDir). Whatever the
 * runtime generates from an image it accepted, it must accept itself. */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "runtime/image_internal.h"
#include "runtime/oci_spec.h"

static void check_bundle(const cJSON *img)
{
	struct sk_err err = {0};
	struct bundle_opts b = {.no_mount = 1};
	struct bundle_user u = {0, 0};
	struct image_info info = {
	    .name = "registry.test/fuzz:latest",
	    .digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"};
	cJSON *doc = bundle_config(img, &b, &u, &info, &err);
	FUZZ_REQUIRE(doc || err.msg[0], "no config.json and no message");
	if (!doc)
		return;
	char *text = cJSON_PrintUnformatted(doc);
	struct oci_spec spec;
	FUZZ_REQUIRE(text, "print");
	int rc = oci_spec_parse(text, &spec, &err);
	FUZZ_REQUIRE(rc == 0, "generated config.json refused: %s\n%s", err.msg, text);
	oci_spec_free(&spec);
	free(text);
	cJSON_Delete(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct image_config cfg;
	char *body = fuzz_text(data, len);
	int rc = image_config_parse(body, len, &cfg, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0) {
		FUZZ_REQUIRE(cfg.n <= MAX_LAYERS, "%zu diff IDs", cfg.n);
		image_config_free(&cfg);
		/* write_config parses the same bytes again for the bundle */
		cJSON *img = cJSON_ParseWithLength(body, len);
		check_bundle(img);
		cJSON_Delete(img);
	}
	free(body);
	return 0;
}
