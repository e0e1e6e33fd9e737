/* Base64 (RFC 4648, standard alphabet, with padding). */
#ifndef SK_BASE64_H
#define SK_BASE64_H

#include <stddef.h>

/* Size of the encoding of n bytes, NUL included. */
#define BASE64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/* Writes the NUL-terminated encoding of in[0..len) to out. */
void base64_encode(const void *in, size_t len, char *out);
/* Decodes NUL-terminated `in` into out (at most cap bytes); returns the
 * decoded length, or -1 on a bad character, bad padding or overflow. */
long base64_decode(const char *in, void *out, size_t cap);

#endif
