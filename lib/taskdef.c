/* Entry points of the task-definition model: a document in (plain, a
 * describe output, or wrapped as `aws ecs describe-task-definition` prints
 * it), a checked definition out; and the small questions the scheduler
 * and the agent ask of one. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "taskdef_internal.h"
#include "json_get.h"

enum td_network taskdef_network(const struct taskdef *td)
{
	return td->network_mode < 0 ? TD_NET_BRIDGE : (enum td_network)td->network_mode;
}

int taskdef_essential(const struct td_container *c)
{
	return c->essential != 0; /* unset (TD_NOBOOL) is true */
}

const struct td_container *taskdef_container(const struct taskdef *td, const char *name)
{
	for (size_t i = 0; i < td->n_containers; i++)
		if (td->containers[i].name && !strcmp(td->containers[i].name, name))
			return &td->containers[i];
	return NULL;
}

int taskdef_index(const struct taskdef *td, const char *name)
{
	for (size_t i = 0; name && i < td->n_containers; i++)
		if (td->containers[i].name && !strcmp(td->containers[i].name, name))
			return (int)i;
	return -1;
}

const struct td_volume *taskdef_volume(const struct taskdef *td, const char *name)
{
	for (size_t i = 0; i < td->n_volumes; i++)
		if (td->volumes[i].name && !strcmp(td->volumes[i].name, name))
			return &td->volumes[i];
	return NULL;
}

int taskdef_valid_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= TD_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

int taskdef_parse_ref(const char *ref, char family[TD_NAME_MAX + 1], long *rev, struct sk_err *err)
{
	const char *colon = strchr(ref, ':');
	size_t n = colon ? (size_t)(colon - ref) : strlen(ref);

	*rev = 0;
	if (n == 0 || n > TD_NAME_MAX)
		return sk_fail(err, 0, "task definition `%s`: expected FAMILY[:REVISION]", ref);
	memcpy(family, ref, n);
	family[n] = '\0';
	if (!taskdef_valid_name(family))
		return sk_fail(err, 0, "task definition `%s`: bad family name", ref);
	if (colon) {
		char *end;
		errno = 0;
		*rev = strtol(colon + 1, &end, 10);
		if (errno || *end || *rev <= 0 || colon[1] == '+')
			return sk_fail(err, 0, "task definition `%s`: bad revision", ref);
	}
	return 0;
}

/* ---- resources ------------------------------------------------------------ */

void taskdef_resources(const struct taskdef *td, int64_t *cpu, int64_t *memory)
{
	int64_t c = 0, m = 0;

	for (size_t i = 0; i < td->n_containers; i++) {
		const struct td_container *x = &td->containers[i];
		c += x->cpu == TD_UNSET ? 0 : x->cpu;
		if (x->memory_reservation != TD_UNSET)
			m += x->memory_reservation;
		else if (x->memory != TD_UNSET)
			m += x->memory;
	}
	*cpu = td->cpu != TD_UNSET ? td->cpu : c;
	*memory = td->memory != TD_UNSET ? td->memory : m;
}

/* A stored record's cpu or memory. Whoever can write to etcd can write a
 * record: a value no definition can hold (below 0, above INT32_MAX, the
 * most any of these fields allows) reads as unset, so sums cannot
 * overflow and no double is converted out of range. */
static int64_t record_int(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsNumber(v))
		return v->valuedouble >= 0 && v->valuedouble <= INT32_MAX ? (int64_t)v->valuedouble
									  : TD_UNSET;
	if (!cJSON_IsString(v))
		return TD_UNSET;
	long long n = strtoll(v->valuestring, NULL, 10);
	return n >= 0 && n <= INT32_MAX ? n : TD_UNSET;
}

void taskdef_record_resources(const cJSON *record, int64_t *cpu, int64_t *memory)
{
	const cJSON *c;
	int64_t sc = 0, sm = 0, tc, tm;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(record, "containerDefinitions"))
	{
		int64_t x = record_int(c, "cpu"), r = record_int(c, "memoryReservation");
		int64_t m = r != TD_UNSET ? r : record_int(c, "memory");
		sc += x != TD_UNSET ? x : 0;
		sm += m != TD_UNSET ? m : 0;
	}
	tc = record_int(record, "cpu");
	tm = record_int(record, "memory");
	*cpu = tc != TD_UNSET ? tc : sc;
	*memory = tm != TD_UNSET ? tm : sm;
}

