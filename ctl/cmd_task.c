/* skiffctl task run|stop|ls|describe */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "lookup.h"
#include "taskdef.h"
#include "tasks.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl task run TASKDEF [--count N]\n"
	      "       skiffctl task stop ID [--reason TEXT]\n"
	      "       skiffctl task ls [--service NAME] [--node ID] [--all]\n"
	      "       skiffctl task describe ID\n"
	      "       skiffctl task logs ID [--container C] [-f] [--tail N] [--since T] [-t]\n"
	      "       skiffctl task exec ID [--container C] [-i] [-t] -- CMD [ARG...]\n"
	      "  run creates PENDING tasks that the scheduler places; ls shows tasks that\n"
	      "  should run or still run (--all: stopped ones too).\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static int do_run(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	long count = 1;
	const char *ref = NULL;
	const struct arg_opt opts[] = {{"--count", ARG_COUNT, &count, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	if (sk_args(argc, argv, 2, "task run", opts, NULL, &ref, 1, err) < 0)
		return -1;
	if (!ref)
		return ctl_usage_error(err, "task run: which task definition?");
	char resolved[FAMILY_MAX + 24], id[33];
	cJSON *td;
	int rc = ctl_resolve_taskdef(c, ref, 0, resolved, &td, err);
	if (rc < 0)
		return rc;
	cJSON_Delete(td);
	cJSON *ids = cJSON_CreateArray();
	for (long k = 0; k < count && rc >= 0; k++) {
		int64_t rev = task_create(c, resolved, NULL, 0, id, err);
		rc = rev < 0 ? (int)rev : 0;
		if (rc == 0)
			cJSON_AddItemToArray(ids, cJSON_CreateString(id));
		if (rc == 0 && !c->json)
			printf("%s\n", id);
	}
	if (c->json)
		ctl_print_json(ids);
	cJSON_Delete(ids);
	return rc;
}

static int do_stop(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *id = NULL, *reason = "UserInitiated";
	const struct arg_opt opts[] = {{"--reason", ARG_STR, &reason, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	if (sk_args(argc, argv, 2, "task stop", opts, NULL, &id, 1, err) < 0)
		return -1;
	if (!id)
		return ctl_usage_error(err, "task stop: which task?");
	for (int attempt = 0; attempt < 10; attempt++) {
		struct model m;
		struct m_task *t;
		int rc = ctl_load_task(c, id, &m, &t, err);
		if (rc < 0)
			return rc;
		int64_t rev =
		    strcmp(t->desired, "STOPPED") == 0 ? 1 : task_stop(c, t, reason, 0, 0, err);
		model_free(&m);
		if (rev < 0)
			return (int)rev;
		if (rev > 0) {
			printf("%s: STOPPED\n", id);
			return 0;
		}
	}
	return sk_fail(err, 0, "task %s: changed too often, try again", id);
}

/* Each reported container gets the dockerLabels of its definition. */
static void add_labels(cJSON *containers, const cJSON *td)
{
	cJSON *c;
	const cJSON *d;

	cJSON_ArrayForEach(c, containers)
	{
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions"))
		{
			const cJSON *labels = cJSON_GetObjectItemCaseSensitive(d, "dockerLabels");
			if (labels &&
			    !strcmp(json_record_str(d, "name"), json_record_str(c, "name")))
				cJSON_AddItemToObject(c, "dockerLabels",
						      cJSON_Duplicate(labels, 1));
		}
	}
}

static cJSON *task_json(const struct m_task *t)
{
	cJSON *j = cJSON_Duplicate(t->rec, 1);
	if (t->status) {
		cJSON_AddStringToObject(j, "lastStatus", t->last_status);
		const char *keys[] = {"containers", "healthStatus", "privateIpv4Address",
				      "hostPorts",  "detail",	    "updatedAt"};
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(t->status, keys[i]);
			if (v)
				cJSON_AddItemToObject(j, keys[i], cJSON_Duplicate(v, 1));
		}
		add_labels(cJSON_GetObjectItemCaseSensitive(j, "containers"), t->td);
		const char *why = json_record_str(t->status, "stoppedReason");
		if (*why && !cJSON_GetObjectItemCaseSensitive(j, "stoppedReason"))
			cJSON_AddStringToObject(j, "stoppedReason", why);
	} else {
		cJSON_AddStringToObject(j, "lastStatus", *t->node ? "ASSIGNED" : "PENDING");
	}
	return j;
}

static int do_ls(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *service = NULL, *node = NULL;
	int all = 0;
	const struct arg_opt opts[] = {{"--service", ARG_STR, &service, NULL},
				       {"--node", ARG_STR, &node, NULL},
				       {"--all", ARG_FLAG, &all, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	if (sk_args(argc, argv, 2, "task ls", opts, NULL, NULL, 0, err) < 0)
		return -1;
	struct model m;
	int rc = ctl_load_model(c, &m, err);
	if (rc < 0)
		return rc;
	static const char *const h[] = {"TASK",	   "TASKDEF", "SERVICE", "NODE",
					"DESIRED", "LAST",    "CREATED"};
	struct table *t = table_new(7, h);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < m.ntasks; i++) {
		const struct m_task *x = &m.tasks[i];
		if ((service && strcmp(x->service, service) != 0) ||
		    (node && strcmp(x->node, node) != 0))
			continue;
		if (!all && !model_task_active(x))
			continue;
		cJSON *j = task_json(x);
		table_row(t, x->id, x->taskdef, x->service, x->node, x->desired,
			  json_record_str(j, "lastStatus"), json_record_str(x->rec, "createdAt"));
		cJSON_AddItemToArray(arr, j);
	}
	ctl_print_list(c, arr, t);
	model_free(&m);
	return 0;
}

static int do_describe(struct ctl *c, const char *id, struct sk_err *err)
{
	struct model m;
	struct m_task *t;
	int rc = ctl_load_task(c, id, &m, &t, err);
	if (rc < 0)
		return rc;
	cJSON *j = task_json(t);
	ctl_print_json(j);
	cJSON_Delete(j);
	model_free(&m);
	return 0;
}

int cmd_task(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "", *id = NULL;
	if (strcmp(verb, "logs") == 0)
		return cmd_task_logs(c, argc, argv, err);
	if (strcmp(verb, "exec") == 0)
		return cmd_task_exec(c, argc, argv, err);
	for (int i = 1; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if (strcmp(verb, "run") == 0)
		return do_run(c, argc, argv, err);
	if (strcmp(verb, "stop") == 0)
		return do_stop(c, argc, argv, err);
	if (strcmp(verb, "ls") == 0)
		return do_ls(c, argc, argv, err);
	if (strcmp(verb, "describe") == 0) {
		if (sk_args_one(argc, argv, "task describe", "task", &id, err) < 0)
			return -1;
		return do_describe(c, id, err);
	}
	usage(stderr, err);
	return ctl_usage_error(err, "task: bad arguments");
}
