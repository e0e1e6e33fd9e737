/* Reading JSON, for every part. Input from outside (config.json, node.json,
 * an image's config) goes through the checked getters, which name the key
 * path on a mismatch ("process.user.uid: expected a number"); a missing or
 * null key leaves the output alone and returns 0. Records Skiff wrote
 * itself (etcd values, state files) go through the lenient json_record_*
 * getters, where anything missing reads as a default. */
#ifndef SK_JSON_GET_H
#define SK_JSON_GET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct cJSON cJSON;

/* Fails naming the first key of OBJ that is not in ALLOWED (NULL ended). */
int json_known_keys(const cJSON *obj, const char *path, const char *const *allowed,
		    struct sk_err *err);
int json_object(const cJSON *obj, const char *key, const char *path, cJSON **out,
		struct sk_err *err);
int json_array(const cJSON *obj, const char *key, const char *path, cJSON **out,
	       struct sk_err *err);
int json_string(const cJSON *obj, const char *key, const char *path, const char **out,
		struct sk_err *err);
int json_bool(const cJSON *obj, const char *key, const char *path, int *out, struct sk_err *err);
int json_int(const cJSON *obj, const char *key, const char *path, int64_t min, int64_t max,
	     int64_t *out, struct sk_err *err);
int json_u64(const cJSON *obj, const char *key, const char *path, uint64_t *out,
	     struct sk_err *err);
/* A NULL-terminated array of borrowed strings, allocated; NULL if absent. */
int json_strings(const cJSON *obj, const char *key, const char *path, char ***out,
		 struct sk_err *err);
/* Parses the array at KEY (absent or null: nothing, *OUT untouched) into a
 * new array of elements of SIZE bytes, zeroed, with one zeroed element
 * after the last; FN fills each from its item and key path ("mounts[2]").
 * *N counts the elements handed to FN, the failing one included, so that
 * the caller's free sees everything that may own memory. */
typedef int (*json_elem_fn)(const cJSON *item, const char *path, void *elem, struct sk_err *err);
int json_array_parse(const cJSON *obj, const char *key, const char *path, size_t size,
		     json_elem_fn fn, void **out, int *n, struct sk_err *err);

/* Lenient getters: a string ("" when absent or not a string) and an
 * integer (a number within int64_t or a numeric string, DFLT otherwise). */
const char *json_record_str(const cJSON *obj, const char *key);
int64_t json_record_int(const cJSON *obj, const char *key, int64_t dflt);

/* Writes DOC to PATH, indented and ending in a newline, atomically. */
int json_write_file(const char *path, const cJSON *doc, struct sk_err *err);

/* Joins PATH and KEY ("a.b") or an index ("a[3]") into BUF. */
const char *json_path(char *buf, size_t size, const char *path, const char *key);
const char *json_index(char *buf, size_t size, const char *path, int i);

#endif
