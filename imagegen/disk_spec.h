/* The spec's optional "disk:" section (docs/spec.md, docs/disk.md). */
#ifndef SK_IMAGEGEN_DISK_SPEC_H
#define SK_IMAGEGEN_DISK_SPEC_H

#include <yaml.h>

#include "yaml_walk.h"

#define DISK_DEFAULT_SIZE_MIB 1024
#define DISK_DEFAULT_DATA_MIB 64
#define DISK_MAX_SIZE_MIB     (1u << 21) /* 2 TiB */

struct disk_spec {
	int enabled; /* the section is present */
	int line;
	unsigned size_mib; /* the whole disk; the data partition takes what is left */
	unsigned root_mib; /* each of root A and B; 0: twice what the root needs, >= 64 */
	unsigned esp_mib;  /* 0: fit the unified kernel image, >= 64 */
	unsigned data_mib; /* ext4 as built; init grows it to the partition */
	int qcow2;	   /* also write disk.qcow2 */
};

/* Parses the "disk" mapping into TARGET (a struct disk_spec). */
int disk_spec_parse(struct yw *y, yaml_node_t *n, const char *path, void *target);

#endif
