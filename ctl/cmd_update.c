/* skiffctl node update: start a rolling OS update, follow it, cancel it.
 * The scheduler's leader does the work (rollout_drive.c); this only writes
 * and reads the document (rollout.c) and the node records. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "lookup.h"
#include "rollout.h"
#include "token.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl node update --image REF [--nodes SELECTOR] [--max-unavailable N]\n"
	      "                            [--node-timeout DURATION]\n"
	      "       skiffctl node update status [--watch]\n"
	      "       skiffctl node update cancel\n"
	      "  Rolls an OS update through the cluster, driven by the scheduler's leader: node\n"
	      "  by node in name order, at most N at a time, it drains the node (its service\n"
	      "  tasks start elsewhere first), writes updates/NODE (the node pulls REF, writes\n"
	      "  its other slot and reboots into it), waits until the node runs the new version\n"
	      "  and is registered again, undrains it, then goes on. The first node whose\n"
	      "  update fails or is refused (it is back on its old version, and undrained)\n"
	      "  halts the rollout; so does a node gone longer than the node timeout. One\n"
	      "  rollout runs at a time; its state is in etcd (rollout/current).\n"
	      "  --image REF            the update artifact as pushed to a registry\n"
	      "                         (skopeo copy oci:DIR/update:VERSION docker://REF)\n"
	      "  --nodes SELECTOR       comma list of node names and LABEL=VALUE entries (every\n"
	      "                         ACTIVE node with that label); default: every ACTIVE node\n"
	      "  --max-unavailable N    nodes drained and updated at once (default 1)\n"
	      "  --node-timeout D       how long a node may be gone (rebooting) before the\n"
	      "                         rollout halts: 90s, 30m, 1h (default 15m)\n"
	      "  status: per node its OS versions (current, target, previous), its step and\n"
	      "  why; then the rollout's state. --watch prints it again on every change until\n"
	      "  the rollout has ended.\n"
	      "  cancel: no further node is drained or told to update; nodes already updated\n"
	      "  stay on the new version, a node being updated finishes and is undrained.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

/* ---- status ---- */

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

/* os.update of the node's record when it belongs to rollout ID. */
static const cJSON *update_of(const struct m_node *n, const char *id)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(n ? n->rec : NULL, "os"), "update");
	return strcmp(json_record_str(u, "rollout"), id) == 0 ? u : NULL;
}

static size_t service_tasks_on(const struct model *m, const char *node)
{
	size_t k = 0;
	for (size_t i = 0; i < m->ntasks; i++)
		k += strcmp(m->tasks[i].node, node) == 0 && *m->tasks[i].service &&
		     model_task_active(&m->tasks[i]);
	return k;
}

/* STATE and REASON of one node: the rollout's step, and while the node
 * works, what its record says. */
static void node_step(const struct model *m, const struct rollout *r, const struct ro_node *rn,
		      char *state, char *reason, size_t size)
{
	const struct m_node *n = model_node(m, rn->name);
	const cJSON *u = update_of(n, r->id);
	snprintf(state, size, "%s", rollout_node_state_name(rn->state));
	snprintf(reason, size, "%s", rn->reason);
	if (rn->state == RN_DRAINING)
		snprintf(reason, size, "%zu service task(s) still on it",
			 service_tasks_on(m, rn->name));
	if (rn->state != RN_UPDATING)
		return;
	if (!n || !n->rec)
		snprintf(state, size, "updating: down");
	else if (u)
		snprintf(state, size, "updating: %s", json_record_str(u, "state"));
	else
		snprintf(state, size, "updating: told");
	if (n && n->rec && !cJSON_GetObjectItemCaseSensitive(n->rec, "os"))
		snprintf(reason, size, "its record has no \"os\": its agent may not update itself");
	if (u && *json_record_str(u, "reason"))
		snprintf(reason, size, "%s", json_record_str(u, "reason"));
}

