/* Typed access to a loaded libyaml document, with errors that name the
 * file, the line and the key path ("spec.yaml:3: kernel.modules[1]: ..."). */
#ifndef SK_IMAGEGEN_YAML_WALK_H
#define SK_IMAGEGEN_YAML_WALK_H

#include <stddef.h>
#include <yaml.h>

#include "err.h"

struct cJSON;

#define YW_PATH_MAX 256

struct yw {
	yaml_document_t *doc;
	const char *name;
	struct sk_err *err;
};

/* A key of a mapping and the function that parses its value into TARGET. */
struct yw_field {
	const char *key;
	int (*parse)(struct yw *y, yaml_node_t *value, const char *path, void *target);
};

static inline int yw_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

int yw_fail(struct yw *y, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "a" + "b" -> "a.b" (or "b" when A is empty); "a" + 2 -> "a[2]". */
void yw_key_path(char out[YW_PATH_MAX], const char *path, const char *key);
void yw_index_path(char out[YW_PATH_MAX], const char *path, size_t i);

/* Walks mapping N, calling the field of each key; an unknown or repeated
 * key is an error. */
int yw_mapping(struct yw *y, yaml_node_t *n, const char *path, const struct yw_field *fields,
	       size_t n_fields, void *target);
/* Looks KEY up in mapping N (NULL if absent). */
yaml_node_t *yw_get(struct yw *y, yaml_node_t *n, const char *key);

/* A sequence: its items, after checking N is one. */
int yw_sequence(struct yw *y, yaml_node_t *n, const char *path, yaml_node_item_t **items,
		size_t *count);
yaml_node_t *yw_item(struct yw *y, yaml_node_item_t item);

/* Scalars. A string is any scalar but a plain null; *OUT is malloc'd. */
int yw_string(struct yw *y, yaml_node_t *n, const char *path, char **out);
int yw_bool(struct yw *y, yaml_node_t *n, const char *path, int *out);
int yw_uint(struct yw *y, yaml_node_t *n, const char *path, unsigned max, unsigned *out);
/* A sequence of strings, NULL-terminated, at most MAX items. */
int yw_strings(struct yw *y, yaml_node_t *n, const char *path, size_t max, char ***out,
	       size_t *count);
void yw_strings_free(char **v);

/* Any node as JSON: plain integers and true/false keep their type, plain
 * null/~ become null, every other scalar is a string. */
int yw_to_json(struct yw *y, yaml_node_t *n, const char *path, struct cJSON **out);

#endif
