/* Exec stream frames (see nodeapi.h). */
#include "nodeapi.h"

#include <string.h>

void frame_header(unsigned char hdr[FRAME_HEADER], int type, uint32_t len)
{
	hdr[0] = (unsigned char)type;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (unsigned char)(len >> 24);
	hdr[5] = (unsigned char)(len >> 16);
	hdr[6] = (unsigned char)(len >> 8);
	hdr[7] = (unsigned char)len;
}

void frame_parser_init(struct frame_parser *p)
{
	memset(p, 0, offsetof(struct frame_parser, payload));
}

static int header_done(struct frame_parser *p, struct sk_err *err)
{
	p->type = p->hdr[0];
	p->len = (uint32_t)p->hdr[4] << 24 | (uint32_t)p->hdr[5] << 16 | (uint32_t)p->hdr[6] << 8 |
		 p->hdr[7];
	p->have = 0;
	if (p->type > FRAME_TYPE_MAX || p->hdr[1] || p->hdr[2] || p->hdr[3])
		return sk_fail(err, 0, "exec stream: bad frame header (type %d)", p->type);
	if (p->len > FRAME_MAX_LEN)
		return sk_fail(err, 0, "exec stream: frame of %u bytes (at most %d)", p->len,
			       FRAME_MAX_LEN);
	return 0;
}

int frame_feed(struct frame_parser *p, const unsigned char *in, size_t len, frame_fn fn, void *ctx,
	       struct sk_err *err)
{
	while (len > 0) {
		if (p->have_hdr < FRAME_HEADER) {
			size_t n = FRAME_HEADER - p->have_hdr;
			n = n < len ? n : len;
			memcpy(p->hdr + p->have_hdr, in, n);
			p->have_hdr += n;
			in += n;
			len -= n;
			if (p->have_hdr < FRAME_HEADER)
				return 0;
			if (header_done(p, err) < 0)
				return -1;
		}
		size_t n = p->len - p->have;
		n = n < len ? n : len;
		memcpy(p->payload + p->have, in, n);
		p->have += (uint32_t)n;
		in += n;
		len -= n;
		if (p->have < p->len)
			return 0;
		p->have_hdr = 0;
		if (fn(ctx, p->type, p->payload, p->len, err) < 0)
			return -1;
	}
	return 0;
}
