/* The table-driven reader: a JSON object is checked field by field against
 * its shape (lib/taskdef_fields.c) and stored into the shape's struct.
 * Nothing stops at the first problem: every field is looked at, so that
 * one run reports everything wrong with a document. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "taskdef_internal.h"

#define SLOT(t, f, type) ((type *)((char *)(t) + (f)->off))
#define COUNT(t, f)	 ((size_t *)((char *)(t) + (f)->n_off))

void td_shape_init(const struct td_shape *s, void *target)
{
	memset(target, 0, s->size);
	for (size_t i = 0; i < s->n_fields; i++) {
		const struct td_field *f = &s->fields[i];
		if (f->off == TD_NOWHERE)
			continue;
		if (f->kind == TD_INT || f->kind == TD_UNITS)
			*SLOT(target, f, int64_t) = TD_UNSET;
		else if (f->kind == TD_BOOL)
			*SLOT(target, f, int) = TD_NOBOOL;
		else if (f->kind == TD_ENUM)
			*SLOT(target, f, int) = -1;
	}
}

int td_is_unset(const cJSON *v)
{
	return !v || cJSON_IsNull(v) || (cJSON_IsArray(v) && !v->child);
}

/* ---- scalars ---------------------------------------------------------- */

/* An integer: a JSON number without a fraction, or a string of digits. */
static int get_int(const cJSON *v, int64_t *out)
{
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!(d >= -9.0e18 && d <= 9.0e18) || d != (double)(int64_t)d)
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (!cJSON_IsString(v) || !*v->valuestring)
		return -1;
	const char *s = v->valuestring;
	char *end;
	errno = 0;
	long long n = strtoll(s, &end, 10);
	if (errno || *end || strspn(s + (*s == '-'), "0123456789") != strlen(s + (*s == '-')))
		return -1;
	*out = n;
	return 0;
}

