/* skiffctl service create|update|delete|ls|describe */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lookup.h"
#include "placement.h"
#include "taskdef.h"
#include "clock.h"

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
	const char *name, *taskdef;
	long desired;
	int has_desired, no_wait;
	struct strategy strats[PLACEMENT_MAX];
	struct constraint cons[PLACEMENT_MAX];
	size_t nstrats, ncons;
};

static int parse_args(int argc, char **argv, struct svc_args *a, struct sk_err *err)
{
	memset(a, 0, sizeof *a);
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (strcmp(o, "--no-wait") == 0) {
			a->no_wait = 1;
			continue;
		}
		if (o[0] != '-' && !a->name) {
			a->name = o;
			continue;
		}
		if (!v)
			return ctl_usage_error(err, "service: bad argument `%s`", o);
		i++;
		if (strcmp(o, "--taskdef") == 0)
			a->taskdef = v;
		else if (strcmp(o, "--desired-count") == 0)
			rc = ctl_parse_count(o, v, &a->desired, err), a->has_desired = 1;
		else if (strcmp(o, "--strategy") == 0 && a->nstrats < PLACEMENT_MAX)
			rc = strategy_parse(v, &a->strats[a->nstrats++], err);
		else if (strcmp(o, "--constraint") == 0 && a->ncons < PLACEMENT_MAX)
			rc = constraint_parse(v, &a->cons[a->ncons++], err);
		else
			return ctl_usage_error(err, "service: bad argument `%s`", o);
		if (rc < 0)
			return sk_class(err, SK_ERR_USAGE);
	}
	if (!a->name)
		return ctl_usage_error(err, "service: which service?");
	for (const char *p = a->name; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return ctl_usage_error(err, "service name `%s`: letters, digits, - and _",
					       a->name);
	return 0;
}

static int do_create(struct ctl *c, const struct svc_args *a, struct sk_err *err)
{
	if (!a->taskdef || !a->has_desired)
		return ctl_usage_error(
		    err, "service create: --taskdef and --desired-count are required");
	char ref[FAMILY_MAX + 24], key[KEY_MAX], now[32];
	cJSON *td;
	int rc = ctl_resolve_taskdef(c, a->taskdef, 0, ref, &td, err);
	if (rc < 0)
		return rc;
	cJSON_Delete(td);
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", a->name);
	cJSON_AddStringToObject(j, "taskDefinition", ref);
	cJSON_AddNumberToObject(j, "desiredCount", (double)a->desired);
	cJSON *s = cJSON_AddArrayToObject(j, "placementStrategy");
	for (size_t i = 0; i < a->nstrats; i++)
		cJSON_AddItemToArray(s, strategy_to_json(&a->strats[i]));
	cJSON *k = cJSON_AddArrayToObject(j, "placementConstraints");
	for (size_t i = 0; i < a->ncons; i++)
		cJSON_AddItemToArray(k, constraint_to_json(&a->cons[i]));
	cJSON_AddStringToObject(j, "status", "ACTIVE");
	cJSON_AddStringToObject(j, "createdAt", now);
	char *v = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	ctl_key(c, key, "services/%s", a->name);
	struct etcd_cmp cmp = {.key = key, .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL};
	struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = v};
	rc = etcd_txn(c->etcd, &cmp, 1, &put, 1, NULL, 0, NULL, err);
	free(v);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return sk_fail(err, 0, "service %s: already exists", a->name);
	printf("%s: %s x%ld\n", a->name, ref, a->desired);
	return 0;
}

/* Read-modify-write of a service record guarded by its mod revision. */
static int modify(struct ctl *c, const struct svc_args *a, const char *ref, int deleting,
		  struct sk_err *err)
{
	char key[KEY_MAX];
	ctl_key(c, key, "services/%s", a->name);
	for (int attempt = 0; attempt < 10; attempt++) {
		cJSON *j;
		int64_t rev;
		int rc = ctl_get_json(c, key, &j, &rev, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return sk_failc(err, SK_ERR_NOTFOUND, 0, "service %s: not found", a->name);
		if (a->has_desired || deleting)
			cJSON_ReplaceItemInObjectCaseSensitive(
			    j, "desiredCount",
			    cJSON_CreateNumber(deleting ? 0 : (double)a->desired));
		if (ref)
			cJSON_ReplaceItemInObjectCaseSensitive(j, "taskDefinition",
							       cJSON_CreateString(ref));
		if (deleting)
			cJSON_ReplaceItemInObjectCaseSensitive(j, "status",
							       cJSON_CreateString("DRAINING"));
		char *v = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		struct etcd_cmp cmp = {
		    .key = key, .target = ETCD_CMP_MOD, .result = ETCD_CMP_EQUAL, .number = rev};
		struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = v};
		rc = etcd_txn(c->etcd, &cmp, 1, &put, 1, NULL, 0, NULL, err);
		free(v);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	return sk_fail(err, 0, "service %s: changed too often, try again", a->name);
}

static int do_update(struct ctl *c, const struct svc_args *a, struct sk_err *err)
{
	char ref[FAMILY_MAX + 24];
	int rc = ctl_connect(c, err);
	if (rc < 0)
		return rc;
	if (a->taskdef) {
		cJSON *td;
		if ((rc = ctl_resolve_taskdef(c, a->taskdef, 0, ref, &td, err)) < 0)
			return rc;
		cJSON_Delete(td);
	}
	if ((rc = modify(c, a, a->taskdef ? ref : NULL, 0, err)) < 0)
		return rc;
	printf("%s: updated\n", a->name);
	return 0;
}

static int do_delete(struct ctl *c, const struct svc_args *a, struct sk_err *err)
{
	char key[KEY_MAX];
	int rc = ctl_connect(c, err);
	if (rc < 0 || (rc = modify(c, a, NULL, 1, err)) < 0)
		return rc;
	ctl_key(c, key, "services/%s", a->name);
	for (int i = 0; !a->no_wait && i < 300; i++) { /* the scheduler removes it: 30 s */
		struct etcd_kv kv;
		if ((rc = etcd_get(c->etcd, key, &kv, NULL, err)) < 0)
			return rc;
		etcd_kv_clear(&kv);
		if (rc == 0) {
			printf("%s: deleted\n", a->name);
			return 0;
		}
		usleep(100000);
	}
	if (!a->no_wait)
		return sk_fail(err, 0,
			       "service %s: still draining after 30 s (is a scheduler running?)",
			       a->name);
	printf("%s: DRAINING\n", a->name);
	return 0;
}

static cJSON *service_json(const struct model *m, const struct m_service *s, int *running,
			   int *pending)
{
	cJSON *j = cJSON_Duplicate(s->rec, 1), *ids = cJSON_CreateArray();
	*running = *pending = 0;
	for (size_t i = 0; i < m->ntasks; i++) {
		const struct m_task *t = &m->tasks[i];
		if (strcmp(t->service, s->name) != 0 || !model_task_active(t))
			continue;
		cJSON_AddItemToArray(ids, cJSON_CreateString(t->id));
		if (strcmp(t->desired, "RUNNING") != 0)
			continue; /* being stopped */
		if (strcmp(t->last_status, "RUNNING") == 0)
			++*running;
		else
			++*pending;
	}
	cJSON_AddNumberToObject(j, "runningCount", *running);
	cJSON_AddNumberToObject(j, "pendingCount", *pending);
	cJSON_AddItemToObject(j, "tasks", ids);
	return j;
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
