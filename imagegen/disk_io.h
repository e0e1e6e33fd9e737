/* Small file helpers shared by the disk writers. */
#ifndef SK_IMAGEGEN_DISK_IO_H
#define SK_IMAGEGEN_DISK_IO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

int pwrite_all(int fd, const void *buf, size_t len, uint64_t off, struct sk_err *err);
int pread_all(int fd, void *buf, size_t len, uint64_t off, struct sk_err *err);
/* Copies LEN bytes of SRC_FD from offset 0 to DST_FD at DST_OFF, skipping
 * all-zero blocks so that a fresh (sparse, zeroed) destination stays sparse. */
int copy_range_sparse(int dst_fd, uint64_t dst_off, int src_fd, uint64_t len, struct sk_err *err);
/* Size of an open file. */
int file_size(int fd, uint64_t *size, struct sk_err *err);

#endif