static int get_bool(const cJSON *v, int *out)
{
	if (cJSON_IsBool(v))
		*out = cJSON_IsTrue(v);
	else if (cJSON_IsString(v) && !strcmp(v->valuestring, "true"))
		*out = 1;
	else if (cJSON_IsString(v) && !strcmp(v->valuestring, "false"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* Task-level "cpu" ("256", 256, "1 vCPU", "0.5 vcpu") and "memory"
 * ("512", "1GB", "2 GB"), as ECS converts them at registration. */
static int get_units(const cJSON *v, int is_cpu, int64_t *out)
{
	if (get_int(v, out) == 0)
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	char *end;
	double d = strtod(v->valuestring, &end);
	if (end == v->valuestring || !(d >= 0) || d > 1e9)
		return -1;
	while (*end == ' ')
		end++;
	if (is_cpu && !strcasecmp(end, "vcpu"))
		d *= 1024;
	else if (!is_cpu && (!strcasecmp(end, "gb") || !strcasecmp(end, "gib")))
		d *= 1024;
	else if (is_cpu || (strcasecmp(end, "mb") && strcasecmp(end, "mib")))
		return -1;
	if (d != (double)(int64_t)d)
		return -1;
	*out = (int64_t)d;
	return 0;
}

static void range_error(struct td_walk *w, const char *path, const struct td_field *f,
			const char *what)
{
	if (f->max > f->min)
		td_error(w, path, "expected %s from %lld to %lld", what, (long long)f->min,
			 (long long)f->max);
	else
		td_error(w, path, "expected %s", what);
}

static int in_range(const struct td_field *f, int64_t n)
{
	return f->max <= f->min || (n >= f->min && n <= f->max);
}

static void enum_error(struct td_walk *w, const char *path, const struct td_field *f,
		       const char *got)
{
	char list[400] = "";
	size_t used = 0;

	for (const char *const *p = f->values; *p && used < sizeof list - 40; p++)
		used += (size_t)snprintf(list + used, sizeof list - used, "%s\"%s\"",
					 p == f->values ? "" : ", ", *p);
	td_error(w, path, "expected one of %s, got \"%.60s\"", list, got);
}

static int enum_index(const char *const *values, const char *s)
{
	for (int i = 0; values[i]; i++)
		if (!strcmp(values[i], s))
			return i;
	return -1;
}

/* Strings. Some fields take any scalar (an environment value of 8080). */
static char *scalar_string(const cJSON *v)
{
	char buf[64];

	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	if (!cJSON_IsNumber(v))
		return NULL;
	if (v->valuedouble > -9e18 && v->valuedouble < 9e18 &&
	    v->valuedouble == (double)(int64_t)v->valuedouble)
		snprintf(buf, sizeof buf, "%lld", (long long)v->valuedouble);
	else
		snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
	return strdup(buf);
}

static void read_string(struct td_walk *w, const struct td_field *f, const cJSON *v,
			const char *path, void *slot)
{
	if (!cJSON_IsString(v) &&
	    !((f->flags & TD_ANY_SCALAR) && !cJSON_IsObject(v) && !cJSON_IsArray(v))) {
		td_error(w, path, "expected a string");
		return;
	}
	char *s = scalar_string(v);
	if (s && f->max > 0 && (int64_t)strlen(s) > f->max)
		td_error(w, path, "longer than %lld characters", (long long)f->max);
	else if (s && f->values && enum_index(f->values, s) < 0)
		enum_error(w, path, f, s);
	if (slot) {
		free(*(char **)slot);
		*(char **)slot = s;
	} else {
		free(s);
	}
}

static void read_scalar(struct td_walk *w, const struct td_field *f, const cJSON *v,
			const char *path, void *slot)
{
	int64_t n;
	int b;

	switch (f->kind) {
	case TD_INT:
		if (get_int(v, &n) < 0 || !in_range(f, n))
			range_error(w, path, f, "an integer");
		else if (slot)
			*(int64_t *)slot = n;
		break;
	case TD_UNITS:
		if (get_units(v, (f->flags & TD_CPU) != 0, &n) < 0 || !in_range(f, n))
			range_error(w, path, f,
				    (f->flags & TD_CPU) ? "CPU units (\"1024\", \"1 vCPU\")"
							: "MiB (\"512\", \"1 GB\")");
		else if (slot)
			*(int64_t *)slot = n;
		break;
	case TD_BOOL:
		if (get_bool(v, &b) < 0)
			td_error(w, path, "expected true or false");
		else if (slot)
			*(int *)slot = b;
		break;
	case TD_ENUM:
		if (!cJSON_IsString(v))
			td_error(w, path, "expected a string");
		else if ((b = enum_index(f->values, v->valuestring)) < 0)
			enum_error(w, path, f, v->valuestring);
		else if (slot)
			*(int *)slot = b;
		break;
	default:
		read_string(w, f, v, path, slot);
	}
}

/* ---- lists and maps ------------------------------------------------------ */

static int list_ok(struct td_walk *w, const struct td_field *f, const cJSON *v, const char *path)
{
	if (!cJSON_IsArray(v)) {
		td_error(w, path, "expected an array");
		return 0;
	}
	int64_t max = f->max > 0 ? f->max : TD_MAX_LIST;
	if (cJSON_GetArraySize(v) > max) {
		td_error(w, path, "more than %lld items", (long long)max);
		return 0;
	}
	return 1;
}

static void read_strings(struct td_walk *w, const struct td_field *f, const cJSON *v,
			 const char *path, void *target)
{
	size_t n = 0, i = 0;
	const cJSON *e;
	char child[TD_PATH_MAX], **out = NULL;

	if (!list_ok(w, f, v, path))
		return;
	if (target && !(out = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *out)))
		return;
	cJSON_ArrayForEach(e, v)
	{
		td_path_index(child, path, i++);
		if (!cJSON_IsString(e)) {
			td_error(w, child, "expected a string");
			continue;
		}
		if (f->values && enum_index(f->values, e->valuestring) < 0)
			enum_error(w, child, f, e->valuestring);
		if (out)
			out[n++] = strdup(e->valuestring);
	}
	if (target) {
		*SLOT(target, f, char **) = out;
		*COUNT(target, f) = n;
	}
}

static void read_ints(struct td_walk *w, const struct td_field *f, const cJSON *v, const char *path,
		      void *target)
{
	size_t n = 0, i = 0;
	const cJSON *e;
	char child[TD_PATH_MAX];
	int64_t *out = NULL, x;

	if (!list_ok(w, f, v, path))
		return;
	if (target && !(out = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *out)))
		return;
	cJSON_ArrayForEach(e, v)
	{
		td_path_index(child, path, i++);
		if (get_int(e, &x) < 0)
			td_error(w, child, "expected an integer");
		else if (out)
			out[n++] = x;
	}
	if (target) {
		*SLOT(target, f, int64_t *) = out;
		*COUNT(target, f) = n;
	}
}

static void read_map(struct td_walk *w, const struct td_field *f, const cJSON *v, const char *path,
		     void *target)
{
	size_t n = 0;
	const cJSON *e;
	char child[TD_PATH_MAX];
	struct td_kv *out = NULL;

	if (!cJSON_IsObject(v)) {
		td_error(w, path, "expected an object of strings");
		return;
	}
	if (target && !(out = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *out)))
		return;
	cJSON_ArrayForEach(e, v)
	{
		td_path_key(child, path, e->string);
		if (cJSON_IsNull(e))
			continue;
		char *s = cJSON_IsObject(e) || cJSON_IsArray(e) ? NULL : scalar_string(e);
		if (!s) {
			td_error(w, child, "expected a string");
			continue;
		}
		if (out) {
			out[n].name = strdup(e->string);
			out[n++].value = s;
		} else {
			free(s);
		}
	}
	if (target) {
		*SLOT(target, f, struct td_kv *) = out;
		*COUNT(target, f) = n;
	}
}

