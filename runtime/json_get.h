/* Typed access to cJSON values that reports the key path on a mismatch
 * ("process.user.uid: expected a number"). A missing or null key leaves
 * the output alone and returns 0. */
#ifndef RT_JSON_GET_H
#define RT_JSON_GET_H

#include "err.h"

#include <stdint.h>

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
/* Joins PATH and KEY ("a.b") or an index ("a[3]") into BUF. */
const char *json_path(char *buf, size_t size, const char *path, const char *key);
const char *json_index(char *buf, size_t size, const char *path, int i);

#endif
