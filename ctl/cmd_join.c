/* skiffctl node requests | node approve ID|--all [--follow] (join.c). */
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "join.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl node requests\n"
	      "       skiffctl node approve ID|--all [--follow] [--dir CA-DIR]\n"
	      "  A node with a bootstrap token asks to join; approve checks the token (known,\n"
	      "  not expired) and that the name is free or the same machine's, then gives\n"
	      "  the node its own etcd user and its node API certificate (signed by the CA\n"
	      "  in CA-DIR, default $SKIFF_PKI or ~/.config/skiff/pki/CLUSTER), sealed to the\n"
	      "  node's key. A refusal is answered with the reason. --all answers every\n"
	      "  pending request; --follow keeps doing so every second (auto-approval).\n"
	      "  Needs etcd's root user.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

int cmd_node_requests(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	static const char *const h[] = {"NODE", "TOKEN", "REQUESTED"};
	cJSON *arr, *r;
	if (sk_args_none(argc, argv, "node requests", err) < 0 || join_pending(c, &arr, err) < 0)
		return -1;
	struct table *t = table_new(3, h);
	cJSON_ArrayForEach(r, arr)
	    table_row(t, json_record_str(r, "node"), json_record_str(r, "token"),
		      json_record_str(r, "requestedAt"));
	ctl_print_list(c, arr, t);
	return 0;
}

int cmd_node_approve(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *id = NULL, *dir = NULL;
	int all = 0, follow = 0, refused = 0;
	const struct arg_opt opts[] = {{"--all", ARG_FLAG, &all, NULL},
				       {"--follow", ARG_FLAG, &follow, NULL},
				       {"--dir", ARG_STR, &dir, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	for (int i = 2; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if (sk_args(argc, argv, 2, "node approve", opts, NULL, &id, 1, err) < 0)
		return -1;
	if (!id == !all)
		return ctl_usage_error(err, "node approve: give a node or --all");
	if (follow && !all)
		return ctl_usage_error(err, "node approve: --follow goes with --all");
	if (!dir)
		dir = ctl_pki_dir(c);
	for (;;) {
		int n = join_approve(c, id, dir, &refused, err);
		if (n < 0 && !(follow && err->cls == SK_ERR_NET))
			return -1;
		if (!follow) {
			if (id && refused)
				return sk_fail(err, 0, "node %s: join refused", id);
			if (id)
				printf("%s: approved\n", id);
			else
				printf("%d approved, %d refused\n", n, refused);
			return 0;
		}
		sleep(1);
	}
}
