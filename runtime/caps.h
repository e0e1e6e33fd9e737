/* Capability sets without libcap: names, bounding set, capset, ambient. */
#ifndef RT_CAPS_H
#define RT_CAPS_H

#include "err.h"
#include "oci_spec.h"

/* Capability number of "CAP_NET_RAW", -1 if unknown. */
int cap_from_name(const char *name);
const char *cap_name(int cap);
/* Highest capability the kernel knows (from /proc/sys/kernel/cap_last_cap). */
int cap_last(void);
/* Drops every capability outside CAPS->bounding; needs CAP_SETPCAP. */
int caps_drop_bounding(const struct oci_caps *caps, struct sk_err *err);
/* Sets effective/permitted/inheritable and ambient; called after setuid. */
int caps_apply(const struct oci_caps *caps, struct sk_err *err);

#endif
