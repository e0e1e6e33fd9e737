/* A connection to a node's API, shared by napi.c (requests) and
 * napi_exec.c (the exec stream). */
#ifndef SK_CTL_NAPI_INTERNAL_H
#define SK_CTL_NAPI_INTERNAL_H

#include "napi.h"
#include "nodeapi.h"
#include "tls_conn.h"
#include "tls_files.h"

struct napi {
	struct napi_target t;
	int fd;
	struct tls_conn *tls;
	struct tls_identity *id;
	struct tls_anchors ca;
	char rbuf[16384]; /* read past the response head */
	size_t rlen;
};

#endif
