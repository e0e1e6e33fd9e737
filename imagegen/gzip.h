/* A gzip file written through zlib with a fixed header (no name, no
 * time, OS "Unix"), so the same input always gives the same bytes. */
#ifndef SK_IMAGEGEN_GZIP_H
#define SK_IMAGEGEN_GZIP_H

#include <stddef.h>

#include "err.h"

struct gzip_file;

/* Creates PATH, which must not exist. */
int gzip_create(const char *path, struct gzip_file **out, struct sk_err *err);
/* Compresses LEN bytes of BUF; a cpio_sink. */
int gzip_write(void *gz, const void *buf, size_t len, struct sk_err *err);
/* Finishes the stream, syncs and closes; frees GZ either way. */
int gzip_finish(struct gzip_file *gz, struct sk_err *err);
/* Closes and frees without finishing (the file is left to the caller). */
void gzip_abort(struct gzip_file *gz);

#endif
