/* Small file-system helpers for the build host. */
#ifndef SK_IMAGEGEN_FSUTIL_H
#define SK_IMAGEGEN_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Creates PATH (which must not exist) with LEN bytes of DATA, synced. */
int fs_write_file(const char *path, const void *data, size_t len, struct sk_err *err);
/* Copies regular file FROM to a new file TO, synced. */
int fs_copy_file(const char *from, const char *to, struct sk_err *err);
/* SHA-256 of the whole file PATH, and its size. */
int fs_sha256_file(const char *path, uint8_t digest[32], uint64_t *size, struct sk_err *err);
/* Removes PATH and everything below it, never following symbolic links. */
int fs_remove_tree(const char *path, struct sk_err *err);
int fs_is_dir(const char *path);
int fs_exists(const char *path);

#endif
