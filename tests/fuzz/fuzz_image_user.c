/* An image's user (runtime/bundle_gen_mount.c): the User of the image
 * config ("name[:group]" or "uid[:gid]") looked up in the image's own
 * /etc/passwd and /etc/group, both written by whoever built the image.
 * The input's first line is the User; the rest is /etc/passwd, and after
 * a blank line /etc/group (the same text when there is none). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "runtime/image_internal.h"

static char root[] = "/tmp/fuzz-image-user.XXXXXX";
static int rootfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char etc[sizeof root + 8];
	FUZZ_REQUIRE(mkdtemp(root), "mkdtemp");
	snprintf(etc, sizeof etc, "%s/etc", root);
	FUZZ_REQUIRE(mkdir(etc, 0755) == 0, "mkdir %s", etc);
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_REQUIRE(rootfd >= 0, "open %s", root);
	return 0;
}

static void put(const char *name, const char *text, size_t len)
{
	int fd = openat(rootfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FUZZ_REQUIRE(fd >= 0 && write(fd, text, len) == (ssize_t)len, "write %s", name);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct bundle_user u;
	char *text = fuzz_text(data, len);
	char *files = strchr(text, '\n');
	if (files)
		*files++ = '\0';
	else
		files = text + len;
	char *group = strstr(files, "\n\n");
	size_t passwd_len = group ? (size_t)(group - files) + 1 : strlen(files);
	put("etc/passwd", files, passwd_len);
	group = group ? group + 2 : files;
	put("etc/group", group, strlen(group));
	int rc = bundle_resolve_user(rootfd, text, &u, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	/* (uid_t)-1 would tell setresuid to leave the runtime's own id */
	FUZZ_REQUIRE(rc < 0 || (u.uid != 0xffffffffu && u.gid != 0xffffffffu), "%s: %u:%u", text,
		     u.uid, u.gid);
	free(text);
	return 0;
}
