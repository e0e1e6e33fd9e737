/* lib/file.c: the bounded reader, write-all and the atomic replace. */
#include "check.h"
#include "cleanup.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/test_lib_file.XXXXXX";

static void put(const char *path, const char *text, size_t len)
{
	SK_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && sk_write_all(fd, text, len) == 0);
}

TEST(read_whole_file_up_to_the_limit)
{
	char path[128];
	SK_AUTOFREE char *text = NULL;
	size_t len = 0;
	struct sk_err err = {0};
	/* Larger than the reader's first buffer, so it has to grow. */
	SK_AUTOFREE char *big = malloc(10000);

	for (int i = 0; i < 10000; i++)
		big[i] = (char)('a' + i % 26);
	snprintf(path, sizeof path, "%s/big", dir);
	put(path, big, 10000);
	CHECK(sk_read_file(path, 10000, &text, &len, &err) == 0);
	CHECK(len == 10000 && text[10000] == '\0' && memcmp(text, big, 10000) == 0);
}

TEST(read_refuses_one_byte_too_many)
{
	char path[128], want[256];
	char *text = NULL;
	struct sk_err err = {0};

	snprintf(path, sizeof path, "%s/eleven", dir);
	put(path, "0123456789\n", 11);
	CHECK(sk_read_file(path, 10, &text, NULL, &err) == -1);
	CHECK(text == NULL);
	snprintf(want, sizeof want, "%s: larger than 10 bytes", path);
	CHECK_STREQ(err.msg, want);
	CHECK(err.errnum == 0);
}

TEST(read_missing_file_says_enoent)
{
	char path[128];
	char *text = NULL;
	struct sk_err err = {0};

	snprintf(path, sizeof path, "%s/absent", dir);
	CHECK(sk_read_file(path, 10, &text, NULL, &err) == -1);
	CHECK(err.errnum == ENOENT);
	CHECK(strstr(err.msg, path) != NULL);
}

TEST(read_small_cuts_at_the_buffer_and_terminates)
{
	char path[128], buf[8];

	snprintf(path, sizeof path, "%s/small", dir);
	put(path, "0123456789", 10);
	CHECK(sk_read_small(path, buf, sizeof buf) == 7);
	CHECK_STREQ(buf, "0123456");
	put(path, "", 0);
	CHECK(sk_read_small(path, buf, sizeof buf) == 0 && buf[0] == '\0');
	snprintf(path, sizeof path, "%s/absent", dir);
	errno = 0;
	CHECK(sk_read_small(path, buf, sizeof buf) == -1 && errno == ENOENT);
}

TEST(read_fd_from_a_pipe)
{
	int p[2];
	SK_AUTOFREE char *text = NULL;
	size_t len = 0;
	struct sk_err err = {0};

	CHECK(pipe(p) == 0);
	CHECK(sk_write_all(p[1], "hello", 5) == 0);
	close(p[1]);
	CHECK(sk_read_fd(p[0], "stdin", 5, &text, &len, &err) == 0);
	close(p[0]);
	CHECK(len == 5);
	CHECK_STREQ(text, "hello");
}

TEST(pwrite_all_at_offset)
{
	char path[128];
	SK_AUTOFREE char *text = NULL;
	struct sk_err err = {0};

	snprintf(path, sizeof path, "%s/pw", dir);
	put(path, "aaaaaa", 6);
	SK_AUTOCLOSE int fd = open(path, O_WRONLY);
	CHECK(sk_pwrite_all(fd, "XY", 2, 3) == 0);
	CHECK(sk_read_file(path, 100, &text, NULL, &err) == 0);
	CHECK_STREQ(text, "aaaXYa");
}

TEST(atomic_write_replaces_and_leaves_no_temporary)
{
	char path[128], tmp[160];
	SK_AUTOFREE char *text = NULL;
	struct sk_err err = {0};
	struct stat st;

	snprintf(path, sizeof path, "%s/state.json", dir);
	put(path, "old contents", 12);
	CHECK(sk_write_atomic(path, "new", 3, &err) == 0);
	CHECK(sk_read_file(path, 100, &text, NULL, &err) == 0);
	CHECK_STREQ(text, "new");
	snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
	CHECK(stat(tmp, &st) < 0 && errno == ENOENT);
}

TEST(atomic_write_names_the_file_it_could_not_create)
{
	char path[128];
	struct sk_err err = {0};

	snprintf(path, sizeof path, "%s/no/such/dir/file", dir);
	CHECK(sk_write_atomic(path, "x", 1, &err) == -1);
	CHECK(err.errnum == ENOENT);
	CHECK(strstr(err.msg, "no/such/dir/file") != NULL);
}

/* What fsync does cannot be seen from here; that the file and its
 * directory were found and synced without an error can. */
TEST(durable_write_replaces_here_and_in_the_current_directory)
{
	char path[128], cwd[256];
	SK_AUTOFREE char *text = NULL, *rel = NULL;
	struct sk_err err = {0};

	snprintf(path, sizeof path, "%s/node-id", dir);
	put(path, "old", 3);
	CHECK(sk_write_durable(path, "node-1\n", 7, &err) == 0);
	CHECK(sk_read_file(path, 100, &text, NULL, &err) == 0);
	CHECK_STREQ(text, "node-1\n");
	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(chdir(dir) == 0);
	CHECK(sk_write_durable("plain", "p", 1, &err) == 0);
	CHECK(sk_read_file("plain", 100, &rel, NULL, &err) == 0);
	CHECK(chdir(cwd) == 0);
	CHECK_STREQ(rel, "p");
	snprintf(path, sizeof path, "%s/no/such/dir/file", dir);
	CHECK(sk_write_durable(path, "x", 1, &err) == -1);
	CHECK(strstr(err.msg, "no/such/dir/file") != NULL);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(read_whole_file_up_to_the_limit);
	RUN(read_refuses_one_byte_too_many);
	RUN(read_missing_file_says_enoent);
	RUN(read_small_cuts_at_the_buffer_and_terminates);
	RUN(read_fd_from_a_pipe);
	RUN(pwrite_all_at_offset);
	RUN(atomic_write_replaces_and_leaves_no_temporary);
	RUN(atomic_write_names_the_file_it_could_not_create);
	RUN(durable_write_replaces_here_and_in_the_current_directory);
	int rc = check_summary();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
