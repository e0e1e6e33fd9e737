/* The node API's wire format, shared by the agent (server) and skiffctl
 * (client); docs/node-api.md describes it for people. Requests are HTTP/1.1
 * over mutual TLS; an exec upgrades its connection to a stream of frames,
 * each an 8-byte header as in Docker's attach stream (type, three zero
 * bytes, payload length as a big-endian u32) and the payload. */
#ifndef SK_NODEAPI_H
#define SK_NODEAPI_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define NODEAPI_DEFAULT_PORT  7443
#define NODEAPI_EXEC_PROTOCOL "skiff-exec/1"

enum nodeapi_frame_type {
	FRAME_STDIN = 0,     /* client -> node: bytes for the command's stdin */
	FRAME_STDOUT = 1,    /* node -> client */
	FRAME_STDERR = 2,    /* node -> client (without a terminal) */
	FRAME_EXIT = 3,	     /* node -> client, last: u32 exit status (128+N: signal N) */
	FRAME_RESIZE = 4,    /* client -> node: u16 rows, u16 columns */
	FRAME_STDIN_EOF = 5, /* client -> node: stdin is closed */
	FRAME_ERROR = 6,     /* node -> client: why the command could not run (text) */
	FRAME_TYPE_MAX = 6,
};

#define FRAME_HEADER  8
#define FRAME_MAX_LEN 32768

void frame_header(unsigned char hdr[FRAME_HEADER], int type, uint32_t len);

/* Push parser for a stream of frames from the peer: each whole frame
 * goes to fn. A frame of an unknown type or longer than FRAME_MAX_LEN is
 * an error (the stream is then unusable). */
typedef int (*frame_fn)(void *ctx, int type, const unsigned char *payload, size_t len,
			struct sk_err *err);
struct frame_parser {
	unsigned char hdr[FRAME_HEADER];
	size_t have_hdr;
	int type;
	uint32_t len, have;
	unsigned char payload[FRAME_MAX_LEN];
};
void frame_parser_init(struct frame_parser *p);
int frame_feed(struct frame_parser *p, const unsigned char *in, size_t len, frame_fn fn, void *ctx,
	       struct sk_err *err);

#endif
