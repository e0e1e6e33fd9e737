/* Small helpers of the runtime (see util.h): writing a small file or a
 * pid file, a process's start time (which tells a reused pid from the
 * one recorded), and joining a directory and a name into a bounded buffer. */
#define _GNU_SOURCE
#include "util.h"
#include "cleanup.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int rt_write_file(const char *path, const char *s, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return sk_fail(err, errno, "open %s", path);
	if (sk_write_all(fd, s, strlen(s)) < 0)
		return sk_fail(err, errno, "write %s to %s", s, path);
	return 0;
}

unsigned long long rt_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (sk_read_small(path, buf, sizeof buf) <= 0)
		return 0;
	/* The command name may hold spaces and parentheses: fields follow the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || !p[1] || !p[2] || p[2] == 'Z' || p[2] == 'X')
		return 0;
	for (int field = 3; p && field <= 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

int rt_write_pid(const char *path, pid_t pid, struct sk_err *err)
{
	char buf[32];

	if (!path)
		return 0;
	snprintf(buf, sizeof buf, "%d", (int)pid);
	return sk_write_atomic(path, buf, strlen(buf), err);
}

int rt_join(char *buf, size_t size, const char *dir, const char *name, struct sk_err *err)
{
	int n = snprintf(buf, size, "%s%s%s", dir, name[0] == '/' ? "" : "/", name);
	if (n < 0 || (size_t)n >= size)
		return sk_fail(err, ENAMETOOLONG, "%s/%s", dir, name);
	return 0;
}
