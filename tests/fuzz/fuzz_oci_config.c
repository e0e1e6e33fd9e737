/* OCI runtime configuration (runtime/oci_*.c, seccomp.c): the config.json
 * of a bundle, as `skiff-runtime create` reads it, including the
 * linux.seccomp profile it compiles with libseccomp (never loaded here). */
#include "fuzz.h"
#include "runtime/oci_spec.h"
#include "runtime/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct oci_spec spec;
	char *text = fuzz_text(data, len);
	int rc = oci_spec_parse(text, &spec, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0 && spec.seccomp) {
		void *filter = NULL;
		rc = seccomp_build(spec.seccomp, &filter, &err);
		FUZZ_REQUIRE_MESSAGE(rc, &err);
		if (rc == 0)
			seccomp_filter_free(filter);
	}
	oci_spec_free(&spec);
	free(text);
	return 0;
}
