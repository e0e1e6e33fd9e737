/* The canonical JSON of a task definition, written by the same tables it
 * was read by: fields in the API's order, integers as numbers, task-level
 * cpu and memory as the strings ECS returns, unset fields left out, and
 * ignored fields kept as given. What this writes, taskdef_parse reads back
 * to the same definition. */
#include <stdlib.h>
#include <string.h>

#include "taskdef_internal.h"

#define SLOT(t, f, type) ((type const *)((const char *)(t) + (f)->off))
#define COUNT(t, f)	 (*(const size_t *)((const char *)(t) + (f)->n_off))

static cJSON *strings(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *ints(const int64_t *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
	return a;
}

static cJSON *map(const struct td_kv *kv, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; o && i < n; i++)
		cJSON_AddStringToObject(o, kv[i].name, kv[i].value);
	return o;
}

static cJSON *objects(const struct td_shape *s, const char *items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, td_emit_object(s, items + i * s->size));
	return a;
}

static cJSON *value(const struct td_field *f, const void *t)
{
	char buf[32];

	switch (f->kind) {
	case TD_STR:
		return cJSON_CreateString(*SLOT(t, f, char *));
	case TD_INT:
		return cJSON_CreateNumber((double)*SLOT(t, f, int64_t));
	case TD_UNITS:
		snprintf(buf, sizeof buf, "%lld", (long long)*SLOT(t, f, int64_t));
		return cJSON_CreateString(buf);
	case TD_BOOL:
		return cJSON_CreateBool(*SLOT(t, f, int));
	case TD_ENUM:
		return cJSON_CreateString(f->values[*SLOT(t, f, int)]);
	case TD_STRS:
		return strings(*SLOT(t, f, char **), COUNT(t, f));
	case TD_INTS:
		return ints(*SLOT(t, f, int64_t *), COUNT(t, f));
	case TD_DICT:
		return map(*SLOT(t, f, struct td_kv *), COUNT(t, f));
	case TD_OBJ:
		return td_emit_object(f->shape, *SLOT(t, f, void *));
	case TD_LIST:
		return objects(f->shape, *SLOT(t, f, char *), COUNT(t, f));
	case TD_RAW:
		return cJSON_Duplicate(*SLOT(t, f, cJSON *), 1);
	}
	return NULL;
}

cJSON *td_emit_object(const struct td_shape *s, const void *target)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; o && i < s->n_fields; i++) {
		const struct td_field *f = &s->fields[i];
		if (td_field_set(f, target))
			cJSON_AddItemToObject(o, f->name, value(f, target));
	}
	return o;
}

cJSON *taskdef_to_json(const struct taskdef *td)
{
	return td_emit_object(&td_taskdef_shape, td);
}
