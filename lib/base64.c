/* Base64 encoding and decoding. */
#include "base64.h"

#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = p[i] << 16;
		if (i + 1 < len)
			v |= p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

static int value_of(char c)
{
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

long base64_decode(const char *in, void *out, size_t cap)
{
	unsigned char *o = out;
	size_t n = 0, len = strlen(in);
	unsigned v = 0, bits = 0, pad = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '=') {
			pad++;
			continue;
		}
		int x = value_of(in[i]);
		if (x < 0 || pad)
			return -1;
		v = v << 6 | x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == cap)
				return -1;
			o[n++] = v >> bits & 0xff;
		}
	}
	if (pad > 2 || (len % 4 && pad))
		return -1;
	return (long)n;
}