/* ---- parsing ---------------------------------------------------------------- */

/* `aws ecs describe-task-definition` prints {"taskDefinition": {...},
 * "tags": [...]}: the definition is inside, its tags beside it. */
static int is_wrapper(const cJSON *root)
{
	const cJSON *it;

	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "taskDefinition")))
		return 0;
	cJSON_ArrayForEach(it, root) if (strcmp(it->string, "taskDefinition") &&
					 strcmp(it->string, "tags")) return 0;
	return 1;
}

static void summarise(const struct td_report *rep, struct sk_err *err)
{
	const struct td_msg *first = NULL;

	for (size_t i = 0; i < rep->n && !first; i++)
		if (rep->msgs[i].level == TD_ERROR)
			first = &rep->msgs[i];
	if (!first) {
		sk_fail(err, 0, "%zu errors", rep->errors);
		return;
	}
	if (rep->errors == 1)
		sk_fail(err, 0, "%s%s%s", first->path, *first->path ? ": " : "", first->text);
	else
		sk_fail(err, 0, "%s%s%s (and %zu more errors)", first->path,
			*first->path ? ": " : "", first->text, rep->errors - 1);
}

static int parse_root(struct td_walk *w, const cJSON *root, struct taskdef **out,
		      struct sk_err *err)
{
	struct taskdef *td = calloc(1, sizeof *td);
	const cJSON *doc = root;
	cJSON *merged = NULL;
	const char *path = "";

	if (!td)
		return sk_fail(err, ENOMEM, "task definition");
	td_shape_init(&td_taskdef_shape, td);
	if (!cJSON_IsObject(root)) {
		td_error(w, "", "expected a JSON object (a task definition)");
	} else {
		if (is_wrapper(root)) {
			const cJSON *tags = cJSON_GetObjectItemCaseSensitive(root, "tags");
			path = "taskDefinition";
			doc = cJSON_GetObjectItemCaseSensitive(root, "taskDefinition");
			if (tags && !cJSON_HasObjectItem(doc, "tags") &&
			    (merged = cJSON_Duplicate(doc, 1)))
				cJSON_AddItemToObject(merged, "tags", cJSON_Duplicate(tags, 1)),
				    doc = merged;
		}
		w->doc = doc;
		td_check_duplicates(w, root, "");
		td_walk_object(w, &td_taskdef_shape, doc, path, td);
		if (td->network_mode < 0) /* ECS writes the default out */
			td->network_mode = TD_NET_BRIDGE;
		td_check_task(w, td);
	}
	cJSON_Delete(merged);
	if (w->rep->errors) {
		summarise(w->rep, err);
		taskdef_free(td);
		return -1;
	}
	*out = td;
	return 0;
}

static int parse_with(struct td_walk *w, const cJSON *root, struct taskdef **out,
		      struct td_report *rep, struct sk_err *err)
{
	struct td_report local = {0};
	int rc;

	w->rep = rep ? rep : &local;
	rc = parse_root(w, root, out, err);
	td_report_free(&local);
	return rc;
}

int taskdef_from_json(const cJSON *json, struct taskdef **out, struct td_report *rep,
		      struct sk_err *err)
{
	struct td_walk w = {0};
	return parse_with(&w, json, out, rep, err);
}

static int json_error_line(const char *text, const char *end)
{
	int line = 1;
	for (const char *p = text; end && p < end && *p; p++)
		line += *p == '\n';
	return line;
}

/* A document that cannot be read at all: one message, at LINE if known. */
static int refuse(struct td_report *rep, int line, struct sk_err *err, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (rep) {
		td_report_add(rep, NULL, TD_ERROR, "", "%s", msg);
		if (rep->n)
			rep->msgs[rep->n - 1].line = line;
	}
	return line ? sk_fail(err, 0, "line %d: %s", line, msg) : sk_fail(err, 0, "%s", msg);
}

