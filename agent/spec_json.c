/* Small edits of a parsed config.json (see spec_json.h). */
#include "spec_json.h"

#include <cjson/cJSON.h>
#include <string.h>

cJSON *spec_child_object(cJSON *parent, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (cJSON_IsObject(o))
		return o;
	cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	return cJSON_AddObjectToObject(parent, key);
}

cJSON *spec_child_array(cJSON *parent, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (cJSON_IsArray(o))
		return o;
	cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	return cJSON_AddArrayToObject(parent, key);
}

void spec_set_number(cJSON *o, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddNumberToObject(o, key, v);
}

void spec_set_string(cJSON *o, const char *key, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, v);
}

void spec_remove_where(cJSON *arr, const char *key, const char *value)
{
	cJSON *e, *next;

	for (e = arr ? arr->child : NULL; e; e = next) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
		next = e->next;
		if (cJSON_IsString(v) && !strcmp(v->valuestring, value))
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, e));
	}
}
