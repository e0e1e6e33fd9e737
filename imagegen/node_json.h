/* /etc/skiff/node.json, the node's configuration as skiff-init and the
 * agent read it (init/init_config.h). */
#ifndef SK_IMAGEGEN_NODE_JSON_H
#define SK_IMAGEGEN_NODE_JSON_H

#include <stddef.h>

#include "err.h"
#include "spec.h"

#define NODE_JSON_PATH "/etc/skiff/node.json"

/* Renders SPEC for kernel KERNEL_VERSION; keys in a fixed order. *OUT is
 * malloc'd and ends with a newline. */
int node_json_render(const struct spec *spec, const char *kernel_version, char **out, size_t *len,
		     struct sk_err *err);

#endif
