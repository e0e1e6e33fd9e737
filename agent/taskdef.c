/* Assignment parsing: the ECS task-definition subset the agent runs
 * (containerDefinitions: name, image, essential, entryPoint, command,
 * environment, workingDirectory, user, memory, cpu, stopTimeout,
 * portMappings; networkMode bridge|host|none). Anything read here came
 * from the network, so every field is checked and errors name its path. */
#include "taskdef.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSIGN_MAX_BYTES (1024 * 1024)

int taskdef_valid_name(const char *s, size_t max)
{
	if (!*s || strlen(s) >= max || s[0] == '.')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int get_int(const cJSON *o, const char *k, int def, int min, int max, int *out,
		   const char *path, struct sk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v || cJSON_IsNull(v)) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max ||
	    v->valuedouble != (int)v->valuedouble)
		return sk_fail(err, 0, "%s.%s: expected an integer in %d..%d", path, k, min, max);
	*out = (int)v->valuedouble;
	return 0;
}

static int add_strings(const cJSON *o, const char *k, const char **argv, const char *path,
		       struct sk_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, k), *e;
	int n = 0;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return sk_fail(err, 0, "%s.%s: expected an array of strings", path, k);
	cJSON_ArrayForEach(e, arr)
	{
		if (!cJSON_IsString(e))
			return sk_fail(err, 0, "%s.%s[%d]: expected a string", path, k, n);
		if (n == TASK_MAX_ARGS)
			return sk_fail(err, 0, "%s.%s: more than %d arguments", path, k,
				       TASK_MAX_ARGS);
		argv[n++] = e->valuestring;
	}
	return 0;
}

static int parse_env(const cJSON *o, struct container_def *c, const char *path, struct sk_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "environment"), *e;
	size_t size = 1, used = 0;
	int n = 0;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > TASK_MAX_ENV)
		return sk_fail(err, 0, "%s.environment: expected at most %d {name,value}", path,
			       TASK_MAX_ENV);
	cJSON_ArrayForEach(e, arr)
	{
		const char *k = get_str(e, "name"), *v = get_str(e, "value");
		if (!k || !*k || strchr(k, '=') || !v)
			return sk_fail(err, 0, "%s.environment[%d]: expected {name,value} strings",
				       path, n);
		size += strlen(k) + strlen(v) + 2;
		n++;
	}
	if (!(c->envbuf = malloc(size)))
		return sk_fail(err, errno, "%s.environment", path);
	n = 0;
	cJSON_ArrayForEach(e, arr)
	{
		c->env[n++] = c->envbuf + used;
		used +=
		    sprintf(c->envbuf + used, "%s=%s", get_str(e, "name"), get_str(e, "value")) + 1;
	}
	return 0;
}

static int parse_ports(const cJSON *o, struct container_def *c, const char *path,
		       struct sk_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "portMappings"), *e;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > TASK_MAX_PORTS)
		return sk_fail(err, 0, "%s.portMappings: expected at most %d mappings", path,
			       TASK_MAX_PORTS);
	cJSON_ArrayForEach(e, arr)
	{
		char p[160];
		struct port_mapping *m = &c->ports[c->n_ports];
		const char *proto = get_str(e, "protocol");
		int cport, hport;
		snprintf(p, sizeof p, "%s.portMappings[%d]", path, c->n_ports);
		if (get_int(e, "containerPort", -1, 1, 65535, &cport, p, err) < 0)
			return -1;
		if (cport < 0)
			return sk_fail(err, 0, "%s.containerPort: required", p);
		if (get_int(e, "hostPort", cport, 0, 65535, &hport, p, err) < 0)
			return -1;
		if (proto && strcmp(proto, "tcp") && strcmp(proto, "udp"))
			return sk_fail(err, 0, "%s.protocol: expected tcp or udp", p);
		m->proto = proto && !strcmp(proto, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
		m->container_port = (uint16_t)cport;
		m->host_port = (uint16_t)(hport ? hport : cport);
		c->n_ports++;
	}
	return 0;
}

static int parse_container(const cJSON *o, struct container_def *c, const char *path,
			   struct sk_err *err)
{
	const cJSON *ess = cJSON_GetObjectItemCaseSensitive(o, "essential");

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: expected an object", path);
	c->name = get_str(o, "name");
	c->image = get_str(o, "image");
	if (!c->name || !taskdef_valid_name(c->name, 64) || strchr(c->name, '.'))
		return sk_fail(err, 0, "%s.name: expected a name of letters, digits, '-', '_'",
			       path);
	if (!c->image || !*c->image || strlen(c->image) > 512)
		return sk_fail(err, 0, "%s.image: expected an image reference", path);
	c->essential = !ess || cJSON_IsTrue(ess);
	c->workdir = get_str(o, "workingDirectory");
	c->user = get_str(o, "user");
	if (add_strings(o, "entryPoint", c->entrypoint, path, err) < 0 ||
	    add_strings(o, "command", c->command, path, err) < 0)
		return -1;
	if (get_int(o, "memory", 0, 0, 1 << 24, &c->memory_mib, path, err) < 0 ||
	    get_int(o, "cpu", 0, 0, 1 << 20, &c->cpu, path, err) < 0 ||
	    get_int(o, "stopTimeout", -1, 0, 3600, &c->stop_timeout_s, path, err) < 0)
		return -1;
	return parse_env(o, c, path, err) < 0 ? -1 : parse_ports(o, c, path, err);
}

