/* skiffctl's side of the node API (docs/node-api.md): finding a node (its
 * record gives the address, the API port and the name on its certificate;
 * --addr HOST:PORT overrides the address, e.g. behind a port forward),
 * connecting with the operator's certificate, one request per connection
 * with a streamed answer, and the exec stream. */
#ifndef SK_CTL_NAPI_H
#define SK_CTL_NAPI_H

#include "ctl.h"
#include "http.h"

struct napi_target {
	char node[128];
	char host[256];
	char port[8];
	char name[128]; /* the certificate's common name, "" when unknown */
	/* identities/<node> marked revoked (node remove): its certificate's
	 * SHA-256 (hex) and when; "" when not revoked */
	char revoked_sha[65];
	char revoked_at[40];
};

/* From the node record (and ADDR, may be NULL) and its identity record
 * (a certificate revoked by node remove is refused by napi_open).
 * SK_ERR_NOTFOUND if the node has no record (down) and no ADDR was given. */
int napi_target_node(struct ctl *c, const char *node, const char *addr, struct napi_target *t,
		     struct sk_err *err);
/* The node a task was placed on. */
int napi_target_task(struct ctl *c, const char *task, const char *addr, struct napi_target *t,
		     struct sk_err *err);

struct napi;

int napi_open(struct ctl *c, const struct napi_target *t, struct napi **out, struct sk_err *err);
void napi_close(struct napi *n);
/* Sends one request and reads the response head. */
int napi_request(struct napi *n, const char *method, const char *target, const char *body,
		 const char *extra_headers, struct http_response *resp, struct sk_err *err);
/* Streams the body to fn. */
int napi_body(struct napi *n, const struct http_response *resp, http_body_fn fn, void *ctx,
	      struct sk_err *err);
/* Turns an error answer into err and a ctl return code (404: not found,
 * 4xx: usage, else failure). */
int napi_error(struct napi *n, const struct http_response *resp, struct sk_err *err);

#define NAPI_EXEC_MAX_ENV 64

struct napi_exec {
	const char *container; /* may be NULL */
	char **argv;
	int tty, interactive;
	const char *user, *workdir; /* NULL: the container's */
	const char *env[NAPI_EXEC_MAX_ENV + 1];
	size_t nenv;
};
/* Runs a command over the exec stream with this process's stdio; *status
 * gets its exit status. */
int napi_exec_run(struct napi *n, const char *task, const struct napi_exec *x, int *status,
		  struct sk_err *err);

#endif
