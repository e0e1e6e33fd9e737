/* "disk:" in the spec (see disk_spec.h). */
#include "disk_spec.h"

#include <string.h>

static int parse_size(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_uint(y, n, path, DISK_MAX_SIZE_MIB, &((struct disk_spec *)target)->size_mib);
}

static int parse_root(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_uint(y, n, path, DISK_MAX_SIZE_MIB, &((struct disk_spec *)target)->root_mib);
}

static int parse_esp(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_uint(y, n, path, DISK_MAX_SIZE_MIB, &((struct disk_spec *)target)->esp_mib);
}

static int parse_data(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_uint(y, n, path, DISK_MAX_SIZE_MIB, &((struct disk_spec *)target)->data_mib);
}

static int parse_qcow2(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_bool(y, n, path, &((struct disk_spec *)target)->qcow2);
}

static const struct yw_field disk_fields[] = {
    {"size_mib", parse_size}, {"root_mib", parse_root}, {"esp_mib", parse_esp},
    {"data_mib", parse_data}, {"qcow2", parse_qcow2},
};

static int check_sizes(struct yw *y, yaml_node_t *n, const char *path, const struct disk_spec *d)
{
	if (d->root_mib && d->root_mib < 8)
		return yw_fail(y, n, path, "root_mib: at least 8");
	if (d->esp_mib && d->esp_mib < 64)
		return yw_fail(y, n, path, "esp_mib: at least 64 (FAT32)");
	if (d->data_mib < 16)
		return yw_fail(y, n, path, "data_mib: at least 16");
	if (d->size_mib < d->data_mib + 2 * d->root_mib + d->esp_mib + 2)
		return yw_fail(y, n, path, "size_mib %u is smaller than the partitions",
			       d->size_mib);
	return 0;
}

int disk_spec_parse(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct disk_spec *d = target;

	memset(d, 0, sizeof *d);
	d->enabled = 1, d->line = yw_line(n), d->qcow2 = 1;
	d->size_mib = DISK_DEFAULT_SIZE_MIB, d->data_mib = DISK_DEFAULT_DATA_MIB;
	/* "disk: {}" and "disk: true" both ask for a disk with the defaults. */
	if (n->type == YAML_SCALAR_NODE) {
		int on;
		if (yw_bool(y, n, path, &on) < 0)
			return -1;
		d->enabled = on;
		return 0;
	}
	if (yw_mapping(y, n, path, disk_fields, sizeof disk_fields / sizeof *disk_fields, d) < 0)
		return -1;
	return check_sizes(y, n, path, d);
}
