/* skiffctl taskdef register|validate|ls|describe|deregister. A file is
 * read by the task-definition model (lib/taskdef.h): every error, warning
 * and note is printed, each with its line and key path; what is stored is
 * the canonical JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "args.h"
#include "cli.h"
#include "lookup.h"
#include "placement.h"
#include "taskdef_store.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl taskdef register FILE\n"
	      "       skiffctl taskdef validate FILE\n"
	      "       skiffctl taskdef ls\n"
	      "       skiffctl taskdef describe FAMILY[:REVISION]\n"
	      "       skiffctl taskdef deregister FAMILY:REVISION\n"
	      "  FILE is an Amazon ECS task definition: RegisterTaskDefinition input, or the\n"
	      "  output of `taskdef describe` or `aws ecs describe-task-definition`; - is stdin.\n"
	      "  Every problem is printed with its line and key path (docs/taskdefs.md lists\n"
	      "  what Skiff does with each field). register assigns the family's next revision;\n"
	      "  validate only checks (no etcd).\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

/* Reads more than a task definition may hold, so that the parser, not
 * the reader, says what the limit is. */
#define INPUT_MAX (16 * TD_MAX_BYTES)

static int read_text(const char *path, char **out, size_t *len, struct sk_err *err)
{
	int rc = strcmp(path, "-") ? sk_read_file(path, INPUT_MAX, out, len, err)
				   : sk_read_fd(0, "stdin", INPUT_MAX, out, len, err);
	return rc < 0 && err->errnum == ENOENT ? sk_class(err, SK_ERR_USAGE) : rc;
}

/* The scheduler's own parser judges placement expressions (ECS's cluster
 * query language: Skiff takes attribute:KEY == VALUE and !=). */
static void check_expressions(const char *text, struct td_report *rep)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *doc = root, *e;
	const char *prefix = "";
	size_t i = 0;

	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "taskDefinition")) &&
	    !cJSON_HasObjectItem(root, "family")) {
		doc = cJSON_GetObjectItemCaseSensitive(root, "taskDefinition");
		prefix = "taskDefinition.";
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "placementConstraints"))
	{
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "expression");
		struct constraint c;
		struct sk_err ce = {0};
		char path[300], expr[2100];
		i++;
		if (!cJSON_IsString(x))
			continue;
		snprintf(expr, sizeof expr, "memberOf:%s", x->valuestring);
		snprintf(path, sizeof path, "%splacementConstraints[%zu].expression", prefix,
			 i - 1);
		if (constraint_parse(expr, &c, &ce) < 0)
			td_report_add(rep, text, TD_ERROR, path,
				      "\"%.100s\": expected attribute:KEY == VALUE or "
				      "attribute:KEY != VALUE",
				      x->valuestring);
	}
	cJSON_Delete(root);
}

/* Reads and checks FILE, printing what was found; a usage error when it
 * has errors. */
static int load(const char *file, struct taskdef **td, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;
	struct td_report rep = {0};
	size_t len = 0;
	int rc = read_text(file, &text, &len, err);

	if (rc < 0)
		return rc;
	rc = taskdef_parse(text, len, td, &rep, err);
	check_expressions(text, &rep);
	td_report_print(&rep, stderr, file);
	if (rc < 0 || rep.errors) {
		size_t n = rep.errors;
		td_report_free(&rep);
		taskdef_free(*td);
		*td = NULL;
		return ctl_usage_error(err, "%s: %zu error%s", file, n, n == 1 ? "" : "s");
	}
	td_report_free(&rep);
	return 0;
}

