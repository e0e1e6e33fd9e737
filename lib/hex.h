/* Lower-case hex of bytes: digests, ids, salts; and hex digits read back. */
#ifndef SK_HEX_H
#define SK_HEX_H

#include <stddef.h>

/* Writes 2 * LEN hex digits and a NUL to OUT (2 * LEN + 1 bytes). */
void sk_hex(const void *data, size_t len, char *out);

/* The value of hex digit C (either case), -1 for any other byte. */
int sk_hex_digit(char c);

#endif
