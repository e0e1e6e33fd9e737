/* The update manifest (lib/update_manifest.c, update_key.c,
 * update_version.c): the parser names the field of every error; a
 * signature made by openssl (the peer imagegen's output is checked
 * against) verifies, and a changed byte, another key, a cut signature and
 * a wrong key id are refused; versions sort as systemd-boot sorts them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "file.h"
#include "update_manifest.h"

static char dir[] = "/tmp/skiff-update-test.XXXXXX";

static const char *at(const char *name)
{
	static char buf[4][256];
	static int i;
	char *p = buf[i++ & 3];
	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static char *slurp(const char *name, size_t *len)
{
	struct sk_err err = {0};
	char *s = NULL;
	if (sk_read_file(at(name), 1 << 20, &s, len, &err) < 0)
		fprintf(stderr, "%s\n", err.msg);
	return s;
}

static int sh(const char *fmt, const char *arg)
{
	char cmd[2048], inner[1024];
	snprintf(inner, sizeof inner, fmt, arg);
	snprintf(cmd, sizeof cmd, "cd %s && { %s; } >>openssl.log 2>&1", dir, inner);
	return system(cmd);
}

/* A manifest naming KEY_ID, as imagegen writes it. */
static void write_manifest(const char *file, const char *version, const char *key_id)
{
	char doc[2048];
	struct sk_err err = {0};
	snprintf(doc, sizeof doc,
		 "{\"schemaVersion\":1,\"version\":\"%s\",\"kernel\":\"6.1.0-27-cloud-amd64\","
		 "\"uki\":{\"digest\":\"sha256:%064d\",\"size\":123},"
		 "\"root\":{\"digest\":\"sha256:%064d\",\"size\":%d,"
		 "\"verity\":{\"rootHash\":\"%064d\",\"salt\":\"%064d\","
		 "\"dataBlocks\":10,\"hashBlocks\":2}},"
		 "\"created\":\"2026-11-30T00:00:00Z\",\"key\":\"%s\"}",
		 version, 1, 2, 12 * 4096, 3, 4, key_id);
	CHECK(sk_write_atomic(at(file), doc, strlen(doc), &err) == 0);
}

static struct update_key key, other;

/* Two P-256 keys by openssl (one SEC1, one PKCS#8), their SPKIs, and a
 * manifest signed by the first. */
static void setup(void)
{
	struct sk_err err = {0};
	CHECK(mkdtemp(dir) != NULL);
	CHECK(sh("openssl ecparam -name prime256v1 -genkey -noout -out k1.pem && "
		 "openssl ec -in k1.pem -pubout -out k1.pub && "
		 "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k2.pem && "
		 "openssl pkey -in k2.pem -pubout -out k2.pub%s",
		 "") == 0);
	CHECK(update_key_load(at("k1.pub"), &key, &err) == 0);
	CHECK(update_key_load(at("k2.pub"), &other, &err) == 0);
	write_manifest("update.json", "3", key.id);
	CHECK(sh("openssl dgst -sha256 -sign k1.pem -out update.sig update.json%s", "") == 0);
}

TEST(key_id_is_sha256_of_spki)
{
	char want[80];
	FILE *p;
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "openssl pkey -pubin -in %s -outform DER | sha256sum | cut -c1-64", at("k1.pub"));
	CHECK((p = popen(cmd, "r")) != NULL);
	strcpy(want, "sha256:");
	CHECK(fgets(want + 7, 70, p) != NULL);
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	CHECK_STREQ(key.id, want);
	CHECK(strcmp(key.id, other.id) != 0);
}

TEST(key_refuses_other_files)
{
	struct sk_err err = {0};
	char path[300];
	/* a private key, and an RSA public key, are not update keys */
	CHECK(update_key_load(at("k1.pem"), &(struct update_key){0}, &err) < 0);
	snprintf(path, sizeof path, "%s: no PEM \"PUBLIC KEY\" in it", at("k1.pem"));
	CHECK_STREQ(err.msg, path);
	CHECK(sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 2>/dev/null | "
		 "openssl pkey -pubout -out rsa.pub%s",
		 "") == 0);
	CHECK(update_key_load(at("rsa.pub"), &(struct update_key){0}, &err) < 0);
	snprintf(path, sizeof path, "%s: not an EC P-256 public key", at("rsa.pub"));
	CHECK_STREQ(err.msg, path);
	CHECK(err.cls == SK_ERR_USAGE);
}

