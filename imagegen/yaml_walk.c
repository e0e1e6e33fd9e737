/* Typed access to a libyaml document (see yaml_walk.h). libyaml's loader
 * does no implicit typing, so plain-scalar spellings decide what is an
 * integer, a boolean or null here. */
#include "yaml_walk.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aliases can make a small document expand into a huge (or, with a
 * recursive anchor, endless) tree: bound both. */
#define YW_MAX_DEPTH 32
#define YW_MAX_NODES 100000

int yw_fail(struct yw *y, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (path && *path)
		return sk_fail(y->err, 0, "%s:%d: %s: %s", y->name, yw_line(n), path, what);
	return sk_fail(y->err, 0, "%s:%d: %s", y->name, yw_line(n), what);
}

void yw_key_path(char out[YW_PATH_MAX], const char *path, const char *key)
{
	snprintf(out, YW_PATH_MAX, "%s%s%.*s", path, *path ? "." : "", 100, key);
}

void yw_index_path(char out[YW_PATH_MAX], const char *path, size_t i)
{
	snprintf(out, YW_PATH_MAX, "%s[%zu]", path, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int is_plain(const yaml_node_t *n, const char *const *spellings)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	for (; *spellings; spellings++)
		if (strcmp(scalar(n), *spellings) == 0)
			return 1;
	return 0;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};

static const char *type_name(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	return is_plain(n, null_words) ? "null" : "a scalar";
}

static int expect(struct yw *y, yaml_node_t *n, const char *path, yaml_node_type_t type,
		  const char *what)
{
	if (n->type == type)
		return 0;
	return yw_fail(y, n, path, "expected %s, got %s", what, type_name(n));
}

static int key_string(struct yw *y, yaml_node_t *key, const char *path, const char **out)
{
	if (key->type != YAML_SCALAR_NODE)
		return yw_fail(y, key, path, "keys must be strings");
	*out = scalar(key);
	return 0;
}

static int check_duplicate(struct yw *y, yaml_node_t *n, yaml_node_pair_t *pair, const char *key,
			   const char *path)
{
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < pair; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0) {
			char child[YW_PATH_MAX];
			yw_key_path(child, path, key);
			return yw_fail(y, yaml_document_get_node(y->doc, pair->key), child,
				       "duplicate key (first on line %d)", yw_line(k));
		}
	}
	return 0;
}

static const struct yw_field *find_field(const struct yw_field *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

int yw_mapping(struct yw *y, yaml_node_t *n, const char *path, const struct yw_field *fields,
	       size_t n_fields, void *target)
{
	if (expect(y, n, path, YAML_MAPPING_NODE, "a mapping") < 0)
		return -1;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *key = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *value = yaml_document_get_node(y->doc, p->value);
		const char *k = NULL;
		char child[YW_PATH_MAX];

		if (key_string(y, key, path, &k) < 0 || check_duplicate(y, n, p, k, path) < 0)
			return -1;
		yw_key_path(child, path, k);
		const struct yw_field *f = find_field(fields, n_fields, k);
		if (!f)
			return yw_fail(y, key, child, "unknown key");
		if (f->parse(y, value, child, target) < 0)
			return -1;
	}
	return 0;
}

yaml_node_t *yw_get(struct yw *y, yaml_node_t *n, const char *key)
{
	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		if (k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0)
			return yaml_document_get_node(y->doc, p->value);
	}
	return NULL;
}

int yw_sequence(struct yw *y, yaml_node_t *n, const char *path, yaml_node_item_t **items,
		size_t *count)
{
	if (expect(y, n, path, YAML_SEQUENCE_NODE, "a sequence") < 0)
		return -1;
	*items = n->data.sequence.items.start;
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

yaml_node_t *yw_item(struct yw *y, yaml_node_item_t item)
{
	return yaml_document_get_node(y->doc, item);
}

int yw_string(struct yw *y, yaml_node_t *n, const char *path, char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_plain(n, null_words))
		return yw_fail(y, n, path, "expected a string");
	if (strlen(scalar(n)) != n->data.scalar.length)
		return yw_fail(y, n, path, "must not contain a NUL character");
	char *s = strdup(scalar(n));
	if (!s)
		return sk_fail(y->err, ENOMEM, "%s", path);
	free(*out); /* a default */
	*out = s;
	return 0;
}

int yw_bool(struct yw *y, yaml_node_t *n, const char *path, int *out)
{
	if (is_plain(n, true_words))
		*out = 1;
	else if (is_plain(n, false_words))
		*out = 0;
	else
		return yw_fail(y, n, path, "expected true or false");
	return 0;
}

