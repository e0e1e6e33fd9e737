/* Log paths and reading logs as lines (see logfiles.h). */
#include "logfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int logfiles_task_dir(const struct agent_config *cfg, const char *task, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s/logs/%s", cfg->data_dir, task) >= size ? -1 : 0;
}

int logfiles_container(const struct agent_config *cfg, const char *task, const char *container,
		       char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s/logs/%s/%s/" LOGS_FILE, cfg->data_dir, task,
				container) >= size
		   ? -1
		   : 0;
}

void logfiles_console(const struct agent_config *cfg, char *buf, size_t size)
{
	snprintf(buf, size, "%s/log/console.log", cfg->run_dir);
}

/* ---- reading ---- */

void logreader_close(struct logreader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int open_current(struct logreader *r)
{
	struct stat st;

	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd >= 0 && fstat(r->fd, &st) < 0)
		logreader_close(r);
	if (r->fd < 0)
		return -1;
	r->on_current = 1;
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	return 0;
}

void logreader_open(struct logreader *r, const char *path)
{
	char old[PATH_MAX + 2];

	memset(r, 0, offsetof(struct logreader, buf));
	r->len = 0; /* R may be a reader used before (the shipper reuses freed ones) */
	r->fd = -1;
	snprintf(r->path, sizeof r->path, "%s", path);
	snprintf(old, sizeof old, "%s.1", path);
	r->fd = open(old, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		open_current(r);
}

/* The writer renamed the file we read and started a new one. */
static int rotated(const struct logreader *r)
{
	struct stat st;

	return stat(r->path, &st) == 0 && (st.st_ino != r->ino || st.st_dev != r->dev);
}

static int deliver(struct logreader *r, line_fn fn, void *ctx, int flush)
{
	size_t start = 0;
	int rc = 0;

	for (size_t i = 0; i < r->len && !rc; i++)
		if (r->buf[i] == '\n') {
			rc = fn(ctx, r->buf + start, i - start);
			start = i + 1;
		}
	if (!rc && (flush || start == 0) && r->len - start == sizeof r->buf) {
		rc = fn(ctx, r->buf, r->len); /* a line longer than the buffer */
		start = r->len;
	}
	if (!rc && flush && start < r->len) {
		rc = fn(ctx, r->buf + start, r->len - start);
		start = r->len;
	}
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	return rc;
}

/* At the end of the file being read: go on with the next one, if any. */
static int next_file(struct logreader *r, line_fn fn, void *ctx, int *rc)
{
	if (r->on_current && r->fd >= 0 && !rotated(r))
		return 0;
	if (r->fd >= 0 && (*rc = deliver(r, fn, ctx, 1)))
		return 0;
	logreader_close(r);
	return open_current(r) == 0;
}

int logreader_lines(struct logreader *r, line_fn fn, void *ctx)
{
	int rc = 0;

	if (r->fd < 0 && open_current(r) < 0)
		return 0;
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0) {
			r->len += (size_t)n;
			if ((rc = deliver(r, fn, ctx, 0)))
				return rc;
			continue;
		}
		if (!next_file(r, fn, ctx, &rc))
			return rc;
	}
}

int logreader_position(const struct logreader *r, ino_t *ino, off_t *off)
{
	struct stat st;
	off_t cur;

	if (r->fd < 0 || fstat(r->fd, &st) < 0 || (cur = lseek(r->fd, 0, SEEK_CUR)) < 0)
		return -1;
	*ino = st.st_ino;
	*off = cur - (off_t)r->len;
	return 0;
}

void logreader_resume(struct logreader *r, const char *path, ino_t ino, off_t off)
{
	struct stat st;

	logreader_open(r, path);
	if (r->fd >= 0 && fstat(r->fd, &st) == 0 && st.st_ino == ino) {
		lseek(r->fd, off, SEEK_SET); /* the saved file is (still or now) PATH.1 */
		return;
	}
	if (r->on_current)
		return; /* no PATH.1 and PATH is another file: from its start */
	struct logreader cur;
	memset(&cur, 0, offsetof(struct logreader, buf));
	snprintf(cur.path, sizeof cur.path, "%s", path);
	if (open_current(&cur) == 0 && cur.ino == ino) {
		logreader_close(r);
		r->fd = cur.fd;
		r->on_current = 1;
		r->dev = cur.dev;
		r->ino = cur.ino;
		lseek(r->fd, off, SEEK_SET);
	} else if (cur.fd >= 0) {
		close(cur.fd);
	}
}
