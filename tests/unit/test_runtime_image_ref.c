#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "../../runtime/image_internal.h"

static const char *norm(const char *in)
{
	static char buf[600];
	struct image_ref r;
	struct sk_err err;
	if (image_ref_parse(in, &r, &err) < 0)
		return "ERROR";
	image_ref_name(&r, buf, sizeof buf);
	return buf;
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

TEST(reference_normalisation)
{
	CHECK_STREQ(norm("busybox"), "docker.io/library/busybox:latest");
	CHECK_STREQ(norm("busybox:1.36"), "docker.io/library/busybox:1.36");
	CHECK_STREQ(norm("docker.io/library/busybox:latest"), "docker.io/library/busybox:latest");
	CHECK_STREQ(norm("index.docker.io/busybox"), "docker.io/library/busybox:latest");
	CHECK_STREQ(norm("user/app"), "docker.io/user/app:latest");
	CHECK_STREQ(norm("localhost/app"), "localhost/app:latest");
	CHECK_STREQ(norm("127.0.0.1:5000/a/b:v1"), "127.0.0.1:5000/a/b:v1");
	CHECK_STREQ(norm("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:prod"),
		    "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:prod");
	CHECK_STREQ(norm("busybox@sha256:" HEX64), "docker.io/library/busybox@sha256:" HEX64);
	CHECK_STREQ(norm("busybox:1@sha256:" HEX64), "docker.io/library/busybox:1");
}

TEST(reference_api_host_and_digest)
{
	struct image_ref r;
	struct sk_err err;
	CHECK(image_ref_parse("busybox@sha256:" HEX64, &r, &err) == 0);
	CHECK_STREQ(image_ref_api_host(&r), "registry-1.docker.io");
	CHECK_STREQ(r.digest, "sha256:" HEX64);
	CHECK(r.tag[0] == '\0');
	CHECK(image_ref_parse("localhost:5000/x", &r, &err) == 0);
	CHECK_STREQ(image_ref_api_host(&r), "localhost:5000");
}

TEST(bad_references)
{
	CHECK_STREQ(norm("BusyBox"), "ERROR");
	CHECK_STREQ(norm("busybox:"), "ERROR");
	CHECK_STREQ(norm("busybox:-x"), "ERROR");
	CHECK_STREQ(norm("a//b"), "ERROR");
	CHECK_STREQ(norm("../x"), "ERROR");
	CHECK_STREQ(norm("x@sha256:abc"), "ERROR");
	CHECK_STREQ(norm("x@md5:" HEX64), "ERROR");
	CHECK_STREQ(norm(""), "ERROR");
	CHECK_STREQ(norm("reg.io/"), "ERROR");
}

TEST(digests)
{
	char d[DIGEST_MAX];
	struct sk_err err;
	CHECK(digest_check("sha256:" HEX64, &err) == 0);
	CHECK(digest_check("sha256:" HEX64 "0", &err) < 0);
	CHECK(
	    digest_check("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
			 &err) < 0);
	CHECK(digest_check("sha512:" HEX64, &err) < 0);
	CHECK(digest_check("sha256:../../../../etc/passwd", &err) < 0);
	digest_of("", 0, d);
	CHECK_STREQ(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static const char index_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/"
    "vnd.docker.distribution.manifest.list.v2+json\","
    "\"manifests\":["
    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":10,"
    "\"digest\":\"sha256:" HEX64
    "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"size\":11,"
    "\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\","
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

TEST(manifest_list_platforms)
{
	struct manifest m;
	struct descriptor d;
	struct sk_err err;
	CHECK(manifest_parse(index_json, strlen(index_json), NULL, &m, &err) == 0);
	CHECK(m.kind == MANIFEST_INDEX && m.n == 2);
	CHECK(manifest_select(&m, NULL, &d, &err) == 0);
	CHECK(d.size == 11);
	CHECK(manifest_select(&m, "linux/arm/v7", &d, &err) == 0);
	CHECK(d.size == 10);
	CHECK(manifest_select(&m, "linux/arm/v6", &d, &err) < 0);
	CHECK(manifest_select(&m, "windows/amd64", &d, &err) < 0);
	CHECK(manifest_select(&m, "linux", &d, &err) < 0);
	CHECK_STREQ(err.msg, "platform \"linux\": expected os/arch[/variant]");
	/* what sscanf("%31[^/]/%31[^/]/%31s") accepted and refused */
	CHECK(manifest_select(&m, "linux/amd64/", &d, &err) == 0 && d.size == 11);
	CHECK(manifest_select(&m, "linux/arm/ v7 x", &d, &err) == 0 && d.size == 10);
	CHECK(manifest_select(&m, "linux/arm/v7/x", &d, &err) < 0);
	CHECK(manifest_select(&m, "/amd64", &d, &err) < 0 && strstr(err.msg, "expected"));
	CHECK(manifest_select(&m, "linux//v7", &d, &err) < 0 && strstr(err.msg, "expected"));
	CHECK(manifest_select(&m, "linux/", &d, &err) < 0 && strstr(err.msg, "expected"));
	CHECK(manifest_select(&m, "linuxlinuxlinuxlinuxlinuxlinuxli/amd64", &d, &err) < 0 &&
	      strstr(err.msg, "expected"));
	CHECK(manifest_select(&m, "linux/arm0123456789012345678901234567890/v7", &d, &err) < 0 &&
	      strstr(err.msg, "no manifest"));
	manifest_free(&m);
}

TEST(manifest_validation)
{
	struct manifest m;
	struct sk_err err;
	const char *ok =
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64 "\",\"size\":5},"
	    "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
	    "\"digest\":\"sha256:" HEX64 "\",\"size\":7}]}";
	CHECK(manifest_parse(ok, strlen(ok), "application/vnd.oci.image.manifest.v1+json", &m,
			     &err) == 0);
	CHECK(m.kind == MANIFEST_IMAGE && m.n == 1 && m.entries[0].size == 7 && m.config.size == 5);
	CHECK(layer_compression_of(m.entries[0].media_type) == LAYER_GZIP);
	manifest_free(&m);
	const char *neg = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64
			  "\",\"size\":-5},\"layers\":[]}";
	CHECK(manifest_parse(neg, strlen(neg), NULL, &m, &err) < 0);
	const char *bad = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../"
			  "x\",\"size\":5},\"layers\":[]}";
	CHECK(manifest_parse(bad, strlen(bad), NULL, &m, &err) < 0);
	const char *v1 = "{\"schemaVersion\":1,\"mediaType\":\"application/"
			 "vnd.docker.distribution.manifest.v1+json\"}";
	CHECK(manifest_parse(v1, strlen(v1), NULL, &m, &err) < 0);
	CHECK(strstr(err.msg, "unsupported media type") != NULL);
	CHECK(manifest_parse("[", 1, NULL, &m, &err) < 0);
	CHECK(layer_compression_of("application/vnd.oci.image.layer.v1.tar+zstd") == LAYER_ZSTD);
}

TEST(www_authenticate)
{
	struct auth_challenge c;
	struct sk_err err;
	CHECK(
	    auth_challenge_parse(
		"Bearer "
		"realm=\"https://auth.docker.io/"
		"token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"",
		&c, &err) == 0);
	CHECK_STREQ(c.scheme, "Bearer");
	CHECK_STREQ(c.realm, "https://auth.docker.io/token");
	CHECK_STREQ(c.service, "registry.docker.io");
	CHECK_STREQ(c.scope, "repository:library/busybox:pull");
	CHECK(auth_challenge_parse("Basic realm=\"Registry Realm\"", &c, &err) == 0);
	CHECK_STREQ(c.scheme, "Basic");
	CHECK_STREQ(c.realm, "Registry Realm");
	CHECK(auth_challenge_parse("Bearer realm=\"unterminated", &c, &err) < 0);
}

TEST(credentials)
{
	struct image_opts o = {.creds = "u:p"};
	char out[256];
	struct sk_err err;
	CHECK(auth_find_creds(&o, "docker.io", out, sizeof out, &err) == 0);
	CHECK_STREQ(out, "u:p");
	o.creds = "nocolon";
	CHECK(auth_find_creds(&o, "docker.io", out, sizeof out, &err) < 0);
}

static char image_dir[64];

/* Writes an image root (image_dir) with these /etc/passwd and /etc/group;
 * returns its fd. */
static int image_root(const char *passwd, const char *group)
{
	char *dir = image_dir, path[128];
	FILE *f;
	snprintf(dir, sizeof image_dir, "/tmp/test-image-user.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/etc", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/etc/passwd", dir);
	if ((f = fopen(path, "w")))
		fputs(passwd, f), fclose(f);
	snprintf(path, sizeof path, "%s/etc/group", dir);
	if ((f = fopen(path, "w")))
		fputs(group, f), fclose(f);
	return open(dir, O_RDONLY | O_DIRECTORY);
}

/* The image's User looked up in its own files (fuzz_image_user found a
 * null pointer offset at the last line): fields never come from the next
 * line, and no id is (uid_t)-1, which setresuid reads as "unchanged". */
TEST(image_user_lookup)
{
	struct sk_err err = {0};
	struct bundle_user u;
	int root = image_root("root:x:0:0::/:/bin/sh\nshort:x\n:42:42::/:/bin/sh\n"
			      "bad:x:70abc:1::/:/bin/sh\nbad:x:71:71::/:/bin/sh\n"
			      "app:x:70:71::/:/bin/sh",
			      "root:x:0:\nstaff:x:50:a,b");
	CHECK(root >= 0);
	CHECK(bundle_resolve_user(root, "app", &u, &err) == 0 && u.uid == 70 && u.gid == 71);
	CHECK(bundle_resolve_user(root, "app:staff", &u, &err) == 0 && u.uid == 70 && u.gid == 50);
	CHECK(bundle_resolve_user(root, "1000", &u, &err) == 0 && u.uid == 1000 && u.gid == 0);
	CHECK(bundle_resolve_user(root, "short", &u, &err) < 0);
	CHECK_STREQ(err.msg, "user \"short\": not found in the image's /etc/passwd");
	CHECK(bundle_resolve_user(root, "bad", &u, &err) < 0);
	CHECK(bundle_resolve_user(root, "nobody", &u, &err) < 0);
	CHECK(bundle_resolve_user(root, "4294967295", &u, &err) < 0);
	CHECK(bundle_resolve_user(root, "-1", &u, &err) < 0);
	CHECK(bundle_resolve_user(root, "0:4294967295", &u, &err) < 0);
	/* what sscanf("%255[^:]:%255s") accepted and refused */
	CHECK(bundle_resolve_user(root, ":staff", &u, &err) < 0);
	CHECK_STREQ(err.msg, "user \":staff\": expected user[:group]");
	CHECK(bundle_resolve_user(root, "app:", &u, &err) == 0 && u.uid == 70 && u.gid == 71);
	CHECK(bundle_resolve_user(root, "app: staff", &u, &err) == 0 && u.uid == 70 && u.gid == 50);
	CHECK(bundle_resolve_user(root, "70:50 x", &u, &err) == 0 && u.uid == 70 && u.gid == 50);
	unlinkat(root, "etc/passwd", 0);
	unlinkat(root, "etc/group", 0);
	unlinkat(root, "etc", AT_REMOVEDIR);
	close(root);
	rmdir(image_dir);
}

int main(void)
{
	RUN(reference_normalisation);
	RUN(reference_api_host_and_digest);
	RUN(bad_references);
	RUN(digests);
	RUN(manifest_list_platforms);
	RUN(manifest_validation);
	RUN(www_authenticate);
	RUN(credentials);
	RUN(image_user_lookup);
	return check_summary();
}
