/* Small edits of a parsed config.json that every spec_*.c file makes:
 * a child object or array made sure of, a value replaced, array elements
 * dropped. */
#ifndef SK_AGENT_SPEC_JSON_H
#define SK_AGENT_SPEC_JSON_H

typedef struct cJSON cJSON;

cJSON *spec_child_object(cJSON *parent, const char *key);
cJSON *spec_child_array(cJSON *parent, const char *key);
void spec_set_number(cJSON *o, const char *key, double v);
void spec_set_string(cJSON *o, const char *key, const char *v);
/* Removes every element of array ARR whose KEY is the string VALUE. */
void spec_remove_where(cJSON *arr, const char *key, const char *value);

#endif
