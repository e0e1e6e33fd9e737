/* skiffctl service create|update|delete|ls|describe */
#include <string.h>

#include "args.h"
#include "cli.h"
#include "lookup.h"
#include "service.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl service create NAME --taskdef FAMILY[:REV] --desired-count N\n"
	      "                [--strategy binpack:memory|binpack:cpu|spread:node|random]...\n"
	      "                [--constraint distinctInstance|memberOf:EXPR]...\n"
	      "       skiffctl service update NAME [--desired-count N] [--taskdef FAMILY[:REV]]\n"
	      "       skiffctl service delete NAME [--no-wait]\n"
	      "       skiffctl service ls\n"
	      "       skiffctl service describe NAME\n"
	      "  EXPR is `attribute:KEY == VALUE` or `attribute:KEY != VALUE` on node labels.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

struct svc_args {
	struct service_spec spec;
	int no_wait;
};

static int add_strategy(void *ctx, const char *v, struct sk_err *err)
{
	struct service_spec *s = ctx;
	if (s->nstrats == PLACEMENT_MAX)
		return ctl_usage_error(err, "--strategy: at most %d", PLACEMENT_MAX);
	return strategy_parse(v, &s->strats[s->nstrats++], err);
}

static int add_constraint(void *ctx, const char *v, struct sk_err *err)
{
	struct service_spec *s = ctx;
	if (s->ncons == PLACEMENT_MAX)
		return ctl_usage_error(err, "--constraint: at most %d", PLACEMENT_MAX);
	return constraint_parse(v, &s->cons[s->ncons++], err);
}

static int parse_args(int argc, char **argv, struct svc_args *a, struct sk_err *err)
{
	struct service_spec *s = &a->spec;
	const struct arg_opt opts[] = {
	    {"--no-wait", ARG_FLAG, &a->no_wait, NULL},
	    {"--taskdef", ARG_STR, &s->taskdef, NULL},
	    {"--desired-count", ARG_COUNT, &s->desired, NULL},
	    {"--strategy", ARG_FN, NULL, add_strategy},
	    {"--constraint", ARG_FN, NULL, add_constraint},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	memset(a, 0, sizeof *a);
	s->desired = -1;
	if (sk_args(argc, argv, 2, "service", opts, s, &s->name, 1, err) < 0)
		return -1;
	s->has_desired = s->desired >= 0;
	if (!s->name)
		return ctl_usage_error(err, "service: which service?");
	return service_name_check(s->name, err);
}

static int do_create(struct ctl *c, const struct svc_args *a, struct sk_err *err)
{
	const struct service_spec *s = &a->spec;
	char ref[FAMILY_MAX + 24];
	if (!s->taskdef || !s->has_desired)
		return ctl_usage_error(
		    err, "service create: --taskdef and --desired-count are required");
	int rc = service_create(c, s, ref, err);
	if (rc < 0)
		return rc;
	printf("%s: %s x%ld\n", s->name, ref, s->desired);
	return 0;
}

static int do_update(struct ctl *c, const struct svc_args *a, struct sk_err *err)
{
	int rc = service_update(c, &a->spec, err);
	if (rc < 0)
		return rc;
	printf("%s: updated\n", a->spec.name);
	return 0;
}

static int do_delete(struct ctl *c, const struct svc_args *a, struct sk_err *err)
{
	const char *name = a->spec.name;
	int rc = service_drain(c, name, err);
	if (rc < 0)
		return rc;
	if (a->no_wait) {
		printf("%s: DRAINING\n", name);
		return 0;
	}
	/* the scheduler removes it once its tasks stopped */
	if ((rc = service_wait_gone(c, name, 30000, err)) < 0)
		return rc;
	if (rc == 0)
		return sk_fail(err, 0,
			       "service %s: still draining after 30 s (is a scheduler running?)",
			       name);
	printf("%s: deleted\n", name);
	return 0;
}

static int do_ls(struct ctl *c, struct sk_err *err)
{
	struct model m;
	int rc = ctl_load_model(c, &m, err);
	if (rc < 0)
		return rc;
	static const char *const h[] = {"SERVICE", "TASKDEF", "DESIRED",
					"RUNNING", "PENDING", "STATUS"};
	struct table *t = table_new(6, h);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < m.nservices; i++) {
		int r, p;
		cJSON *j = service_json(&m, &m.services[i], &r, &p);
		char d[24], rs[24], ps[24];
		snprintf(d, sizeof d, "%lld", (long long)json_record_int(j, "desiredCount", 0));
		snprintf(rs, sizeof rs, "%d", r);
		snprintf(ps, sizeof ps, "%d", p);
		table_row(t, m.services[i].name, json_record_str(j, "taskDefinition"), d, rs, ps,
			  json_record_str(j, "status"));
		cJSON_AddItemToArray(arr, j);
	}
	ctl_print_list(c, arr, t);
	model_free(&m);
	return 0;
}

static int do_describe(struct ctl *c, const char *name, struct sk_err *err)
{
	struct model m;
	int rc = ctl_load_model(c, &m, err);
	if (rc < 0)
		return rc;
	const struct m_service *s = model_service(&m, name);
	if (s) {
		int r, p;
		cJSON *j = service_json(&m, s, &r, &p);
		ctl_print_json(j);
		cJSON_Delete(j);
	}
	model_free(&m);
	return s ? 0 : (sk_failc(err, SK_ERR_NOTFOUND, 0, "service %s: not found", name));
}

int cmd_service(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct svc_args a;
	for (int i = 1; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if (strcmp(verb, "ls") == 0 && argc == 2)
		return do_ls(c, err);
	if (strcmp(verb, "describe") == 0 && argc == 3)
		return do_describe(c, argv[2], err);
	int rc = strcmp(verb, "create") && strcmp(verb, "update") && strcmp(verb, "delete")
		     ? (usage(stderr, err), ctl_usage_error(err, "service: bad arguments"))
		     : parse_args(argc, argv, &a, err);
	if (rc < 0)
		return rc;
	if (strcmp(verb, "create") == 0)
		return do_create(c, &a, err);
	if ((rc = ctl_connect(c, err)) < 0)
		return rc;
	return strcmp(verb, "update") == 0 ? do_update(c, &a, err) : do_delete(c, &a, err);
}
