/* Assignments: the envelope is read here, the task definition by the
 * shared model in lib/taskdef. Anything read here came from the network,
 * so every field is checked and errors name its path. */
#include "assign.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int agent_valid_id(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n < max && s[0] != '.' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_secrets(struct assignment *as, struct sk_err *err)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(as->json, "secrets"), *e;

	if (!s || cJSON_IsNull(s))
		return 0;
	if (!cJSON_IsObject(s))
		return sk_fail(err, 0, "secrets: expected an object of strings");
	cJSON_ArrayForEach(e, s) if (!cJSON_IsString(e)) return sk_fail(
	    err, 0, "secrets.%.64s: expected a string", e->string);
	as->secrets = s;
	return 0;
}

static int parse_envelope(struct assignment *as, const char *key_task_id, struct sk_err *err)
{
	const char *task = get_str(as->json, "task");
	const char *desired = get_str(as->json, "desiredStatus");
	const cJSON *td = cJSON_GetObjectItemCaseSensitive(as->json, "taskDefinition");

	if (!agent_valid_id(key_task_id, sizeof as->task_id) || key_task_id[0] == '-' ||
	    key_task_id[0] == '_')
		return sk_fail(err, 0, "task id %.64s: use letters, digits, '-', '_' and '.'",
			       key_task_id);
	snprintf(as->task_id, sizeof as->task_id, "%s", key_task_id);
	if (task && strcmp(task, key_task_id))
		return sk_fail(err, 0, "task: %.64s does not match the key's %s", task,
			       key_task_id);
	if (desired && strcmp(desired, "RUNNING") && strcmp(desired, "STOPPED"))
		return sk_fail(err, 0, "desiredStatus: %.32s: expected RUNNING or STOPPED",
			       desired);
	as->desired = desired && !strcmp(desired, "STOPPED") ? DESIRED_STOPPED : DESIRED_RUNNING;
	if (parse_secrets(as, err) < 0)
		return -1;
	if (!cJSON_IsObject(td))
		return sk_fail(err, 0, "taskDefinition: expected an object");
	if (taskdef_from_json(td, &as->td, NULL, err) < 0)
		return sk_wrap(err, "taskDefinition");
	return 0;
}

int assign_parse(const char *text, const char *key_task_id, struct assignment **out,
		 struct sk_err *err)
{
	struct assignment *as;

	if (strlen(text) > ASSIGN_MAX_BYTES)
		return sk_fail(err, 0, "assignment %s: larger than %d bytes", key_task_id,
			       ASSIGN_MAX_BYTES);
	if (!(as = calloc(1, sizeof *as)))
		return sk_fail(err, errno, "assignment %s", key_task_id);
	if (!(as->json = cJSON_Parse(text)) || !cJSON_IsObject(as->json)) {
		assign_free(as);
		return sk_fail(err, 0, "assignment %s: not a JSON object", key_task_id);
	}
	if (parse_envelope(as, key_task_id, err) < 0) {
		assign_free(as);
		return sk_wrap(err, "assignment %s", key_task_id);
	}
	*out = as;
	return 0;
}

void assign_free(struct assignment *as)
{
	if (!as)
		return;
	taskdef_free(as->td);
	cJSON_Delete(as->json);
	free(as);
}

char *assign_secret(const struct assignment *as, const char *value_from, struct sk_err *err)
{
	struct td_secret_ref ref;
	const cJSON *v, *key;
	cJSON *j;
	char *out;

	if (taskdef_secret_ref(value_from, &ref) < 0)
		return sk_fail(err, 0, "secret %.80s: not a secret reference", value_from), NULL;
	v = cJSON_GetObjectItemCaseSensitive(as->secrets, ref.name);
	if (!cJSON_IsString(v))
		return sk_fail(err, 0, "secret %s: not delivered with the assignment", ref.name),
		       NULL;
	if (!ref.json_key[0])
		return strdup(v->valuestring);
	if (!(j = cJSON_Parse(v->valuestring)) ||
	    !cJSON_IsString(key = cJSON_GetObjectItemCaseSensitive(j, ref.json_key))) {
		cJSON_Delete(j);
		return sk_fail(err, 0, "secret %s: no JSON key \"%s\" in its value", ref.name,
			       ref.json_key),
		       NULL;
	}
	out = strdup(key->valuestring);
	cJSON_Delete(j);
	return out;
}