int taskdef_parse(const char *text, size_t len, struct taskdef **out, struct td_report *rep,
		  struct sk_err *err)
{
	struct td_walk w = {.text = text};
	const char *end = NULL;
	cJSON *root;
	int rc;

	if (len > TD_MAX_BYTES)
		return refuse(rep, 0, err, "larger than %d KiB, the limit of a task definition",
			      TD_MAX_BYTES / 1024);
	if (strlen(text) != len)
		return refuse(rep, 0, err, "holds a NUL byte");
	if (!(root = cJSON_ParseWithOpts(text, &end, 1)))
		return refuse(rep, json_error_line(text, end), err, "not valid JSON");
	w.root = root;
	rc = parse_with(&w, root, out, rep, err);
	cJSON_Delete(root);
	return rc;
}

void taskdef_free(struct taskdef *td)
{
	if (!td)
		return;
	td_shape_free(&td_taskdef_shape, td);
	free(td);
}

/* ---- secrets ------------------------------------------------------------------ */

int taskdef_valid_secret_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TD_SECRET_NAME_MAX || s[0] == '/' || s[n - 1] == '/' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/") != n ||
	    strstr(s, "//"))
		return 0;
	for (const char *p = s; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return 0;
	return 1;
}

/* The Nth ':'-separated part of an ARN (0 is "arn"). */
static const char *arn_part(const char *arn, int n)
{
	for (; n > 0 && arn; n--)
		if ((arn = strchr(arn, ':')))
			arn++;
	return arn;
}

static int copy_part(char *dst, size_t size, const char *src, size_t len)
{
	if (len == 0 || len >= size)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int taskdef_secret_ref(const char *v, struct td_secret_ref *out)
{
	const char *service = arn_part(v, 2), *res = arn_part(v, 5);

	memset(out, 0, sizeof *out);
	if (strncmp(v, "arn:", 4)) { /* a plain name; SSM names may start with '/' */
		v += *v == '/';
		if (copy_part(out->name, sizeof out->name, v, strlen(v)) < 0)
			return -1;
	} else if (service && res && !strncmp(service, "secretsmanager:", 15) &&
		   !strncmp(res, "secret:", 7)) {
		const char *name = res + 7, *key = strchr(name, ':');
		if (copy_part(out->name, sizeof out->name, name,
			      key ? (size_t)(key - name) : strlen(name)) < 0)
			return -1;
		if (key && key[1] && key[1] != ':')
			copy_part(out->json_key, sizeof out->json_key, key + 1,
				  strcspn(key + 1, ":"));
	} else if (service && res && !strncmp(service, "ssm:", 4) &&
		   !strncmp(res, "parameter", 9)) {
		const char *name = res + 9 + (res[9] == '/');
		if (copy_part(out->name, sizeof out->name, name, strlen(name)) < 0)
			return -1;
	} else {
		return -1;
	}
	return taskdef_valid_secret_name(out->name) ? 0 : -1;
}

static int seen(const struct td_secret_ref *refs, size_t n, const struct td_secret_ref *r)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(refs[i].name, r->name))
			return 1;
	return 0;
}

int taskdef_each_secret(const struct taskdef *td,
			int (*fn)(void *ctx, const struct td_secret_ref *ref), void *ctx)
{
	struct td_secret_ref refs[64], r;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < td->n_containers; i++) {
		const struct td_container *c = &td->containers[i];
		for (size_t j = 0; j <= c->n_secrets; j++) {
			const char *from = j < c->n_secrets ? c->secrets[j].value_from
					   : c->repository_credentials
					       ? c->repository_credentials->credentials_parameter
					       : NULL;
			if (!from || taskdef_secret_ref(from, &r) < 0 || seen(refs, n, &r))
				continue;
			if (n < sizeof refs / sizeof refs[0])
				refs[n++] = r;
			if ((rc = fn(ctx, &r)) != 0)
				return rc;
		}
	}
	return 0;
}