static int do_register(struct ctl *c, const char *file, struct sk_err *err)
{
	struct taskdef *td = NULL;
	cJSON *j;
	long rev;
	int rc = load(file, &td, err);

	if (rc < 0)
		return rc;
	j = taskdef_to_json(td);
	taskdef_free(td);
	if (!j)
		return sk_fail(err, ENOMEM, "%s", file);
	if ((rc = taskdef_store_register(c, j, &rev, err)) < 0) {
		cJSON_Delete(j);
		return rc;
	}
	if (c->json)
		ctl_print_json(j);
	else
		printf("%s:%ld\n", json_record_str(j, "family"), rev);
	cJSON_Delete(j);
	return 0;
}

static int do_validate(struct ctl *c, const char *file, struct sk_err *err)
{
	struct taskdef *td = NULL;
	int rc = load(file, &td, err);

	if (rc < 0)
		return rc;
	if (c->json) {
		cJSON *j = taskdef_to_json(td);
		ctl_print_json(j);
		cJSON_Delete(j);
	} else {
		printf("%s: valid (%s)\n", file, td->family);
	}
	taskdef_free(td);
	return 0;
}

static int do_ls(struct ctl *c, struct sk_err *err)
{
	struct model m;
	int rc = ctl_load_model(c, &m, err);
	if (rc < 0)
		return rc;
	static const char *const h[] = {"TASKDEF", "STATUS", "CPU", "MEMORY", "CONTAINERS"};
	struct table *t = table_new(5, h);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < m.ntaskdefs; i++) {
		const cJSON *td = m.taskdefs[i].rec;
		int64_t cpu, mem;
		char cs[24], ms[24], n[24];
		taskdef_record_resources(td, &cpu, &mem);
		snprintf(cs, sizeof cs, "%lld", (long long)cpu);
		snprintf(ms, sizeof ms, "%lld", (long long)mem);
		snprintf(n, sizeof n, "%d",
			 cJSON_GetArraySize(
			     cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions")));
		table_row(t, m.taskdefs[i].ref, json_record_str(td, "status"), cs, ms, n);
		cJSON_AddItemToArray(arr, cJSON_Duplicate(td, 1));
	}
	ctl_print_list(c, arr, t);
	model_free(&m);
	return 0;
}

static int do_describe(struct ctl *c, const char *ref, struct sk_err *err)
{
	char resolved[FAMILY_MAX + 24];
	cJSON *td;
	int rc = ctl_resolve_taskdef(c, ref, 1, resolved, &td, err);
	if (rc < 0)
		return rc;
	ctl_print_json(td);
	cJSON_Delete(td);
	return 0;
}

static int do_deregister(struct ctl *c, const char *ref, struct sk_err *err)
{
	char resolved[FAMILY_MAX + 24];
	int rc = taskdef_store_deregister(c, ref, resolved, err);
	if (rc < 0)
		return rc;
	printf("%s: INACTIVE\n", resolved);
	return 0;
}

/* The verbs that take one word, and what the word names. */
static const struct {
	const char *name, *verb, *what;
	int (*fn)(struct ctl *c, const char *word, struct sk_err *err);
} one_word[] = {
    {"register", "taskdef register", "file", do_register},
    {"validate", "taskdef validate", "file", do_validate},
    {"describe", "taskdef describe", "task definition", do_describe},
    {"deregister", "taskdef deregister", "task definition", do_deregister},
};

int cmd_taskdef(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "", *word = NULL;
	if (argc < 2 || ctl_is_help(verb) || (argc > 2 && ctl_is_help(argv[2])))
		return usage(argc < 2 ? stderr : stdout, err);
	if (strcmp(verb, "ls") == 0)
		return sk_args_none(argc, argv, "taskdef ls", err) < 0 ? -1 : do_ls(c, err);
	for (size_t i = 0; i < sizeof one_word / sizeof one_word[0]; i++) {
		if (strcmp(verb, one_word[i].name) != 0)
			continue;
		if (sk_args_one(argc, argv, one_word[i].verb, one_word[i].what, &word, err) < 0)
			return -1;
		return one_word[i].fn(c, word, err);
	}
	usage(stderr, err);
	return ctl_usage_error(err, "taskdef: bad arguments");
}