static cJSON *node_row_json(const struct model *m, const struct rollout *r,
			    const struct ro_node *rn)
{
	const struct m_node *n = model_node(m, rn->name);
	const cJSON *os = cJSON_GetObjectItemCaseSensitive(n ? n->rec : NULL, "os");
	const cJSON *u = update_of(n, r->id);
	char state[64], reason[ROLLOUT_REASON_MAX];
	node_step(m, r, rn, state, reason, sizeof reason);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "node", rn->name);
	cJSON_AddStringToObject(j, "current", json_record_str(os, "version"));
	cJSON_AddStringToObject(j, "target", json_record_str(u, "target"));
	cJSON_AddStringToObject(j, "previous", json_record_str(os, "previous"));
	cJSON_AddStringToObject(j, "state", state);
	cJSON_AddStringToObject(j, "reason", reason);
	return j;
}

static void state_line(const struct model *m, const struct rollout *r, FILE *f)
{
	size_t done = 0;
	for (size_t i = 0; i < r->nnodes; i++)
		done += r->nodes[i].state == RN_DONE;
	fprintf(f, "rollout %s of %s: %s", r->id, r->image, rollout_state_name(r->state));
	if (r->state == RO_RUNNING)
		fprintf(f, " (%zu of %zu nodes done, at most %d at a time)%s", done, r->nnodes,
			r->max_unavailable,
			m->leader ? "" : "; no scheduler leader: nothing drives it now");
	else if (*r->reason)
		fprintf(f, ": %s", r->reason);
	fputc('\n', f);
}

/* The whole status as text (a table and the state line) or JSON. */
static char *render(const struct ctl *c, const struct model *m, const struct rollout *r)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	static const char *const h[] = {"NODE", "CURRENT", "TARGET", "PREVIOUS", "STATE", "REASON"};
	struct table *t = table_new(6, h);
	cJSON *doc = rollout_to_json(r), *rows = cJSON_AddArrayToObject(doc, "status");
	for (size_t i = 0; i < r->nnodes; i++) {
		cJSON *row = node_row_json(m, r, &r->nodes[i]);
		table_row(t, r->nodes[i].name, or_dash(json_record_str(row, "current")),
			  or_dash(json_record_str(row, "target")),
			  or_dash(json_record_str(row, "previous")), json_record_str(row, "state"),
			  or_dash(json_record_str(row, "reason")));
		cJSON_AddItemToArray(rows, row);
	}
	if (c->json) {
		char *s = cJSON_Print(doc);
		fprintf(f, "%s\n", s ? s : "null");
		free(s);
	} else {
		table_print(t, f);
		state_line(m, r, f);
	}
	table_free(t);
	cJSON_Delete(doc);
	fclose(f);
	return out;
}

/* Reads both and renders; 1 while the rollout still has work, 0 when it
 * is over, -1 on error. */
static int status_once(struct ctl *c, char **text, struct sk_err *err)
{
	struct rollout r;
	struct model m;
	int rc = rollout_get(c, &r, NULL, err);
	if (rc == 0)
		return sk_failc(err, SK_ERR_NOTFOUND, 0,
				"no rollout (start one with skiffctl node update --image REF)");
	if (rc < 0)
		return -1;
	if (ctl_load_model(c, &m, err) < 0) {
		rollout_free(&r);
		return -1;
	}
	*text = render(c, &m, &r);
	int busy = r.state == RO_RUNNING;
	for (size_t i = 0; i < r.nnodes; i++)
		busy |= rollout_node_busy(&r.nodes[i]);
	model_free(&m);
	rollout_free(&r);
	return *text ? busy : sk_fail(err, 0, "out of memory");
}

static int do_status(struct ctl *c, int watch, struct sk_err *err)
{
	char *last = NULL;
	for (;;) {
		char *text = NULL;
		int rc = status_once(c, &text, err);
		if (rc < 0) {
			free(last);
			return -1;
		}
		if (!last || strcmp(last, text) != 0) {
			fputs(text, stdout);
			if (watch && rc)
				putchar('\n');
			fflush(stdout);
		}
		free(last);
		last = text;
		if (!watch || !rc)
			break;
		sleep(1);
	}
	free(last);
	return 0;
}