static const struct update_limits limits = {"2", 1 << 20, 1 << 20};

static int check_files(const char *doc_file, const char *sig_file, const struct update_key *k,
		       const struct update_limits *lim, struct update_manifest *m,
		       struct sk_err *err)
{
	size_t dlen, slen;
	char *doc = slurp(doc_file, &dlen), *sig = slurp(sig_file, &slen);
	int rc = update_check(k, "/etc/skiff/update.pub", doc, dlen, sig, slen, lim, m, err);
	free(doc);
	free(sig);
	return rc;
}

TEST(openssl_signature_verifies)
{
	struct update_manifest m;
	struct sk_err err = {0};
	CHECK(check_files("update.json", "update.sig", &key, &limits, &m, &err) == 0);
	CHECK_STREQ(m.version, "3");
	CHECK_STREQ(m.kernel, "6.1.0-27-cloud-amd64");
	CHECK(m.root.size == 12 * 4096 && m.data_blocks == 10 && m.hash_blocks == 2);
	CHECK(m.uki.size == 123);
	CHECK(!strncmp(m.root_hash, "000", 3) && m.root_hash[63] == '3');
	CHECK_STREQ(m.key, key.id);
	/* and openssl agrees that what imagegen signs this way verifies */
	CHECK(sh("openssl dgst -sha256 -verify k1.pub -signature update.sig update.json%s", "") ==
	      0);
}

TEST(refusals_each_say_why)
{
	struct update_manifest m;
	struct sk_err err = {0};
	size_t len;
	char *doc = slurp("update.json", &len), *sig;

	/* one byte of the document changed */
	doc[len - 3] ^= 1;
	CHECK(sk_write_atomic(at("flipped.json"), doc, len, &err) == 0);
	free(doc);
	CHECK(check_files("flipped.json", "update.sig", &key, &limits, &m, &err) < 0);
	CHECK_STREQ(err.msg, "update signature does not verify with /etc/skiff/update.pub");
	CHECK(err.cls == SK_ERR_USAGE);
	/* the right document checked with another key */
	CHECK(check_files("update.json", "update.sig", &other, &limits, &m, &err) < 0);
	CHECK_STREQ(err.msg, "update signature does not verify with /etc/skiff/update.pub");
	/* a cut signature */
	sig = slurp("update.sig", &len);
	CHECK(sk_write_atomic(at("cut.sig"), sig, len - 5, &err) == 0);
	free(sig);
	CHECK(check_files("update.json", "cut.sig", &key, &limits, &m, &err) < 0);
	CHECK(strstr(err.msg, "update signature is not an ECDSA signature in DER") != NULL);
	/* signed by the right key, but naming another */
	write_manifest("wrongid.json", "3", other.id);
	CHECK(sh("openssl dgst -sha256 -sign k1.pem -out wrongid.sig wrongid.json%s", "") == 0);
	CHECK(check_files("wrongid.json", "wrongid.sig", &key, &limits, &m, &err) < 0);
	CHECK(strstr(err.msg, "update manifest names key sha256:") == err.msg);
	CHECK(strstr(err.msg, other.id) && strstr(err.msg, key.id));
}

TEST(refuses_old_versions_and_sizes)
{
	struct update_manifest m;
	struct sk_err err = {0};
	struct update_limits lim = limits;

	lim.running = "3";
	CHECK(check_files("update.json", "update.sig", &key, &lim, &m, &err) < 0);
	CHECK_STREQ(err.msg, "version 3 is not newer than the running version 3");
	lim.running = "10";
	CHECK(check_files("update.json", "update.sig", &key, &lim, &m, &err) < 0);
	lim = limits;
	lim.root_slot_size = 12 * 4096 - 1;
	CHECK(check_files("update.json", "update.sig", &key, &lim, &m, &err) < 0);
	CHECK_STREQ(err.msg, "the root of version 3 (49152 bytes) does not fit the root slot "
			     "(49151 bytes)");
	lim = limits;
	lim.uki_max_size = 100;
	CHECK(check_files("update.json", "update.sig", &key, &lim, &m, &err) < 0);
	CHECK(strstr(err.msg, "does not fit the EFI system partition (100 bytes free)") != NULL);
}