static void read_objects(struct td_walk *w, const struct td_field *f, const cJSON *v,
			 const char *path, void *target)
{
	size_t i = 0;
	const cJSON *e;
	char child[TD_PATH_MAX], *out = NULL;
	size_t size = f->shape->size;

	if (!list_ok(w, f, v, path))
		return;
	if (target && !(out = calloc((size_t)cJSON_GetArraySize(v) + 1, size)))
		return;
	cJSON_ArrayForEach(e, v)
	{
		td_path_index(child, path, i);
		if (out)
			td_shape_init(f->shape, out + i * size);
		td_walk_object(w, f->shape, e, child, out ? out + i * size : NULL);
		i++;
	}
	if (target) {
		*SLOT(target, f, void *) = out;
		*COUNT(target, f) = i;
	}
}

/* Ignored objects are checked against their shape and kept as given. */
static void read_raw(struct td_walk *w, const struct td_field *f, const cJSON *v, const char *path,
		     void *target)
{
	char child[TD_PATH_MAX];
	const cJSON *e;
	size_t i = 0;

	if (cJSON_IsArray(v)) {
		if (list_ok(w, f, v, path))
			cJSON_ArrayForEach(e, v)
			{
				td_path_index(child, path, i++);
				td_walk_object(w, f->shape, e, child, NULL);
			}
	} else {
		td_walk_object(w, f->shape, v, path, NULL);
	}
	if (target && *SLOT(target, f, cJSON *) == NULL)
		*SLOT(target, f, cJSON *) = cJSON_Duplicate(v, 1);
}

static void read_object(struct td_walk *w, const struct td_field *f, const cJSON *v,
			const char *path, void *target)
{
	void *obj = NULL;

	if (target && !(obj = calloc(1, f->shape->size)))
		return;
	if (obj)
		td_shape_init(f->shape, obj);
	td_walk_object(w, f->shape, v, path, obj);
	if (target)
		*SLOT(target, f, void *) = obj;
}

/* ---- objects -------------------------------------------------------------- */

static void read_value(struct td_walk *w, const struct td_field *f, const cJSON *v,
		       const char *path, void *target)
{
	void *slot = target && f->off != TD_NOWHERE ? SLOT(target, f, void) : NULL;
	void *owner = slot ? target : NULL;

	switch (f->kind) {
	case TD_STRS:
		read_strings(w, f, v, path, owner);
		break;
	case TD_INTS:
		read_ints(w, f, v, path, owner);
		break;
	case TD_DICT:
		read_map(w, f, v, path, owner);
		break;
	case TD_LIST:
		read_objects(w, f, v, path, owner);
		break;
	case TD_OBJ:
		read_object(w, f, v, path, owner);
		break;
	case TD_RAW:
		read_raw(w, f, v, path, owner);
		break;
	default:
		read_scalar(w, f, v, path, slot);
	}
	if (f->check)
		f->check(w, path, v, slot);
}

static void read_field(struct td_walk *w, const struct td_field *f, const cJSON *v,
		       const char *path, void *target)
{
	int quiet = w->quiet;

	if (f->use == TD_REFUSE) {
		td_error(w, path, "%s", f->note);
		return;
	}
	if (f->use == TD_IGNORE)
		td_warn_field(w, f, path);
	if (f->use == TD_IGNORE || f->use == TD_OUTPUT)
		w->quiet = 1; /* one warning for the whole subtree */
	read_value(w, f, v, path, target);
	w->quiet = quiet;
}

static const struct td_field *field_of(const struct td_shape *s, const char *name)
{
	for (size_t i = 0; i < s->n_fields; i++)
		if (!strcmp(s->fields[i].name, name))
			return &s->fields[i];
	return NULL;
}

