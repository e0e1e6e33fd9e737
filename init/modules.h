/* Loading kernel modules, dependencies first, from
 * /lib/modules/$(uname -r)/ with finit_module(2). */
#ifndef SK_INIT_MODULES_H
#define SK_INIT_MODULES_H

#include "init_config.h"
#include "err.h"

/* Loads cfg->modules (any failure is fatal), then tries evdev and button
 * for the power button, silently skipping them if absent. */
int modules_load(const struct node_config *cfg, struct sk_err *err);
/* Loads just evdev and button, unless modules_load already tried: for a
 * boot that failed before loading modules. */
void modules_load_power_button(void);

#endif
