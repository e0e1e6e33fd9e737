/* Finding a partition by its GPT partition GUID (PARTUUID), reading the
 * partition tables of the disks in /sys/class/block, or by its GPT name
 * (PARTLABEL). */
#ifndef SK_INIT_DISK_FIND_H
#define SK_INIT_DISK_FIND_H

#include <stdint.h>

#include "err.h"

struct block_dev {
	char name[64]; /* "vda2" */
	unsigned major, minor;
	uint64_t size; /* bytes */
};

/* Waits up to TIMEOUT_MS for the partition "PARTUUID=<guid>" or
 * "PARTLABEL=<name>" (SPEC as on the command line) to appear. */
int disk_find(const char *spec, unsigned timeout_ms, struct block_dev *out, struct sk_err *err);

#endif
