/* Shared by the node API's files: the listener (api_listen.c), one
 * connection (api_conn.c), replies and streams (api_reply.c), and the
 * endpoints (api_logs.c, api_exec.c, api_node.c). Everything here runs in
 * a connection's own process. */
#ifndef AGENT_API_INTERNAL_H
#define AGENT_API_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "../runtime/runtime.h"
#include "api.h"
#include "api_http.h"
#include "tls_conn.h"

#define API_MAX_CONNECTIONS 16
#define API_HANDSHAKE_MS    10000 /* handshake and request head */
#define API_WRITE_MS	    30000 /* a client that reads nothing for this long is dropped */

struct api_server {
	const struct agent_config *cfg;
	struct tls_identity *id;
	struct tls_anchors ca;
	int listen_fd;
};

struct api_conn {
	const struct api_server *srv;
	const struct agent_config *cfg;
	int fd;
	struct tls_conn *tls;
	char peer[80]; /* address:port */
	struct api_request req;
	char *body; /* Content-Length bytes, NUL-terminated */
	size_t body_len;
	unsigned char early[API_MAX_HEAD]; /* bytes after the request (exec frames) */
	size_t early_len;
	struct rt_global rt;
	char rt_root[PATH_MAX];
	int streaming; /* a chunked body is open */
};

/* api_conn.c: in the connection's process, never returns. */
void api_conn_main(const struct api_server *s, int fd, const char *peer) __attribute__((noreturn));

/* api_reply.c */
int api_reply(struct api_conn *c, int status, const char *type, const char *body, size_t len);
int api_reply_error(struct api_conn *c, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 200 with a chunked body of TYPE; each write is one chunk. */
int api_stream_begin(struct api_conn *c, const char *type);
int api_stream_write(struct api_conn *c, const void *data, size_t len);
int api_stream_end(struct api_conn *c);
/* Waits up to MS for OTHER_FD (-1: none) to become readable while
 * watching the client: 1 when OTHER_FD is readable, 0 on timeout, -1 when
 * the client went away. */
int api_wait(struct api_conn *c, int other_fd, int ms);

/* Endpoints. Each replies (also with an error) and returns < 0 only when
 * the connection broke. */
int api_task_logs(struct api_conn *c, const char *task);
int api_task_exec(struct api_conn *c, const char *task);
int api_node_info(struct api_conn *c);
int api_node_logs(struct api_conn *c);
int api_node_dmesg(struct api_conn *c);
int api_node_top(struct api_conn *c);

/* api_logs.c: "tail", "since" and "follow" from the query. */
struct api_log_query {
	long tail;	  /* -1: all */
	int64_t since_ns; /* 0: from the start; CLOCK_REALTIME */
	int follow;
};
int api_log_query(struct api_conn *c, struct api_log_query *q);
/* The container WANT (NULL: the task's only one) into NAME; replies (and
 * returns < 0) when there is none or a choice to make. */
int api_pick_container(struct api_conn *c, const char *task, const char *want, char *name,
		       size_t size);
/* The runtime says the container is created or running. */
int api_container_running(struct api_conn *c, const char *id);

#endif
