/* skiffctl node ls|describe|drain (credentials and remove: cmd_auth.c;
 * token: cmd_token.c; update: cmd_update.c) */
#include <string.h>

#include "args.h"
#include "cli.h"
#include "lookup.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl node ls\n"
	      "       skiffctl node describe ID\n"
	      "       skiffctl node drain ID [--undo]\n"
	      "       skiffctl node logs ID [-f] [--tail N]     the node's own log (init, agent)\n"
	      "       skiffctl node dmesg ID [-f] [--tail N]    its kernel log\n"
	      "       skiffctl node top ID                      live CPU, memory, disk, tasks\n"
	      "       skiffctl node credentials ID [--out FILE] its own etcd user (new password)\n"
	      "       skiffctl node remove ID                   delete its etcd user and record\n"
	      "       skiffctl node token create|ls|revoke|verify  bootstrap tokens (--help)\n"
	      "       skiffctl node requests                    pending join requests\n"
	      "       skiffctl node approve ID|--all [--follow] [--dir CA-DIR]  answer them\n"
	      "       skiffctl node update --image REF | status | cancel  rolling OS update "
	      "(--help)\n"
	      "  drain: the scheduler places nothing new on the node and moves its service\n"
	      "  tasks elsewhere (replacements first); --undo makes it ACTIVE again.\n"
	      "  credentials: creates (or renews) the node's etcd user and role, allowed only\n"
	      "  its nodes/ID record, status/ID/ and reading assign/ID/; the password goes to\n"
	      "  FILE (0600) or stdout. remove: deletes them (its etcd token stops working at\n"
	      "  once) and its record, so its tasks move. Both need etcd's root user.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static const char *node_status(const struct m_node *n)
{
	if (!n->rec)
		return "DOWN";
	return n->draining ? "DRAINING" : "ACTIVE";
}

static cJSON *node_json(const struct model *m, const struct m_node *n)
{
	cJSON *j = n->rec ? cJSON_Duplicate(n->rec, 1) : cJSON_CreateObject();
	if (!n->rec)
		cJSON_AddStringToObject(j, "id", n->id);
	cJSON_AddStringToObject(j, "status", node_status(n));
	cJSON_AddNumberToObject(j, "usedCpu", (double)n->used_cpu);
	cJSON_AddNumberToObject(j, "usedMemory", (double)n->used_mem);
	cJSON *tasks = cJSON_AddArrayToObject(j, "tasks");
	for (size_t i = 0; i < m->ntasks; i++)
		if (strcmp(m->tasks[i].node, n->id) == 0 && model_task_active(&m->tasks[i]))
			cJSON_AddItemToArray(tasks, cJSON_CreateString(m->tasks[i].id));
	return j;
}

static int do_ls(struct ctl *c, struct sk_err *err)
{
	struct model m;
	int rc = ctl_load_model(c, &m, err);
	if (rc < 0)
		return rc;
	static const char *const h[] = {"NODE",	 "STATUS",  "CPU",	 "MEMORY",
					"TASKS", "ADDRESS", "OS VERSION"};
	struct table *t = table_new(7, h);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < m.nnodes; i++) {
		const struct m_node *n = &m.nodes[i];
		char cpu[48], mem[48], nt[16];
		snprintf(cpu, sizeof cpu, "%lld/%lld", (long long)n->used_cpu, (long long)n->cpu);
		snprintf(mem, sizeof mem, "%lld/%lld", (long long)n->used_mem,
			 (long long)n->memory);
		snprintf(nt, sizeof nt, "%d", n->ntasks);
		const cJSON *addr =
		    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(n->rec, "addresses"), 0);
		const char *os =
		    json_record_str(cJSON_GetObjectItemCaseSensitive(n->rec, "os"), "version");
		table_row(t, n->id, node_status(n), cpu, mem, nt,
			  cJSON_IsString(addr) ? addr->valuestring : "", *os ? os : "-");
		cJSON_AddItemToArray(arr, node_json(&m, n));
	}
	ctl_print_list(c, arr, t);
	model_free(&m);
	return 0;
}

static int do_describe(struct ctl *c, const char *id, struct sk_err *err)
{
	struct model m;
	int rc = ctl_load_model(c, &m, err);
	if (rc < 0)
		return rc;
	const struct m_node *n = model_node(&m, id);
	if (n) {
		cJSON *j = node_json(&m, n);
		ctl_print_json(j);
		cJSON_Delete(j);
	}
	model_free(&m);
	if (!n)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "node %s: not found", id);
	return 0;
}

static int do_drain(struct ctl *c, const char *id, int undo, struct sk_err *err)
{
	struct model m;
	int rc = ctl_load_model(c, &m, err);
	if (rc < 0)
		return rc;
	int found = model_node(&m, id) != NULL;
	model_free(&m);
	if (!found)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "node %s: not found", id);
	char key[KEY_MAX];
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "status", undo ? "ACTIVE" : "DRAINING");
	rc = ctl_put_json(c, ctl_key(c, key, "nodemeta/%s", id), j, err);
	cJSON_Delete(j);
	if (rc < 0)
		return rc;
	printf("%s: %s\n", id, undo ? "ACTIVE" : "DRAINING");
	return 0;
}

static int drain_args(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *id = NULL;
	int undo = 0;
	const struct arg_opt opts[] = {{"--undo", ARG_FLAG, &undo, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	if (sk_args(argc, argv, 2, "node drain", opts, NULL, &id, 1, err) < 0 ||
	    sk_args_need("node drain", "node", id, err) < 0)
		return -1;
	return do_drain(c, id, undo, err);
}

int cmd_node(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "", *id = NULL;
	if (strcmp(verb, "logs") == 0 || strcmp(verb, "dmesg") == 0)
		return cmd_node_logs(c, argc, argv, strcmp(verb, "dmesg") == 0, err);
	if (strcmp(verb, "top") == 0)
		return cmd_node_top(c, argc, argv, err);
	if (strcmp(verb, "token") == 0)
		return cmd_node_token(c, argc, argv, err);
	if (strcmp(verb, "approve") == 0)
		return cmd_node_approve(c, argc, argv, err);
	if (strcmp(verb, "requests") == 0)
		return cmd_node_requests(c, argc, argv, err);
	if (strcmp(verb, "update") == 0)
		return cmd_node_update(c, argc, argv, err);
	if (argc < 2 || ctl_is_help(verb) || (argc > 2 && ctl_is_help(argv[2])))
		return usage(argc < 2 ? stderr : stdout, err);
	if (strcmp(verb, "ls") == 0)
		return sk_args_none(argc, argv, "node ls", err) < 0 ? -1 : do_ls(c, err);
	if (strcmp(verb, "describe") == 0) {
		if (sk_args_one(argc, argv, "node describe", "node", &id, err) < 0)
			return -1;
		return do_describe(c, id, err);
	}
	if (strcmp(verb, "drain") == 0)
		return drain_args(c, argc, argv, err);
	if (strcmp(verb, "credentials") == 0)
		return cmd_node_credentials(c, argc, argv, err);
	if (strcmp(verb, "remove") == 0)
		return cmd_node_remove(c, argc, argv, err);
	usage(stderr, err);
	return ctl_usage_error(err, "node: bad arguments");
}