/* Edit distance, to suggest the field a typo meant. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0]++;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + ((a[i - 1] | 32) != (b[j - 1] | 32));
			size_t best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			prev = cur;
		}
	}
	return row[lb];
}

static void unknown_field(struct td_walk *w, const struct td_shape *s, const char *key,
			  const char *path)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < s->n_fields; i++) {
		size_t d = distance(key, s->fields[i].name);
		if (d < best_d)
			best_d = d, best = s->fields[i].name;
	}
	if (best)
		td_error(w, path, "not a field of %s (did you mean \"%s\"?)", s->name, best);
	else
		td_error(w, path, "not a field of %s", s->name);
}

static int given_before(const cJSON *obj, const cJSON *item)
{
	for (const cJSON *e = obj->child; e && e != item; e = e->next)
		if (!strcmp(e->string, item->string))
			return 1;
	return 0;
}

static int is_empty_string(const struct td_field *f, const cJSON *v)
{
	return f->kind == TD_STR && !(f->flags & TD_EMPTY_SET) && cJSON_IsString(v) &&
	       !*v->valuestring;
}

static void check_required(struct td_walk *w, const struct td_shape *s, const cJSON *v,
			   const char *path)
{
	char child[TD_PATH_MAX];

	for (size_t i = 0; i < s->n_fields; i++) {
		const struct td_field *f = &s->fields[i];
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, f->name);
		if (!(f->flags & TD_REQUIRED) || (!td_is_unset(x) && !is_empty_string(f, x)))
			continue;
		td_path_key(child, path, f->name);
		td_error(w, child, "required");
	}
}

void td_walk_object(struct td_walk *w, const struct td_shape *s, const cJSON *v, const char *path,
		    void *target)
{
	char child[TD_PATH_MAX];
	const cJSON *it;

	if (!cJSON_IsObject(v)) {
		td_error(w, path, "expected an object (%s)", s->name);
		return;
	}
	cJSON_ArrayForEach(it, v)
	{
		const struct td_field *f = field_of(s, it->string);
		td_path_key(child, path, it->string);
		if (given_before(v, it))
			continue; /* reported once, by td_check_duplicates */
		if (!f)
			unknown_field(w, s, it->string, child);
		else if (!td_is_unset(it) && !is_empty_string(f, it))
			read_field(w, f, it, child, target);
	}
	check_required(w, s, v, path);
	if (s->finish && target)
		s->finish(w, path, v, target);
}

/* ---- duplicate keys --------------------------------------------------------- */

/* JSON leaves a key named twice in one object undefined (RFC 8259 4.):
 * cJSON keeps both, a lookup sees the first, and a stored record would
 * carry both. Refused wherever it appears, so no value is silently lost. */
void td_check_duplicates(struct td_walk *w, const cJSON *v, const char *path)
{
	char child[TD_PATH_MAX];
	size_t i = 0;
	const cJSON *e;

	cJSON_ArrayForEach(e, v)
	{
		if (cJSON_IsObject(v)) {
			td_path_key(child, path, e->string);
			if (given_before(v, e))
				td_error(w, child, "given twice");
		} else {
			td_path_index(child, path, i++);
		}
		if (cJSON_IsObject(e) || cJSON_IsArray(e))
			td_check_duplicates(w, e, child);
	}
}

/* ---- freeing and questions ------------------------------------------------ */

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void free_field(const struct td_field *f, void *target)
{
	size_t n = f->n_off ? *COUNT(target, f) : 0;

	switch (f->kind) {
	case TD_STR:
		free(*SLOT(target, f, char *));
		break;
	case TD_STRS:
		free_strings(*SLOT(target, f, char **), n);
		break;
	case TD_INTS:
		free(*SLOT(target, f, int64_t *));
		break;
	case TD_DICT:
		for (size_t i = 0; i < n; i++) {
			free((*SLOT(target, f, struct td_kv *))[i].name);
			free((*SLOT(target, f, struct td_kv *))[i].value);
		}
		free(*SLOT(target, f, struct td_kv *));
		break;
	case TD_OBJ:
		if (*SLOT(target, f, void *))
			td_shape_free(f->shape, *SLOT(target, f, void *));
		free(*SLOT(target, f, void *));
		break;
	case TD_LIST:
		for (size_t i = 0; i < n; i++)
			td_shape_free(f->shape, *SLOT(target, f, char *) + i * f->shape->size);
		free(*SLOT(target, f, void *));
		break;
	case TD_RAW:
		cJSON_Delete(*SLOT(target, f, cJSON *));
		break;
	default:
		break;
	}
}

void td_shape_free(const struct td_shape *s, void *target)
{
	for (size_t i = 0; target && i < s->n_fields; i++)
		if (s->fields[i].off != TD_NOWHERE)
			free_field(&s->fields[i], target);
}

int td_field_set(const struct td_field *f, const void *target)
{
	const char *t = target;

	if (f->off == TD_NOWHERE)
		return 0;
	switch (f->kind) {
	case TD_INT:
	case TD_UNITS:
		return *(const int64_t *)(t + f->off) != TD_UNSET;
	case TD_BOOL:
		return *(const int *)(t + f->off) != TD_NOBOOL;
	case TD_ENUM:
		return *(const int *)(t + f->off) >= 0;
	case TD_STRS:
	case TD_INTS:
	case TD_DICT:
	case TD_LIST:
		return *(const size_t *)(t + f->n_off) > 0;
	default:
		return *(void *const *)(t + f->off) != NULL;
	}
}