/* A decimal integer without sign or leading zeros. */
static int is_decimal(const char *s)
{
	if (!*s || (s[0] == '0' && s[1]))
		return 0;
	return strspn(s, "0123456789") == strlen(s);
}

static int plain_digits(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       is_decimal(scalar(n));
}

int yw_uint(struct yw *y, yaml_node_t *n, const char *path, unsigned max, unsigned *out)
{
	if (!plain_digits(n) || strlen(scalar(n)) > 10 || strtoull(scalar(n), NULL, 10) > max)
		return yw_fail(y, n, path, "expected an integer from 0 to %u", max);
	*out = (unsigned)strtoul(scalar(n), NULL, 10);
	return 0;
}

void yw_strings_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

int yw_strings(struct yw *y, yaml_node_t *n, const char *path, size_t max, char ***out,
	       size_t *count)
{
	yaml_node_item_t *items;
	size_t len;
	char **v;

	if (yw_sequence(y, n, path, &items, &len) < 0)
		return -1;
	if (len > max)
		return yw_fail(y, n, path, "more than %zu items", max);
	if (!(v = calloc(len + 1, sizeof *v)))
		return sk_fail(y->err, ENOMEM, "%s", path);
	for (size_t i = 0; i < len; i++) {
		char child[YW_PATH_MAX];
		yw_index_path(child, path, i);
		if (yw_string(y, yw_item(y, items[i]), child, &v[i]) < 0) {
			yw_strings_free(v);
			return -1;
		}
	}
	yw_strings_free(*out);
	*out = v;
	*count = len;
	return 0;
}

struct json_walk {
	struct yw *y;
	size_t nodes;
};

static int to_json(struct json_walk *w, yaml_node_t *n, const char *path, int depth, cJSON **out);

static cJSON *scalar_json(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (is_plain(n, null_words))
		return cJSON_CreateNull();
	if (is_plain(n, true_words) || is_plain(n, false_words))
		return cJSON_CreateBool(is_plain(n, true_words));
	/* Beyond 15 digits a double no longer holds every integer. */
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && strlen(s) <= 15 &&
	    is_decimal(s[0] == '-' ? s + 1 : s) && strcmp(s, "-0") != 0)
		return cJSON_CreateNumber((double)strtoll(s, NULL, 10));
	return cJSON_CreateString(s);
}

static int seq_json(struct json_walk *w, yaml_node_t *n, const char *path, int depth, cJSON *arr)
{
	size_t i = 0;

	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, i++) {
		char child[YW_PATH_MAX];
		cJSON *v = NULL;
		yw_index_path(child, path, i);
		if (to_json(w, yw_item(w->y, *it), child, depth + 1, &v) < 0)
			return -1;
		cJSON_AddItemToArray(arr, v);
	}
	return 0;
}

static int map_json(struct json_walk *w, yaml_node_t *n, const char *path, int depth, cJSON *obj)
{
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *key = yaml_document_get_node(w->y->doc, p->key);
		char child[YW_PATH_MAX];
		const char *k = NULL;
		cJSON *v = NULL;

		if (key_string(w->y, key, path, &k) < 0 || check_duplicate(w->y, n, p, k, path) < 0)
			return -1;
		yw_key_path(child, path, k);
		if (to_json(w, yaml_document_get_node(w->y->doc, p->value), child, depth + 1, &v) <
		    0)
			return -1;
		cJSON_AddItemToObject(obj, k, v);
	}
	return 0;
}

static int to_json(struct json_walk *w, yaml_node_t *n, const char *path, int depth, cJSON **out)
{
	cJSON *v;
	int rc = 0;

	if (depth > YW_MAX_DEPTH || ++w->nodes > YW_MAX_NODES)
		return yw_fail(w->y, n, path, "nested too deeply or too large");
	if (n->type == YAML_SCALAR_NODE)
		v = scalar_json(n);
	else
		v = n->type == YAML_MAPPING_NODE ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!v)
		return sk_fail(w->y->err, ENOMEM, "%s", path);
	if (n->type == YAML_MAPPING_NODE)
		rc = map_json(w, n, path, depth, v);
	else if (n->type == YAML_SEQUENCE_NODE)
		rc = seq_json(w, n, path, depth, v);
	if (rc < 0) {
		cJSON_Delete(v);
		return -1;
	}
	*out = v;
	return 0;
}

int yw_to_json(struct yw *y, yaml_node_t *n, const char *path, cJSON **out)
{
	struct json_walk w = {.y = y};

	return to_json(&w, n, path, 0, out);
}
