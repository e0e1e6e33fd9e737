/* skiffctl taskdef register|ls|describe|deregister */
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "taskdef.h"

static int usage(FILE *f)
{
	fputs("usage: skiffctl taskdef register FILE\n"
	      "       skiffctl taskdef ls\n"
	      "       skiffctl taskdef describe FAMILY[:REVISION]\n"
	      "       skiffctl taskdef deregister FAMILY:REVISION\n"
	      "  FILE is an Amazon ECS task definition (JSON, the subset in docs/skiffctl.md);\n"
	      "  register assigns the family's next revision.\n",
	      f);
	return f == stdout ? 0 : CTL_EUSAGE;
}

/* Highest revision of the family, active or not (revisions are never reused). */
static long highest(struct ctl *c, const char *family, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_range_req req = {
	    .key = ctl_key(c, key, "taskdefs/%s/", family), .prefix = 1, .keys_only = 1};
	struct etcd_range_resp r;
	int rc = etcd_range(c->etcd, &req, &r, err);
	if (rc < 0)
		return rc;
	long best = 0;
	for (size_t i = 0; i < r.nkvs; i++) {
		long rev = strtol(r.kvs[i].key + strlen(key), NULL, 10);
		best = rev > best ? rev : best;
	}
	etcd_range_resp_free(&r);
	return best;
}

static int store_next(struct ctl *c, cJSON *td, long *rev_out, struct sk_err *err)
{
	const char *family = json_str(td, "family");
	char now[32], key[KEY_MAX];
	ctl_now_rfc3339(now, sizeof now);
	cJSON_AddStringToObject(td, "status", "ACTIVE");
	cJSON_AddStringToObject(td, "registeredAt", now);
	for (int attempt = 0; attempt < 20; attempt++) {
		long rev = highest(c, family, err);
		if (rev < 0)
			return (int)rev;
		rev++;
		cJSON_DeleteItemFromObjectCaseSensitive(td, "revision");
		cJSON_AddNumberToObject(td, "revision", (double)rev);
		char *v = cJSON_PrintUnformatted(td);
		ctl_key(c, key, "taskdefs/%s/%ld", family, rev);
		struct etcd_cmp cmp = {
		    .key = key, .target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL};
		struct etcd_op put = {.type = ETCD_OP_PUT, .key = key, .value = v};
		int rc = etcd_txn(c->etcd, &cmp, 1, &put, 1, NULL, 0, NULL, err);
		free(v);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			*rev_out = rev;
			return 0;
		}
	}
	return sk_fail(err, 0, "register %s: too much contention", family);
}

static int do_register(struct ctl *c, const char *file, struct sk_err *err)
{
	cJSON *td = NULL;
	long rev;
	int rc = ctl_read_json_file(file, &td, err);
	if (rc < 0)
		return rc;
	if ((rc = taskdef_validate(td, file, err)) < 0 || (rc = ctl_connect(c, err)) < 0 ||
	    (rc = store_next(c, td, &rev, err)) < 0) {
		cJSON_Delete(td);
		return rc;
	}
	if (c->json)
		ctl_print_json(td);
	else
		printf("%s:%ld\n", json_str(td, "family"), rev);
	cJSON_Delete(td);
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
		taskdef_resources(td, &cpu, &mem);
		snprintf(cs, sizeof cs, "%lld", (long long)cpu);
		snprintf(ms, sizeof ms, "%lld", (long long)mem);
		snprintf(n, sizeof n, "%d",
			 cJSON_GetArraySize(
			     cJSON_GetObjectItemCaseSensitive(td, "containerDefinitions")));
		table_row(t, m.taskdefs[i].ref, json_str(td, "status"), cs, ms, n);
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
	char resolved[FAMILY_MAX + 24], key[KEY_MAX], family[FAMILY_MAX];
	cJSON *td;
	long rev;
	int rc = taskdef_parse_ref(ref, family, &rev, err);
	if (rc < 0)
		return rc;
	if (!rev)
		return ctl_usage_error(err, "deregister: give FAMILY:REVISION");
	if ((rc = ctl_resolve_taskdef(c, ref, 1, resolved, &td, err)) < 0)
		return rc;
	cJSON_DeleteItemFromObjectCaseSensitive(td, "status");
	cJSON_AddStringToObject(td, "status", "INACTIVE");
	rc = ctl_put_json(c, ctl_key(c, key, "taskdefs/%s/%ld", family, rev), td, err);
	cJSON_Delete(td);
	if (rc < 0)
		return rc;
	printf("%s: INACTIVE\n", resolved);
	return 0;
}

int cmd_taskdef(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "";
	if (argc < 2 || ctl_is_help(verb) || (argc > 2 && ctl_is_help(argv[2])))
		return usage(argc < 2 ? stderr : stdout);
	if (strcmp(verb, "register") == 0 && argc == 3)
		return do_register(c, argv[2], err);
	if (strcmp(verb, "ls") == 0 && argc == 2)
		return do_ls(c, err);
	if (strcmp(verb, "describe") == 0 && argc == 3)
		return do_describe(c, argv[2], err);
	if (strcmp(verb, "deregister") == 0 && argc == 3)
		return do_deregister(c, argv[2], err);
	usage(stderr);
	return ctl_usage_error(err, "taskdef: bad arguments");
}