/* ---- start, cancel ---- */

static void print_started(const struct rollout *r)
{
	printf("rollout %s: %s on %zu node%s (", r->id, r->image, r->nnodes,
	       r->nnodes == 1 ? "" : "s");
	for (size_t i = 0; i < r->nnodes; i++)
		printf("%s%s", i ? ", " : "", r->nodes[i].name);
	printf("), at most %d at a time; follow it with skiffctl node update status --watch\n",
	       r->max_unavailable);
}

static int do_start(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	struct rollout_spec spec = {.max_unavailable = 1};
	const char *timeout = "15m";
	int64_t timeout_s = 0;
	const struct arg_opt opts[] = {
	    {"--image", ARG_STR, &spec.image, NULL},
	    {"--nodes", ARG_STR, &spec.selector, NULL},
	    {"--max-unavailable", ARG_COUNT, &spec.max_unavailable, NULL},
	    {"--node-timeout", ARG_STR, &timeout, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	struct rollout r;
	if (sk_args(argc, argv, 2, "node update", opts, NULL, NULL, 0, err) < 0)
		return -1;
	if (!spec.image)
		return ctl_usage_error(err, "node update: --image REF is required");
	if (token_parse_ttl(timeout, &timeout_s, err) < 0 || timeout_s < 1 || timeout_s > 7 * 86400)
		return ctl_usage_error(
		    err, "--node-timeout %s: expected a duration such as 90s, 30m or 2h (1s to 7d)",
		    timeout);
	spec.node_timeout_s = (long)timeout_s;
	if (rollout_create(c, &spec, &r, err) < 0)
		return -1;
	if (c->json) {
		cJSON *j = rollout_to_json(&r);
		ctl_print_json(j);
		cJSON_Delete(j);
	} else {
		print_started(&r);
	}
	rollout_free(&r);
	return 0;
}

static int do_cancel(struct ctl *c, struct sk_err *err)
{
	struct rollout r;
	if (rollout_cancel(c, &r, err) < 0)
		return -1;
	if (c->json) {
		cJSON *j = rollout_to_json(&r);
		ctl_print_json(j);
		cJSON_Delete(j);
		rollout_free(&r);
		return 0;
	}
	size_t done = 0, busy = 0;
	for (size_t i = 0; i < r.nnodes; i++) {
		done += r.nodes[i].state == RN_DONE;
		busy += r.nodes[i].state == RN_UPDATING;
	}
	printf("rollout %s cancelled: %zu node%s updated stay%s on the new version", r.id, done,
	       done == 1 ? "" : "s", done == 1 ? "s" : "");
	if (busy)
		printf("; %zu being updated finish%s first", busy, busy == 1 ? "es" : "");
	putchar('\n');
	rollout_free(&r);
	return 0;
}

int cmd_node_update(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *sub = argc > 2 ? argv[2] : "";
	if (sk_args_help(argc, argv, 2, 0))
		return usage(stdout, err);
	if (argc < 3)
		return usage(stderr, err);
	if (strcmp(sub, "status") == 0) {
		int watch = 0;
		const struct arg_opt opts[] = {{"--watch", ARG_FLAG, &watch, NULL},
					       {"-w", ARG_FLAG, &watch, NULL},
					       {NULL, ARG_FLAG, NULL, NULL}};
		if (sk_args(argc, argv, 3, "node update status", opts, NULL, NULL, 0, err) < 0)
			return -1;
		return do_status(c, watch, err);
	}
	if (strcmp(sub, "cancel") == 0)
		return sk_args_none(argc - 1, argv + 1, "node update cancel", err) < 0
			   ? -1
			   : do_cancel(c, err);
	if (sub[0] != '-')
		return ctl_usage_error(err,
				       "node update: unknown subcommand `%s` (status, cancel, "
				       "or --image REF to start one)",
				       sub);
	return do_start(c, argc, argv, err);
}
