/* The kernel an image is built for: its image file, its modules, and the
 * set of modules to pack (each with its dependencies, in load order). */
#ifndef SK_IMAGEGEN_KERNEL_H
#define SK_IMAGEGEN_KERNEL_H

#include <limits.h>
#include <stddef.h>

#include "err.h"

#define KERNEL_MAX_MODULES 512

struct moddep;

struct kernel {
	char version[128];
	char image[PATH_MAX];	/* BOOT/vmlinuz-VERSION */
	char modules[PATH_MAX]; /* MODULES/VERSION */
	struct moddep *md;
	char *dep_text; /* modules.dep as installed */
	size_t dep_len;
	/* Packed modules, relative to .modules, dependencies first. */
	const char *paths[KERNEL_MAX_MODULES];
	size_t n_paths;
};

/* Where the kernels of one profile are: laid out as Debian installs them
 * (BOOT/vmlinuz-VERSION, MODULES/VERSION/modules.dep), each VERSION
 * ending in SUFFIX. HINT says how to get one when there is none. */
struct kernel_place {
	const char *boot;
	const char *modules;
	const char *suffix;
	const char *hint;
};

/* Opens VERSION in PLACE, or when it is NULL the newest that has its
 * modules.dep. */
int kernel_open(const struct kernel_place *place, const char *version, struct kernel *k,
		struct sk_err *err);
void kernel_close(struct kernel *k);

/* Adds NAME and its dependencies to the packed set; a built-in module adds
 * nothing. Fails with 'no module "NAME" in VERSION'. */
int kernel_add_module(struct kernel *k, const char *name, struct sk_err *err);
/* 1 if NAME exists as a loadable module. */
int kernel_has_module(const struct kernel *k, const char *name);

/* modules.dep reduced to the packed modules, lines sorted; *OUT malloc'd. */
int kernel_packed_moddep(const struct kernel *k, char **out, size_t *len, struct sk_err *err);

#endif
