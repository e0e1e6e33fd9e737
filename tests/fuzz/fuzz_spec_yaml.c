/* The image spec (imagegen/spec.c + yaml_walk.c): the YAML file an
 * operator hands skiff-imagegen. Errors must name the file and line. */
#include "fuzz.h"
#include "imagegen/spec.h"

#define NAME "spec.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct spec s;
	/* spec_load hands the parser the file's bytes with a NUL after them */
	char *text = fuzz_text(data, len);
	int rc = spec_parse(NAME, text, len, &s, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	FUZZ_REQUIRE(rc == 0 || strncmp(err.msg, NAME ":", sizeof NAME) == 0,
		     "error does not name the file: %s", err.msg);
	spec_free(&s);
	free(text);
	return 0;
}
