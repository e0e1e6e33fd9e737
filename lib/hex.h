/* Lower-case hex of bytes: digests, ids, salts. */
#ifndef SK_HEX_H
#define SK_HEX_H

#include <stddef.h>

/* Writes 2 * LEN hex digits and a NUL to OUT (2 * LEN + 1 bytes). */
void sk_hex(const void *data, size_t len, char *out);

#endif
