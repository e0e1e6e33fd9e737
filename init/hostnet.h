/* The node's hostname and loopback interface; the rest of networking
 * belongs to skiff-netcfg. */
#ifndef SK_INIT_HOSTNET_H
#define SK_INIT_HOSTNET_H

#include "err.h"

int hostname_set(const char *name, struct sk_err *err);
int loopback_up(struct sk_err *err);

#endif