static int parse_def(const cJSON *def, struct task_def *td, struct sk_err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(def, "containerDefinitions"), *e;
	const char *mode = get_str(def, "networkMode");
	int essentials = 0;

	if (!cJSON_IsObject(def))
		return sk_fail(err, 0, "taskDefinition: expected an object");
	td->family = get_str(def, "family");
	if (get_int(def, "revision", 0, 0, 1 << 30, &td->revision, "taskDefinition", err) < 0)
		return -1;
	if (mode && strcmp(mode, "bridge") && strcmp(mode, "host") && strcmp(mode, "none"))
		return sk_fail(
		    err, 0, "taskDefinition.networkMode: %s: expected bridge, host or none", mode);
	td->host_network = mode && !strcmp(mode, "host");
	td->no_network = mode && !strcmp(mode, "none");
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
	    cJSON_GetArraySize(arr) > TASK_MAX_CONTAINERS)
		return sk_fail(err, 0,
			       "taskDefinition.containerDefinitions: expected 1..%d containers",
			       TASK_MAX_CONTAINERS);
	cJSON_ArrayForEach(e, arr)
	{
		char path[64];
		struct container_def *c = &td->containers[td->n_containers];
		snprintf(path, sizeof path, "taskDefinition.containerDefinitions[%d]",
			 td->n_containers);
		td->n_containers++;
		if (parse_container(e, c, path, err) < 0)
			return -1;
		for (int i = 0; i < td->n_containers - 1; i++)
			if (!strcmp(td->containers[i].name, c->name))
				return sk_fail(err, 0, "%s.name: %s used twice", path, c->name);
		essentials += c->essential;
	}
	if (!essentials)
		return sk_fail(err, 0,
			       "taskDefinition.containerDefinitions: no essential container");
	return 0;
}

static int parse_assignment(struct task_def *td, const char *key_task_id, struct sk_err *err)
{
	const char *task = get_str(td->json, "task");
	const char *desired = get_str(td->json, "desiredStatus");

	if (!taskdef_valid_name(key_task_id, sizeof td->task_id) || key_task_id[0] == '-' ||
	    key_task_id[0] == '_')
		return sk_fail(err, 0, "task id %.64s: use letters, digits, '-', '_' and '.'",
			       key_task_id);
	snprintf(td->task_id, sizeof td->task_id, "%s", key_task_id);
	if (task && strcmp(task, key_task_id))
		return sk_fail(err, 0, "task: %.64s does not match the key's %s", task,
			       key_task_id);
	if (desired && strcmp(desired, "RUNNING") && strcmp(desired, "STOPPED"))
		return sk_fail(err, 0, "desiredStatus: %.32s: expected RUNNING or STOPPED",
			       desired);
	td->desired = desired && !strcmp(desired, "STOPPED") ? DESIRED_STOPPED : DESIRED_RUNNING;
	return parse_def(cJSON_GetObjectItemCaseSensitive(td->json, "taskDefinition"), td, err);
}

int taskdef_parse(const char *text, const char *key_task_id, struct task_def **out,
		  struct sk_err *err)
{
	struct task_def *td;

	if (strlen(text) > ASSIGN_MAX_BYTES)
		return sk_fail(err, 0, "assignment %s: larger than %d bytes", key_task_id,
			       ASSIGN_MAX_BYTES);
	if (!(td = calloc(1, sizeof *td)))
		return sk_fail(err, errno, "assignment %s", key_task_id);
	if (!(td->json = cJSON_Parse(text)) || !cJSON_IsObject(td->json)) {
		taskdef_free(td);
		return sk_fail(err, 0, "assignment %s: not a JSON object", key_task_id);
	}
	if (parse_assignment(td, key_task_id, err) < 0) {
		taskdef_free(td);
		return sk_wrap(err, "assignment %s", key_task_id);
	}
	*out = td;
	return 0;
}

void taskdef_free(struct task_def *td)
{
	if (!td)
		return;
	for (int i = 0; i < td->n_containers; i++)
		free(td->containers[i].envbuf);
	cJSON_Delete(td->json);
	free(td);
}

int taskdef_same_containers(const struct task_def *a, const struct task_def *b)
{
	return cJSON_Compare(cJSON_GetObjectItemCaseSensitive(a->json, "taskDefinition"),
			     cJSON_GetObjectItemCaseSensitive(b->json, "taskDefinition"), 1);
}
