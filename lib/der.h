/* DER (X.690 distinguished encoding) in both directions, for the small
 * set of X.509 structures Skiff reads and writes: a bounded reader of
 * tag-length-value elements over untrusted bytes (one-byte tags, definite
 * lengths only), and a writer into a fixed buffer whose nested elements
 * get their lengths filled in when they are closed. */
#ifndef SK_DER_H
#define SK_DER_H

#include <stddef.h>
#include <stdint.h>

/* Universal and context tags used by X.509. */
enum {
	DER_BOOLEAN = 0x01,
	DER_INTEGER = 0x02,
	DER_BIT_STRING = 0x03,
	DER_OCTET_STRING = 0x04,
	DER_OID = 0x06,
	DER_UTF8_STRING = 0x0c,
	DER_PRINTABLE_STRING = 0x13,
	DER_IA5_STRING = 0x16,
	DER_UTC_TIME = 0x17,
	DER_GENERALIZED_TIME = 0x18,
	DER_SEQUENCE = 0x30,
	DER_SET = 0x31,
};
#define DER_CONTEXT(n)	    (0xa0 | (n)) /* constructed, [n] */
#define DER_CONTEXT_PRIM(n) (0x80 | (n)) /* primitive, [n] IMPLICIT */

/* ---- reading ---- */

struct der {
	const unsigned char *p, *end;
};

/* Reads the next element of d: its tag and contents. -1 when malformed
 * or running past the end (d is then left where it was). */
int der_next(struct der *d, unsigned *tag, struct der *val);
/* The contents of the first element of d with tag `want`; -1 if none. */
int der_find(struct der d, unsigned want, struct der *val);
static inline size_t der_len(const struct der *d)
{
	return (size_t)(d->end - d->p);
}

/* ---- writing ---- */

#define DER_MAX_DEPTH 10

struct der_writer {
	unsigned char *buf;
	size_t cap, len;
	size_t open[DER_MAX_DEPTH]; /* where each open element's contents start */
	int depth;
	int failed; /* out of room or unbalanced: the result is unusable */
};

void der_writer_init(struct der_writer *w, unsigned char *buf, size_t cap);
/* Opens a constructed element; der_end closes the innermost one. */
void der_begin(struct der_writer *w, unsigned tag);
void der_end(struct der_writer *w);
/* Appends an element that is already encoded. */
void der_put_raw(struct der_writer *w, const void *data, size_t len);
/* A primitive element with these contents. */
void der_put(struct der_writer *w, unsigned tag, const void *data, size_t len);
/* An INTEGER from unsigned big-endian bytes (leading zeros dropped, a
 * zero byte added when the top bit is set). */
void der_put_uint(struct der_writer *w, const unsigned char *be, size_t len);
void der_put_small(struct der_writer *w, unsigned v);
/* An OBJECT IDENTIFIER from its dotted form, e.g. "2.5.4.3". */
void der_put_oid(struct der_writer *w, const char *dotted);
/* A BIT STRING with no unused bits. */
void der_put_bits(struct der_writer *w, const void *data, size_t len);
/* A named-bit-list BIT STRING of at most 8 bits (bit 0 is 0x80), its
 * trailing zero bits dropped as DER requires (keyUsage). */
void der_put_flags(struct der_writer *w, unsigned char bits);
/* UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5). */
void der_put_time(struct der_writer *w, int64_t unix_seconds);
/* Done: the encoded length, or 0 when the writer failed. */
size_t der_finish(struct der_writer *w);

#endif
