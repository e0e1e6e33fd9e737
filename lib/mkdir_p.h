/* mkdir -p, shared by the runtime, netcfg and the agent. */
#ifndef SK_MKDIR_P_H
#define SK_MKDIR_P_H

#include <sys/types.h>

#include "err.h"

/* mkdir -p: creates PATH and its missing parents with MODE; existing
 * directories are fine. */
int sk_mkdir_p(const char *path, mode_t mode, struct sk_err *err);

#endif
