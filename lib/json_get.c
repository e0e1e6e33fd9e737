/* Reading JSON (see json_get.h). */
#define _GNU_SOURCE
#include "json_get.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "file.h"

const char *json_path(char *buf, size_t size, const char *path, const char *key)
{
	snprintf(buf, size, "%s%s%s", path, *path ? "." : "", key);
	return buf;
}

const char *json_index(char *buf, size_t size, const char *path, int i)
{
	snprintf(buf, size, "%s[%d]", path, i);
	return buf;
}

int json_known_keys(const cJSON *obj, const char *path, const char *const *allowed,
		    struct sk_err *err)
{
	const cJSON *it;
	char buf[256];

	cJSON_ArrayForEach(it, obj)
	{
		const char *const *a = allowed;
		while (*a && strcmp(*a, it->string) != 0)
			a++;
		if (!*a)
			return sk_fail(err, 0, "%s: not supported",
				       json_path(buf, sizeof buf, path, it->string));
	}
	return 0;
}

/* The item at KEY if present and not null; fails when its type is wrong. */
static cJSON *item(const cJSON *obj, const char *key, const char *path, int type, const char *what,
		   int *rc, struct sk_err *err)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char buf[256];

	*rc = 0;
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (!(v->type & type)) {
		*rc =
		    sk_fail(err, 0, "%s: expected %s", json_path(buf, sizeof buf, path, key), what);
		return NULL;
	}
	return v;
}

int json_object(const cJSON *obj, const char *key, const char *path, cJSON **out,
		struct sk_err *err)
{
	int rc;
	cJSON *v = item(obj, key, path, cJSON_Object, "an object", &rc, err);
	if (v)
		*out = v;
	return rc;
}

int json_array(const cJSON *obj, const char *key, const char *path, cJSON **out, struct sk_err *err)
{
	int rc;
	cJSON *v = item(obj, key, path, cJSON_Array, "an array", &rc, err);
	if (v)
		*out = v;
	return rc;
}

int json_string(const cJSON *obj, const char *key, const char *path, const char **out,
		struct sk_err *err)
{
	int rc;
	cJSON *v = item(obj, key, path, cJSON_String, "a string", &rc, err);
	if (v)
		*out = v->valuestring;
	return rc;
}

int json_bool(const cJSON *obj, const char *key, const char *path, int *out, struct sk_err *err)
{
	int rc;
	cJSON *v = item(obj, key, path, cJSON_True | cJSON_False, "a boolean", &rc, err);
	if (v)
		*out = cJSON_IsTrue(v);
	return rc;
}

int json_int(const cJSON *obj, const char *key, const char *path, int64_t min, int64_t max,
	     int64_t *out, struct sk_err *err)
{
	int rc;
	char buf[256];
	cJSON *v = item(obj, key, path, cJSON_Number, "a number", &rc, err);

	if (!v)
		return rc;
	double d = v->valuedouble;
	if (d != floor(d) || d < (double)min || d > (double)max)
		return sk_fail(err, 0, "%s: %.17g out of range %lld..%lld",
			       json_path(buf, sizeof buf, path, key), d, (long long)min,
			       (long long)max);
	*out = (int64_t)d;
	return 0;
}

int json_u64(const cJSON *obj, const char *key, const char *path, uint64_t *out, struct sk_err *err)
{
	int64_t v = -1;

	if (json_int(obj, key, path, 0, INT64_MAX, &v, err) < 0)
		return -1;
	if (v >= 0)
		*out = (uint64_t)v;
	return 0;
}

int json_strings(const cJSON *obj, const char *key, const char *path, char ***out,
		 struct sk_err *err)
{
	cJSON *arr = NULL, *it;
	char buf[256], ibuf[300];
	int n = 0;

	if (json_array(obj, key, path, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	char **v = calloc(cJSON_GetArraySize(arr) + 1, sizeof *v);
	if (!v)
		return sk_fail(err, ENOMEM, "allocate");
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it)) {
			free(v);
			json_path(buf, sizeof buf, path, key);
			return sk_fail(err, 0, "%s: expected a string",
				       json_index(ibuf, sizeof ibuf, buf, n));
		}
		v[n++] = it->valuestring;
	}
	free(*out);
	*out = v;
	return 0;
}

int json_array_parse(const cJSON *obj, const char *key, const char *path, size_t size,
		     json_elem_fn fn, void **out, int *n, struct sk_err *err)
{
	cJSON *arr = NULL, *it;
	char base[256], ipath[300];

	if (json_array(obj, key, path, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	char *v = calloc((size_t)cJSON_GetArraySize(arr) + 1, size);
	if (!v)
		return sk_fail(err, ENOMEM, "allocate");
	*out = v;
	json_path(base, sizeof base, path, key);
	cJSON_ArrayForEach(it, arr)
	{
		json_index(ipath, sizeof ipath, base, *n);
		if (fn(it, ipath, v + (size_t)(*n)++ * size, err) < 0)
			return -1;
	}
	return 0;
}

const char *json_record_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

int64_t json_record_int(const cJSON *obj, const char *key, int64_t dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	/* a double outside int64_t's range has no value here (converting it is undefined) */
	if (cJSON_IsNumber(v))
		return v->valuedouble >= -0x1p63 && v->valuedouble < 0x1p63
			   ? (int64_t)v->valuedouble
			   : dflt;
	return cJSON_IsString(v) ? strtoll(v->valuestring, NULL, 10) : dflt;
}

int json_write_file(const char *path, const cJSON *doc, struct sk_err *err)
{
	SK_AUTOFREE char *text = cJSON_Print(doc);
	size_t len = text ? strlen(text) : 0;

	if (!text)
		return sk_fail(err, ENOMEM, "write %s", path);
	/* cJSON_Print's buffer has no room for the newline: make it. */
	char *t = realloc(text, len + 2);
	if (!t)
		return sk_fail(err, ENOMEM, "write %s", path);
	text = t;
	memcpy(text + len, "\n", 2);
	return sk_write_atomic(path, text, len + 1, err);
}
