/* Whole files: the one bounded reader, the one write-all loop and the one
 * atomic replace every part uses. */
#ifndef SK_FILE_H
#define SK_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Reads PATH whole into a NUL-terminated allocation (*out, *len when LEN
 * is not NULL). More than MAX bytes fail with "PATH: larger than MAX
 * bytes"; a missing file fails with err->errnum ENOENT, so callers for
 * which a file is optional can tell. */
int sk_read_file(const char *path, size_t max, char **out, size_t *len, struct sk_err *err);
/* The same from an open descriptor (a pipe, stdin); NAME names it. */
int sk_read_fd(int fd, const char *name, size_t max, char **out, size_t *len, struct sk_err *err);

/* Reads at most CAP - 1 bytes of PATH into BUF, NUL-terminated, without
 * allocating (PID 1 and /proc or sysfs values). Returns the length, or -1
 * with errno set; a longer file is cut at CAP - 1 bytes. */
ssize_t sk_read_small(const char *path, char *buf, size_t cap);

/* Writes all of BUF to FD, retrying after EINTR and short writes. Returns
 * 0, or -1 with errno set. */
int sk_write_all(int fd, const void *buf, size_t len);
/* The same at offset OFF (pwrite). */
int sk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

/* Replaces PATH with LEN bytes of DATA (mode 0644): readers see the old
 * file or the new one, never a part. The temporary file beside it is
 * named after this process, so concurrent writers do not collide. */
int sk_write_atomic(const char *path, const void *data, size_t len, struct sk_err *err);
/* sk_write_atomic that also survives a power loss once it returns: the
 * data is synced before the rename and the directory after it. For what
 * a node must find after a crash (its id, an update trial); not for what
 * is rewritten every second. */
int sk_write_durable(const char *path, const void *data, size_t len, struct sk_err *err);

#endif
