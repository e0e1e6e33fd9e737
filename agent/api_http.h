/* HTTP/1.1 requests to the node API, parsed strictly from bytes a client
 * sent (after it authenticated): bounded head, a request line with an
 * origin-form target, percent-decoded path segments and query parameters
 * that may not smuggle '/', NUL or control characters, and only the
 * headers the API uses. Anything else is refused with a status code. */
#ifndef AGENT_API_HTTP_H
#define AGENT_API_HTTP_H

#include <stddef.h>

#include "err.h"

#define API_MAX_HEAD	 8192
#define API_MAX_BODY	 65536
#define API_MAX_SEGMENTS 6
#define API_MAX_PARAMS	 12
#define API_MAX_HEADERS	 40

struct api_param {
	char name[32];
	char value[256];
};

struct api_request {
	char method[8];
	char *seg[API_MAX_SEGMENTS]; /* the path's decoded segments */
	size_t nseg;
	char segbuf[1024];
	struct api_param params[API_MAX_PARAMS];
	size_t nparams;
	long content_length; /* -1: none */
	int upgrade_exec;    /* Connection: upgrade and Upgrade: skiff-exec/1 */
};

/* The length of the head in buf (through the empty line), 0 if it is not
 * complete yet. */
size_t api_head_end(const char *buf, size_t len);
/* Parses a complete head. On error returns -1 with *status the HTTP
 * status to answer (400, 414, 431, 501, 505) and err saying why. */
int api_request_parse(const char *head, size_t len, struct api_request *r, int *status,
		      struct sk_err *err);
/* A query parameter's value, NULL when absent. */
const char *api_param(const struct api_request *r, const char *name);

#endif
