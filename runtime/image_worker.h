/* Privilege separation of image pulls and loads: registry replies (TLS,
 * JSON, manifests) and layer tar streams are parsed and unpacked in a
 * worker process (image_worker.c), confined by image_sandbox.c, that
 * talks to the runtime only through length-checked messages. */
#ifndef SK_IMAGE_WORKER_H
#define SK_IMAGE_WORKER_H

#include <stdint.h>

#include "err.h"
#include "image.h"

/* Messages worker -> runtime, one per SOCK_SEQPACKET datagram. */
enum worker_msg {
	WMSG_PROGRESS = 1, /* a progress line (text) */
	WMSG_OPAQUE,	   /* text: a directory of the layer being unpacked, made opaque */
	WMSG_LAYER,	   /* text: the diff ID of a layer unpacked in tmp/, complete */
	WMSG_RESULT,	   /* struct image_info: an image to record */
	WMSG_ERROR,	   /* text: why the job failed */
};

#define WMSG_MAX 4096 /* payload bytes */

struct wmsg_hdr {
	uint32_t type, len;
};

/* In the worker: the socket to the runtime, else -1. */
int image_worker_fd(void);
/* In the worker: sends one message (payload LEN bytes). */
int image_worker_send(enum worker_msg type, const void *data, size_t len);
/* The unpack directory of a layer: tmp/layer-<16 hex of the diff ID>-<pid>. */
void image_layer_tmp(const char *data_dir, const char *diff_id, int pid, char *buf, size_t size);

/* Runs image_pull (LAYOUT NULL) or image_load in a confined worker. */
int image_worker_run(const struct image_opts *o, const char *ref, const char *layout,
		     const char *name, struct image_info **out, size_t *n, struct sk_err *err);

/* image_sandbox.c, in the worker: its own mount namespace whose root holds
 * only the store (at /store), the CA bundle, resolv.conf, hosts and the
 * layout being loaded; capabilities cut to what writing a layer needs; a
 * seccomp allowlist. Rewrites O's paths to the ones inside. */
int image_sandbox_enter(struct image_opts *o, const char **layout, struct sk_err *err);

#endif
