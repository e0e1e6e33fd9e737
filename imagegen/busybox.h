/* The host's static busybox: its applet list, for debug images. */
#ifndef SK_IMAGEGEN_BUSYBOX_H
#define SK_IMAGEGEN_BUSYBOX_H

#include <stddef.h>

#include "err.h"

#define BUSYBOX_HOST_PATH "/bin/busybox"

/* Runs "BUSYBOX --list-full": paths such as "usr/bin/awk", sorted,
 * NULL-terminated. Free with busybox_applets_free. */
int busybox_applets(const char *busybox, char ***out, size_t *n, struct sk_err *err);
void busybox_applets_free(char **applets);

#endif
