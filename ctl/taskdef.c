/* Validation of ECS task definitions (the subset Skiff runs). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "taskdef.h"

enum kind { K_STRING, K_INT, K_BOOL, K_STRINGS, K_ENV, K_PORTS, K_UNITS };

struct field {
	const char *name;
	enum kind kind;
	int required;
};

static const struct field task_fields[] = {
    {"family", K_STRING, 1},	  {"containerDefinitions", K_STRING /* checked apart */, 1},
    {"cpu", K_UNITS, 0},	  {"memory", K_UNITS, 0},
    {"networkMode", K_STRING, 0}, {NULL, 0, 0},
};

static const struct field container_fields[] = {
    {"name", K_STRING, 1},
    {"image", K_STRING, 1},
    {"cpu", K_INT, 0},
    {"memory", K_INT, 0},
    {"memoryReservation", K_INT, 0},
    {"essential", K_BOOL, 0},
    {"command", K_STRINGS, 0},
    {"entryPoint", K_STRINGS, 0},
    {"environment", K_ENV, 0},
    {"portMappings", K_PORTS, 0},
    {"workingDirectory", K_STRING, 0},
    {"user", K_STRING, 0},
    {NULL, 0, 0},
};

static int bad(struct sk_err *err, const char *file, const char *path, const char *what)
{
	return ctl_usage_error(err, "%s: %s: %s", file, path, what);
}

int64_t taskdef_units(const cJSON *v, int is_cpu)
{
	if (cJSON_IsNumber(v))
		return v->valuedouble == (double)(int64_t)v->valuedouble ? (int64_t)v->valuedouble
									 : -1;
	if (!cJSON_IsString(v))
		return -1;
	char *end;
	double d = strtod(v->valuestring, &end);
	while (*end == ' ')
		end++;
	if (end == v->valuestring || d < 0)
		return -1;
	if (!*end)
		return (int64_t)d;
	if (is_cpu && strcasecmp(end, "vcpu") == 0)
		return (int64_t)(d * 1024);
	if (!is_cpu && strcasecmp(end, "gb") == 0)
		return (int64_t)(d * 1024);
	if (!is_cpu && strcasecmp(end, "mb") == 0)
		return (int64_t)d;
	return -1;
}

static int check_strings(const cJSON *v, const char *file, const char *path, struct sk_err *err)
{
	const cJSON *it;
	if (!cJSON_IsArray(v))
		return bad(err, file, path, "expected an array of strings");
	cJSON_ArrayForEach(it, v) if (!cJSON_IsString(it)) return bad(
	    err, file, path, "expected an array of strings");
	return 0;
}

static int check_object_keys(const cJSON *o, const char *const *allowed, const char *file,
			     const char *path, struct sk_err *err)
{
	const cJSON *it;
	char p[1024];
	cJSON_ArrayForEach(it, o)
	{
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], it->string) != 0)
			i++;
		snprintf(p, sizeof p, "%s.%s", path, it->string);
		if (!allowed[i])
			return bad(err, file, p, "not supported");
	}
	return 0;
}

static int check_env(const cJSON *v, const char *file, const char *path, struct sk_err *err)
{
	static const char *const keys[] = {"name", "value", NULL};
	const cJSON *it;
	char p[640];
	int i = 0;
	if (!cJSON_IsArray(v))
		return bad(err, file, path, "expected an array of {name, value}");
	cJSON_ArrayForEach(it, v)
	{
		snprintf(p, sizeof p, "%s[%d]", path, i++);
		if (!cJSON_IsObject(it))
			return bad(err, file, p, "expected an object {name, value}");
		if (check_object_keys(it, keys, file, p, err) < 0)
			return CTL_EUSAGE;
		if (!*json_str(it, "name"))
			return bad(err, file, p, "name: expected a non-empty string");
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "value")))
			return bad(err, file, p, "value: expected a string");
	}
	return 0;
}