static const char *parse_error(const char *doc)
{
	static struct sk_err err;
	struct update_manifest m;
	memset(&err, 0, sizeof err);
	if (update_manifest_parse(doc, strlen(doc), "update.json", &m, &err) == 0)
		return "(parsed)";
	return err.msg;
}

/* The good manifest with FIELD's text replaced by WITH. */
static const char *mangled(const char *from, const char *with)
{
	static char buf[4096];
	size_t len;
	char *doc = slurp("update.json", &len), *p = strstr(doc, from);
	CHECK(p != NULL);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - doc), doc, with, p + strlen(from));
	free(doc);
	return buf;
}

TEST(parser_names_the_field)
{
	static const struct {
		const char *from, *to, *want;
	} cases[] = {
	    {"\"rootHash\":\"0000", "\"rootHash\":\"00x0",
	     "update.json: root.verity.rootHash: not 64 hex digits"},
	    {"\"version\":\"3\"", "\"version\":\"3 4\"",
	     "update.json: version: not a version (1 to 32 of A-Z a-z 0-9 . _ + ~ -)"},
	    {"\"version\":\"3\"", "\"version\":3", "update.json: version: expected a string"},
	    {"\"schemaVersion\":1", "\"schemaVersion\":2",
	     "update.json: schemaVersion: this node reads version 1 only"},
	    {"\"size\":123", "\"size\":-1",
	     "update.json: uki.size: expected a whole number above 0"},
	    {"\"size\":123", "\"size\":1.5",
	     "update.json: uki.size: expected a whole number above 0"},
	    {"\"digest\":\"sha256:", "\"digest\":\"sha512:",
	     "update.json: uki.digest: not sha256: and 64 lower-case hex digits"},
	    {"\"dataBlocks\":10", "\"dataBlocks\":11",
	     "update.json: root.size: 49152 is not (dataBlocks + hashBlocks) * 4096"},
	    {"\"verity\":{", "\"verity\":[],\"x\":{",
	     "update.json: root.verity: expected an object"},
	    {"\"salt\"", "\"Salt\"", "update.json: root.verity.salt: missing"},
	    {"\"kernel\":\"6", "\"kernel\":\"\\u0001",
	     "update.json: kernel: holds a control character"},
	    {"{\"schemaVersion\"", "[{\"schemaVersion\"", "update.json: not JSON (at byte "},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *got = parse_error(mangled(cases[i].from, cases[i].to));
		if (strncmp(got, cases[i].want, strlen(cases[i].want)) != 0)
			fprintf(stderr, "  case %zu: got \"%s\"\n", i, got);
		CHECK(strncmp(got, cases[i].want, strlen(cases[i].want)) == 0);
	}
	CHECK_STREQ(parse_error("[1]"), "update.json: expected a JSON object");
	/* a newer manifest's extra fields do not stop an older node */
	CHECK_STREQ(parse_error(mangled("\"created\"", "\"future\":{\"x\":1},\"created\"")),
		    "(parsed)");
}

TEST(versions_sort_as_systemd_boot)
{
	/* oldest first */
	static const char *const order[] = {
	    "~1",    "ab",	"abb",	 "abc",	    "0001",   "002",   "9",	  "10",
	    "12",    "122",	"122.9", "123~rc1", "123",    "123-a", "123-a.1", "123-3",
	    "123^1", "123.a-1", "123.1", "123.1-1", "123a-1", "124",   "124.0.1"};
	size_t n = sizeof order / sizeof *order;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int r = update_version_cmp(order[i], order[j]);
			int want = (i > j) - (i < j);
			if ((r > 0) - (r < 0) != want)
				fprintf(stderr, "  %s vs %s: %d\n", order[i], order[j], r);
			CHECK((r > 0) - (r < 0) == want);
		}
	CHECK(update_version_cmp("2", "1") > 0 && update_version_cmp("1.10", "1.9") > 0);
	CHECK(update_version_valid("2.0~rc1+build_3") && !update_version_valid(""));
	CHECK(!update_version_valid("123456789012345678901234567890123"));
	CHECK(!update_version_valid("1/2"));
}

int main(void)
{
	setup();
	RUN(key_id_is_sha256_of_spki);
	RUN(key_refuses_other_files);
	RUN(openssl_signature_verifies);
	RUN(refusals_each_say_why);
	RUN(refuses_old_versions_and_sizes);
	RUN(parser_names_the_field);
	RUN(versions_sort_as_systemd_boot);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0);
	return check_summary();
}
