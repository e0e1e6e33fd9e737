/* What the node record says about this machine: hostname, addresses, CPU
 * units, memory, kernel and boot id; and the record's JSON. */
#ifndef AGENT_NODEINFO_H
#define AGENT_NODEINFO_H

#include <stddef.h>

#include "agent_config.h"
#include "err.h"

#include "version.h"

/* Added to what the node is measured to use when reserved_memory_mib is
 * not set: image layers and per-task costs outside the tasks' cgroups. */
#define RESERVE_HEADROOM_MIB 4

/* /proc/sys/kernel/random/boot_id without the newline. */
int nodeinfo_boot_id(char *buf, size_t size, struct sk_err *err);
/* MemTotal in MiB. */
int nodeinfo_mem_total_mib(long *out, struct sk_err *err);
/* The addresses the record would list, comma-separated (to notice changes). */
void nodeinfo_addresses(char *buf, size_t size);
/* The node record (docs/cluster.md "nodes/<node-id>"), malloc'd JSON; OS
 * (taken over, may be NULL) is its "os" object. */
typedef struct cJSON cJSON;
int nodeinfo_record(const struct agent_config *cfg, cJSON *os, char **out, struct sk_err *err);

#endif