static int check_port(const cJSON *it, const char *file, const char *p, struct sk_err *err)
{
	static const char *const keys[] = {"containerPort", "hostPort", "protocol", NULL};
	char q[800];
	if (!cJSON_IsObject(it))
		return bad(err, file, p, "expected an object");
	if (check_object_keys(it, keys, file, p, err) < 0)
		return CTL_EUSAGE;
	const char *names[] = {"containerPort", "hostPort"};
	for (int k = 0; k < 2; k++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, names[k]);
		snprintf(q, sizeof q, "%s.%s", p, names[k]);
		if (!n && k == 0)
			return bad(err, file, q, "required");
		if (n && (!cJSON_IsNumber(n) || n->valuedouble < (k ? 0 : 1) ||
			  n->valuedouble > 65535 || n->valuedouble != (int)n->valuedouble))
			return bad(err, file, q, "expected a port number");
	}
	const cJSON *proto = cJSON_GetObjectItemCaseSensitive(it, "protocol");
	if (proto && (!cJSON_IsString(proto) || (strcmp(proto->valuestring, "tcp") != 0 &&
						 strcmp(proto->valuestring, "udp") != 0)))
		return snprintf(q, sizeof q, "%s.protocol", p),
		       bad(err, file, q, "expected \"tcp\" or \"udp\"");
	return 0;
}

static int check_ports(const cJSON *v, const char *file, const char *path, struct sk_err *err)
{
	const cJSON *it;
	char p[640];
	int i = 0;
	if (!cJSON_IsArray(v))
		return bad(err, file, path, "expected an array");
	cJSON_ArrayForEach(it, v)
	{
		snprintf(p, sizeof p, "%s[%d]", path, i++);
		if (check_port(it, file, p, err) < 0)
			return CTL_EUSAGE;
	}
	return 0;
}

static int check_value(const cJSON *v, enum kind kind, const char *file, const char *path,
		       struct sk_err *err)
{
	switch (kind) {
	case K_STRING:
		return cJSON_IsString(v) ? 0 : bad(err, file, path, "expected a string");
	case K_INT:
		return cJSON_IsNumber(v) && v->valuedouble >= 0 &&
			       v->valuedouble == (double)(int64_t)v->valuedouble
			   ? 0
			   : bad(err, file, path, "expected a non-negative integer");
	case K_BOOL:
		return cJSON_IsBool(v) ? 0 : bad(err, file, path, "expected true or false");
	case K_STRINGS:
		return check_strings(v, file, path, err);
	case K_ENV:
		return check_env(v, file, path, err);
	case K_PORTS:
		return check_ports(v, file, path, err);
	case K_UNITS:
		return taskdef_units(v, strstr(path, "cpu") != NULL) >= 0
			   ? 0
			   : bad(err, file, path, "expected a number (or \"1 vCPU\", \"2 GB\")");
	}
	return 0;
}

/* Unknown fields are errors; known ones must have the right type. */
static int check_fields(const cJSON *o, const struct field *fields, const char *file,
			const char *prefix, struct sk_err *err)
{
	const cJSON *it;
	char path[512];
	cJSON_ArrayForEach(it, o)
	{
		const struct field *f = fields;
		while (f->name && strcmp(f->name, it->string) != 0)
			f++;
		snprintf(path, sizeof path, "%s%s", prefix, it->string);
		if (!f->name)
			return bad(err, file, path, "not supported");
		if (strcmp(f->name, "containerDefinitions") != 0 &&
		    check_value(it, f->kind, file, path, err) < 0)
			return CTL_EUSAGE;
	}
	for (const struct field *f = fields; f->name; f++) {
		snprintf(path, sizeof path, "%s%s", prefix, f->name);
		if (f->required && !cJSON_GetObjectItemCaseSensitive(o, f->name))
			return bad(err, file, path, "required");
	}
	return 0;
}

