/* Where logs live on a node, and reading them as lines:
 *   <data>/logs/<task>/<container>/container.log  a container's CRI-format
 *                            log (the monitor rotates it to .log.1); the
 *                            driver makes the directory, keeps it after the
 *                            task and sweeps it later (driver.h)
 *   <run>/log/console.log    the node's own log ring, kept by init
 *                            (rotated to console.log.1)
 *
 * A log is read as its rotated file then its current one; a follower
 * keeps reading the current file as it grows and moves on when the writer
 * rotates it. */
#ifndef AGENT_LOGFILES_H
#define AGENT_LOGFILES_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent_config.h"
#include "err.h"

#define LOGS_MAX_LINE (16384 + 64)
#define LOGS_FILE     "container.log" /* the runtime's LOG_CRI_NAME */

int logfiles_task_dir(const struct agent_config *cfg, const char *task, char *buf, size_t size);
int logfiles_container(const struct agent_config *cfg, const char *task, const char *container,
		       char *buf, size_t size);
void logfiles_console(const struct agent_config *cfg, char *buf, size_t size);

typedef int (*line_fn)(void *ctx, const char *line, size_t len);

/* A log being read: PATH.1 then PATH, then (following) PATH as it grows. */
struct logreader {
	char path[PATH_MAX];
	int fd;
	int on_current; /* reading PATH (not PATH.1) */
	dev_t dev;
	ino_t ino;
	char buf[LOGS_MAX_LINE];
	size_t len; /* an incomplete last line */
};

/* Opens the log from its oldest line; 0 also when it does not exist yet. */
void logreader_open(struct logreader *r, const char *path);
void logreader_close(struct logreader *r);
/* Where it is (the file being read and the offset of the first byte not
 * handed over yet), and opening again there: in PATH.1 or PATH, whichever
 * that file is now, else from the oldest line. */
int logreader_position(const struct logreader *r, ino_t *ino, off_t *off);
void logreader_resume(struct logreader *r, const char *path, ino_t ino, off_t off);
/* Hands every complete line read so far to fn (in order, without '\n';
 * a line longer than LOGS_MAX_LINE comes in pieces). Returns fn's first
 * nonzero value, or 0 at the end of what is there. */
int logreader_lines(struct logreader *r, line_fn fn, void *ctx);

#endif
