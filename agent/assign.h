/* An assignment (docs/cluster.md "assign/<node-id>/<task-id>"): the task
 * id, the desired status, the task definition (read by lib/taskdef, the
 * same model skiffctl registered it with) and the values of the secrets
 * it references, which only the node that runs the task receives. */
#ifndef AGENT_ASSIGN_H
#define AGENT_ASSIGN_H

#include <stddef.h>

#include "err.h"
#include "taskdef.h"

#define ASSIGN_MAX_BYTES (1024 * 1024)
#define TASK_ID_MAX	 128

enum desired_status { DESIRED_RUNNING, DESIRED_STOPPED };

struct assignment {
	char task_id[TASK_ID_MAX];
	enum desired_status desired;
	struct taskdef *td;
	cJSON *json;	      /* the whole value */
	const cJSON *secrets; /* {"name": "value"} inside json, or NULL */
};

/* Parses an assignment value. KEY_TASK_ID is the task id from the key;
 * the value's "task" must match it. Errors name the key path. */
int assign_parse(const char *text, const char *key_task_id, struct assignment **out,
		 struct sk_err *err);
void assign_free(struct assignment *as);
/* The value of the secret a valueFrom names (a JSON key of it when the ARN
 * names one). NULL with ERR set (never holding the value) when missing. */
char *assign_secret(const struct assignment *as, const char *value_from, struct sk_err *err);

/* Node ids, cluster names and task ids: letters, digits, '-', '_', '.',
 * not starting with '.', shorter than MAX. */
int agent_valid_id(const char *s, size_t max);

#endif
