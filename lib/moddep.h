/* Kernel module dependency resolution from modules.dep (and
 * modules.builtin), shared by imagegen (which modules to pack) and init
 * (in which order to load them). Names compare with '-' and '_' equal. */
#ifndef SK_MODDEP_H
#define SK_MODDEP_H

#include <stddef.h>

#include "err.h"

struct moddep; /* parsed modules.dep + modules.builtin */

/* Parses DIR/modules.dep and, if present, DIR/modules.builtin. */
int moddep_load(const char *dir, struct moddep **out, struct sk_err *err);
/* Parses from memory (builtin may be NULL); used by tests. */
int moddep_parse(const char *dep_text, const char *builtin_text, struct moddep **out,
		 struct sk_err *err);
void moddep_free(struct moddep *md);

/* The module name of a modules.dep path: "kernel/net/802/stp.ko" -> "stp",
 * with '-' turned into '_' as the kernel does. */
void moddep_name(const char *path, char *out, size_t cap);

/* 1 if NAME is built into the kernel, 0 otherwise. */
int moddep_is_builtin(const struct moddep *md, const char *name);

/* Appends to paths[] (relative paths as in modules.dep, e.g.
 * "kernel/drivers/net/virtio_net.ko") NAME's dependencies first, then NAME,
 * skipping any already present in paths[0..*n). A built-in module adds
 * nothing. An unknown name fails with "no module \"NAME\"". The paths
 * point into MD and live as long as it does. */
int moddep_resolve(const struct moddep *md, const char *name, const char **paths, size_t *n,
		   size_t cap, struct sk_err *err);

#endif
