/* An OS update's manifest (lib/update_manifest.c) as the agent reads it
 * from a registry: the config blob of the update artifact. An accepted
 * manifest holds only what the parser promises (a valid version, digests
 * and hashes of lower-case hex, a root that is its blocks); a refused one
 * is a usage error that names the document. Versions taken from the input
 * compare consistently both ways. */
#include "fuzz.h"
#include "update_manifest.h"

static void check_accepted(const struct update_manifest *m)
{
	FUZZ_REQUIRE(update_version_valid(m->version), "version \"%s\"", m->version);
	FUZZ_REQUIRE(strlen(m->uki.digest) == UPDATE_DIGEST_LEN, "uki.digest %s", m->uki.digest);
	FUZZ_REQUIRE(strlen(m->root.digest) == UPDATE_DIGEST_LEN, "root.digest");
	FUZZ_REQUIRE(strlen(m->root_hash) == 64 && strlen(m->salt) == 64, "verity hex");
	FUZZ_REQUIRE(m->root.size == (m->data_blocks + m->hash_blocks) * UPDATE_BLOCK,
		     "root.size %llu", (unsigned long long)m->root.size);
	FUZZ_REQUIRE(m->kernel[0] && m->created[0], "empty text");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct update_manifest m;
	struct sk_err err = {0};
	int rc = update_manifest_parse((const char *)data, len, "update.json", &m, &err);

	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0)
		check_accepted(&m);
	else
		FUZZ_REQUIRE(err.cls == SK_ERR_USAGE && !strncmp(err.msg, "update.json: ", 13),
			     "refusal \"%s\"", err.msg);
	/* the input split in two, as versions: the order is antisymmetric */
	char *a = fuzz_text(data, len / 2), *b = fuzz_text(data + len / 2, len - len / 2);
	int ab = update_version_cmp(a, b), ba = update_version_cmp(b, a);
	FUZZ_REQUIRE((ab > 0) - (ab < 0) == (ba < 0) - (ba > 0), "\"%s\" vs \"%s\"", a, b);
	FUZZ_REQUIRE(update_version_cmp(a, a) == 0, "\"%s\" vs itself", a);
	free(a);
	free(b);
	return 0;
}
