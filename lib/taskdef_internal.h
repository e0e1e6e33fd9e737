/* Inside the task-definition model: the field tables and the walker that
 * reads JSON into structs (and back) by those tables. Shared by the
 * taskdef_*.c files only. */
#ifndef SK_TASKDEF_INTERNAL_H
#define SK_TASKDEF_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "taskdef.h"

#define TD_PATH_MAX 320

enum td_kind {
	TD_STR,	  /* char * */
	TD_INT,	  /* int64_t; a JSON number or a string of digits */
	TD_BOOL,  /* int: 0, 1 or TD_NOBOOL; true/false or "true"/"false" */
	TD_ENUM,  /* int: index into values, -1 unset */
	TD_UNITS, /* int64_t: task cpu ("1 vCPU") or memory ("2 GB"); written as a string */
	TD_STRS,  /* char ** + size_t; each checked against values when given */
	TD_INTS,  /* int64_t * + size_t */
	TD_DICT,  /* struct td_kv * + size_t: an object of strings */
	TD_OBJ,	  /* a pointer to the shape's struct */
	TD_LIST,  /* an array of the shape's structs + size_t */
	TD_RAW,	  /* cJSON *: checked against the shape, kept as given */
};

/* What Skiff does with a field: the three ways of docs/taskdefs.md, and
 * the fields only registration writes. */
enum td_use {
	TD_RUN,	   /* done on the node as ECS does it */
	TD_MAP,	   /* done with what a Skiff node has instead of AWS's */
	TD_IGNORE, /* accepted, kept, a warning names it */
	TD_REFUSE, /* the containers cannot run without it: an error says why */
	TD_OUTPUT, /* what a describe output carries: accepted, replaced at register */
};

#define TD_NOWHERE ((size_t)-1) /* a field kept nowhere (output-only, dropped) */

struct td_walk;
struct td_shape;

/* Extra rules for one value, after its type was checked and it was stored
 * at SLOT (NULL when only checking). */
typedef void (*td_check_fn)(struct td_walk *w, const char *path, const cJSON *v, void *slot);

struct td_field {
	const char *name;
	enum td_kind kind;
	enum td_use use;
	size_t off, n_off; /* where the value and, for lists, the count go */
	const struct td_shape *shape;
	int64_t min, max; /* integers: range; strings: length; lists: items */
	const char *const *values;
	unsigned flags;
	td_check_fn check;
	const char *note; /* docs/taskdefs.md, and the warning of an ignored field */
};

#define TD_REQUIRED   1u /* must be given */
#define TD_EMPTY_SET  2u /* "" is a value (else an empty string means unset) */
#define TD_ANY_SCALAR 4u /* a string field that also takes a number or a boolean */
#define TD_CPU	      8u /* TD_UNITS: CPU units, else MiB */

struct td_shape {
	const char *name; /* the API's name for it */
	size_t size;
	const struct td_field *fields;
	size_t n_fields;
	/* Rules between the fields of one object, once they are read. */
	void (*finish)(struct td_walk *w, const char *path, const cJSON *obj, void *target);
};

struct td_walk {
	struct td_report *rep;
	const char *text; /* the source, to find line numbers; may be NULL */
	const cJSON *root;
	const cJSON *doc;	/* the definition being read (inside a wrapper) */
	int quiet;		/* inside an ignored subtree: no warnings */
	const void *warned[64]; /* fields warned about already (folded) */
	long warned_msg[64];	/* their messages' indexes in rep->msgs (-1: none) */
	size_t n_warned;
};

extern const struct td_shape td_taskdef_shape, td_container_shape;
/* Every shape, for the documentation check. */
extern const struct td_shape *const td_all_shapes[];

/* taskdef_report.c */
void td_error(struct td_walk *w, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void td_warning(struct td_walk *w, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void td_note(struct td_walk *w, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A warning shown once per field however often the field appears. */
void td_warn_field(struct td_walk *w, const struct td_field *f, const char *path);
void td_path_key(char out[TD_PATH_MAX], const char *path, const char *key);
void td_path_index(char out[TD_PATH_MAX], const char *path, size_t i);

/* taskdef_walk.c */
void td_shape_init(const struct td_shape *s, void *target);
/* Reports every key named twice in one object, anywhere under V. */
void td_check_duplicates(struct td_walk *w, const cJSON *v, const char *path);
/* Reads object V (checked against S) into TARGET (NULL: check only). */
void td_walk_object(struct td_walk *w, const struct td_shape *s, const cJSON *v, const char *path,
		    void *target);
void td_shape_free(const struct td_shape *s, void *target);
/* Set: the field holds a value (a non-empty list, a string, ...). */
int td_field_set(const struct td_field *f, const void *target);
/* A JSON value that means "not set": null, an empty array. */
int td_is_unset(const cJSON *v);

/* taskdef_json.c */
cJSON *td_emit_object(const struct td_shape *s, const void *target);

/* taskdef_check.c: rules across containers and volumes. */
void td_check_task(struct td_walk *w, struct taskdef *td);

#endif
