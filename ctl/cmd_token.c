/* skiffctl node token create|ls|revoke|verify: bootstrap tokens (token.c). */
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "token.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl node token create [--ttl DURATION] [--labels K=V,...] "
	      "[--description TEXT]\n"
	      "       skiffctl node token ls\n"
	      "       skiffctl node token revoke ID\n"
	      "       skiffctl node token verify TOKEN\n"
	      "       skiffctl node token prune\n"
	      "  A bootstrap token (ID.SECRET, as Kubernetes shapes them) lets a new node ask\n"
	      "  to join. create prints it once; etcd keeps only the secret's SHA-256 (and a\n"
	      "  join-only etcd user that may write nothing but join/ID/). --ttl: 90s, 30m,\n"
	      "  24h (the default), 7d, or 0 for a token that never expires. --labels: the\n"
	      "  labels of the nodes that join with it. revoke deletes it (nodes that joined\n"
	      "  with it stay). verify: exit 0 if TOKEN would be accepted now, else 1 and why.\n"
	      "  prune revokes every expired token (its join user lasts until then).\n"
	      "  Needs etcd's root user.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static int take_labels(void *ctx, const char *v, struct sk_err *err)
{
	return token_parse_labels(ctx, v, err);
}

static int do_create(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *ttl = "24h";
	struct token_spec spec = {0};
	cJSON *labels = cJSON_CreateObject();
	const struct arg_opt opts[] = {{"--ttl", ARG_STR, &ttl, NULL},
				       {"--labels", ARG_FN, NULL, take_labels},
				       {"--description", ARG_STR, &spec.description, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	char token[TOKEN_LEN + 1];
	int rc = sk_args(argc, argv, 3, "node token create", opts, labels, NULL, 0, err);
	if (rc == 0)
		rc = token_parse_ttl(ttl, &spec.ttl_s, err);
	spec.labels = labels;
	if (rc == 0)
		rc = token_create(c, &spec, token, err);
	cJSON_Delete(labels);
	if (rc < 0)
		return -1;
	printf("%s\n", token);
	return 0;
}

static void ttl_text(const cJSON *rec, time_t now, char *buf, size_t size)
{
	time_t t = token_expires_at(rec);
	long left = (long)(t - now);
	if (!t) {
		snprintf(buf, size, "<forever>");
		return;
	}
	if (left <= 0)
		snprintf(buf, size, "<expired>");
	else if (left >= 86400)
		snprintf(buf, size, "%ldd", left / 86400);
	else if (left >= 3600)
		snprintf(buf, size, "%ldh", left / 3600);
	else
		snprintf(buf, size, "%ldm%lds", left / 60, left % 60);
}

static int do_ls(struct ctl *c, struct sk_err *err)
{
	static const char *const h[] = {"ID", "TTL", "EXPIRES", "LABELS", "DESCRIPTION"};
	cJSON *arr, *rec;
	time_t now = time(NULL);
	if (token_list(c, &arr, err) < 0)
		return -1;
	struct table *t = table_new(5, h);
	cJSON_ArrayForEach(rec, arr)
	{
		char ttl[32], labels[512] = "";
		const cJSON *l;
		ttl_text(rec, now, ttl, sizeof ttl);
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(rec, "labels"))
		{
			size_t n = strlen(labels);
			snprintf(labels + n, sizeof labels - n, "%s%s=%s", n ? "," : "", l->string,
				 cJSON_IsString(l) ? l->valuestring : "");
		}
		cJSON_AddBoolToObject(rec, "expired", token_expired(rec, now));
		const char *exp = json_record_str(rec, "expiresAt");
		table_row(t, json_record_str(rec, "id"), ttl, *exp ? exp : "-", labels,
			  json_record_str(rec, "description"));
	}
	ctl_print_list(c, arr, t);
	return 0;
}

static int do_verify(struct ctl *c, const char *token, struct sk_err *err)
{
	cJSON *rec = NULL;
	if (token_verify(c, token, time(NULL), &rec, err) < 0)
		return -1;
	printf("token %s: valid\n", json_record_str(rec, "id"));
	cJSON_Delete(rec);
	return 0;
}

static const struct arg_opt no_options[] = {{NULL, ARG_FLAG, NULL, NULL}};

int cmd_node_token(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 2 ? argv[2] : "", *arg = NULL;
	for (int i = 2; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if (!strcmp(verb, "create"))
		return do_create(c, argc, argv, err);
	if (!strcmp(verb, "ls"))
		return sk_args(argc, argv, 3, "node token ls", no_options, NULL, NULL, 0, err) < 0
			   ? -1
			   : do_ls(c, err);
	if (!strcmp(verb, "prune")) {
		int n;
		if (sk_args(argc, argv, 3, "node token prune", no_options, NULL, NULL, 0, err) <
			0 ||
		    (n = token_prune(c, time(NULL), err)) < 0)
			return -1;
		printf("%d expired token%s revoked\n", n, n == 1 ? "" : "s");
		return 0;
	}
	if (!strcmp(verb, "revoke") || !strcmp(verb, "verify")) {
		char what[32];
		snprintf(what, sizeof what, "node token %s", verb);
		if (sk_args(argc, argv, 3, what, no_options, NULL, &arg, 1, err) < 0 ||
		    sk_args_need(what, verb[0] == 'r' ? "token id" : "token", arg, err) < 0)
			return -1;
		if (verb[0] == 'v')
			return do_verify(c, arg, err);
		if (token_revoke(c, arg, err) < 0)
			return -1;
		printf("token %s: revoked\n", arg);
		return 0;
	}
	usage(stderr, err);
	return ctl_usage_error(err, "node token: bad arguments");
}
