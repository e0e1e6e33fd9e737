/* Layer unpacking (runtime/unpack.c): a layer blob from a registry, tar
 * or gzip'd tar, unpacked into an empty directory. Beyond memory errors,
 * the promise checked is confinement: no entry may create, change or
 * remove anything outside the layer's directory.
 *
 * A bug here could write anywhere, so this harness runs only inside the
 * private root tests/fuzz/run builds for it (a tmpfs in a mount namespace
 * of its own, the system bound read-only) and refuses to start elsewhere. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fuzz.h"
#include "runtime/image_internal.h"

#define JAIL_MARK "/.skiff-fuzz-root"
#define SCRATCH	  "/scratch"

static int scratch = -1;
static char *root_listing; /* "/" as it was at the start */

/* The names in DIR, sorted, joined by '/' (a fingerprint of the listing). */
static char *listing(const char *dir)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);
	FUZZ_REQUIRE(n >= 0, "scandir %s", dir);
	size_t cap = 1, used = 0;
	for (int i = 0; i < n; i++)
		cap += strlen(v[i]->d_name) + 1;
	char *s = malloc(cap);
	FUZZ_REQUIRE(s, "malloc");
	s[0] = '\0';
	for (int i = 0; i < n; i++) {
		used += sprintf(s + used, "%s/", v[i]->d_name);
		free(v[i]);
	}
	free(v);
	return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct statfs st;
	if (statfs("/", &st) < 0 || st.f_type != TMPFS_MAGIC || access(JAIL_MARK, F_OK) < 0) {
		fprintf(stderr, "fuzz_layer_unpack: refusing to run outside the private root of "
				"tests/fuzz/run (it unpacks hostile layers)\n");
		exit(2);
	}
	if (mkdir(SCRATCH, 0755) < 0 && errno != EEXIST)
		abort();
	scratch = open(SCRATCH, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_REQUIRE(scratch >= 0, "open " SCRATCH);
	root_listing = listing("/");
	return 0;
}

static int blob_of(const uint8_t *data, size_t len)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	FUZZ_REQUIRE(fd >= 0, "memfd_create");
	FUZZ_REQUIRE(write(fd, data, len) == (ssize_t)len, "write");
	FUZZ_REQUIRE(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct unpack_opts o = {
	    .layer_digest = "sha256:fuzz",
	    .allow_devices = 1, /* the root is nodev: a device node opens nothing */
	    .max_entries = 10000,
	    .max_bytes = 64 << 20,
	};
	int blob = blob_of(data, len);
	FUZZ_REQUIRE(mkdirat(scratch, "layer", 0755) == 0, "mkdir layer: %s", strerror(errno));
	int dir = openat(scratch, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_REQUIRE(dir >= 0, "open layer");
	int rc = unpack_layer(blob, dir, &o, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	close(dir);
	close(blob);

	char *now = listing("/");
	FUZZ_REQUIRE(strcmp(now, root_listing) == 0, "the root changed: %s (was %s)", now,
		     root_listing);
	free(now);
	now = listing(SCRATCH);
	FUZZ_REQUIRE(strcmp(now, "./../layer/") == 0, "beside the layer: %s", now);
	free(now);
	FUZZ_REQUIRE(remove_tree_at(scratch, "layer", &err) == 0, "cleanup: %s", err.msg);
	return 0;
}
