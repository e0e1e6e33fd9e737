/* Skiff's busybox builds (mk/busybox.sh, into build/bin beside the node
 * binaries): the debug one's applet list. */
#ifndef SK_IMAGEGEN_BUSYBOX_H
#define SK_IMAGEGEN_BUSYBOX_H

#include <stddef.h>

#include "err.h"

#define BUSYBOX_DEBUG  "busybox" /* the usual applets and a shell */
#define BUSYBOX_UDHCPC "udhcpc"	 /* udhcpc alone */

/* Runs "BUSYBOX --list-full": paths such as "usr/bin/awk", sorted,
 * NULL-terminated. Free with busybox_applets_free. */
int busybox_applets(const char *busybox, char ***out, size_t *n, struct sk_err *err);
void busybox_applets_free(char **applets);

#endif