static int valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static int check_container(const cJSON *c, int i, int task_memory, const char *file,
			   struct sk_err *err)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "containerDefinitions[%d].", i);
	if (!cJSON_IsObject(c))
		return prefix[strlen(prefix) - 1] = '\0',
					       bad(err, file, prefix, "expected an object");
	if (check_fields(c, container_fields, file, prefix, err) < 0)
		return CTL_EUSAGE;
	if (!valid_name(json_str(c, "name"), 255))
		return bad(err, file, strcat(prefix, "name"), "expected letters, digits, - and _");
	if (!*json_str(c, "image"))
		return bad(err, file, strcat(prefix, "image"), "must not be empty");
	if (!task_memory && !cJSON_GetObjectItemCaseSensitive(c, "memory") &&
	    !cJSON_GetObjectItemCaseSensitive(c, "memoryReservation"))
		return bad(err, file, strcat(prefix, "memory"),
			   "required (or memoryReservation, or a task-level memory)");
	return 0;
}

static int check_containers(const cJSON *td, const char *file, struct sk_err *err)
{
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions"), *c;
	if (!cJSON_IsArray(defs) || cJSON_GetArraySize(defs) == 0)
		return bad(err, file, "containerDefinitions", "expected a non-empty array");
	int i = 0, essential = 0;
	int task_memory = cJSON_GetObjectItemCaseSensitive(td, "memory") != NULL;
	cJSON_ArrayForEach(c, defs)
	{
		if (check_container(c, i, task_memory, file, err) < 0)
			return CTL_EUSAGE;
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(c, "essential");
		essential += !e || cJSON_IsTrue(e);
		for (int k = 0; k < i; k++) {
			const cJSON *o = cJSON_GetArrayItem(defs, k);
			if (strcmp(json_str(o, "name"), json_str(c, "name")) == 0) {
				char p[64];
				snprintf(p, sizeof p, "containerDefinitions[%d].name", i);
				return bad(err, file, p, "duplicate container name");
			}
		}
		i++;
	}
	if (!essential)
		return bad(err, file, "containerDefinitions", "no essential container");
	return 0;
}

int taskdef_validate(const cJSON *td, const char *file, struct sk_err *err)
{
	if (!cJSON_IsObject(td))
		return ctl_usage_error(err, "%s: expected a JSON object", file);
	if (check_fields(td, task_fields, file, "", err) < 0)
		return CTL_EUSAGE;
	if (!valid_name(json_str(td, "family"), FAMILY_MAX - 1))
		return bad(err, file, "family", "expected 1-255 letters, digits, - and _");
	const char *mode = json_str(td, "networkMode");
	if (strcmp(mode, "awsvpc") == 0)
		return bad(err, file, "networkMode",
			   "awsvpc is not supported (none, host or bridge)");
	if (*mode && strcmp(mode, "none") != 0 && strcmp(mode, "host") != 0 &&
	    strcmp(mode, "bridge") != 0)
		return bad(err, file, "networkMode", "expected none, host or bridge");
	return check_containers(td, file, err);
}

void taskdef_resources(const cJSON *td, int64_t *cpu, int64_t *memory)
{
	int64_t c = 0, m = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions"))
	{
		c += json_int(it, "cpu");
		int64_t mem = json_int(it, "memory");
		m += mem ? mem : json_int(it, "memoryReservation");
	}
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(td, "cpu");
	const cJSON *tm = cJSON_GetObjectItemCaseSensitive(td, "memory");
	*cpu = tc && taskdef_units(tc, 1) >= 0 ? taskdef_units(tc, 1) : c;
	*memory = tm && taskdef_units(tm, 0) >= 0 ? taskdef_units(tm, 0) : m;
}

int taskdef_parse_ref(const char *ref, char family[FAMILY_MAX], long *rev, struct sk_err *err)
{
	const char *colon = strchr(ref, ':');
	size_t n = colon ? (size_t)(colon - ref) : strlen(ref);
	*rev = 0;
	if (n == 0 || n >= FAMILY_MAX)
		return ctl_usage_error(err, "task definition `%s`: expected FAMILY[:REVISION]",
				       ref);
	memcpy(family, ref, n);
	family[n] = '\0';
	if (!valid_name(family, FAMILY_MAX - 1))
		return ctl_usage_error(err, "task definition `%s`: bad family name", ref);
	if (colon) {
		char *end;
		*rev = strtol(colon + 1, &end, 10);
		if (*end || *rev <= 0)
			return ctl_usage_error(err, "task definition `%s`: bad revision", ref);
	}
	return 0;
}
