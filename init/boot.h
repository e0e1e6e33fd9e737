/* The boot sequence up to "init: ready". */
#ifndef SK_INIT_BOOT_H
#define SK_INIT_BOOT_H

#include "init_config.h"
#include "err.h"

/* Mounts, reads the configuration, loads modules, sets the hostname,
 * brings up loopback, finds the power button and starts the services. On
 * failure CFG still holds usable settings (at least debug and grace_ms). */
int boot(struct node_config *cfg, struct sk_err *err);
/* After a fatal error: a shell on the console in debug mode, otherwise an
 * orderly power off. */
void boot_failed(const struct node_config *cfg, const struct sk_err *err);

#endif
