/* skiffctl secret put|ls|rm: the cluster's secret store, what a task
 * definition's secrets (and repositoryCredentials) name. A value lives
 * under secrets/<name>; the scheduler copies the ones a task needs into
 * the assignment of the node that runs it, and nothing prints them. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "args.h"
#include "cli.h"
#include "lookup.h"
#include "clock.h"

#define SECRET_MAX (64 * 1024) /* as Secrets Manager's limit */

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl secret put NAME [--from-file FILE]\n"
	      "       skiffctl secret ls\n"
	      "       skiffctl secret rm NAME\n"
	      "  put reads the value from FILE or else from stdin (so that it stays out of\n"
	      "  shell history and ps), at most 64 KiB; a trailing newline from a terminal\n"
	      "  or `echo` is dropped. NAME is letters, digits and \"_.-/\"; a task definition\n"
	      "  names it in valueFrom directly or as the last part of a Secrets Manager or\n"
	      "  SSM ARN. Values are never printed.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static int read_value(const char *file, char **out, size_t *len, struct sk_err *err)
{
	SK_AUTOCLOSE int fd = file ? open(file, O_RDONLY | O_CLOEXEC) : -1;
	SK_AUTOFREE char *buf = NULL;

	if (file && fd < 0)
		return sk_failc(err, SK_ERR_USAGE, errno, "%s", file);
	if (!file && isatty(0))
		fputs("value (end with ctrl-d): ", stderr);
	if (sk_read_fd(file ? fd : 0, "secret", SECRET_MAX, &buf, len, err) < 0)
		return err->errnum ? -1 : sk_class(err, SK_ERR_USAGE);
	if (*len && buf[*len - 1] == '\n')
		(*len)--;
	buf[*len] = '\0';
	if (strlen(buf) != *len)
		return ctl_usage_error(err, "secret: the value holds a NUL byte");
	*out = buf;
	buf = NULL;
	return 0;
}

static int do_put(struct ctl *c, const char *name, const char *file, struct sk_err *err)
{
	SK_AUTOFREE char *value = NULL;
	char key[KEY_MAX], now[32];
	size_t len = 0;
	int rc;

	if (!taskdef_valid_secret_name(name))
		return ctl_usage_error(err, "secret name `%s`: 1-256 letters, digits and \"_.-/\"",
				       name);
	if ((rc = read_value(file, &value, &len, err)) < 0 || (rc = ctl_connect(c, err)) < 0)
		return rc;
	sk_now_rfc3339(now, sizeof now, 0);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddStringToObject(j, "value", value);
	cJSON_AddStringToObject(j, "updatedAt", now);
	rc = ctl_put_json(c, ctl_key(c, key, "secrets/%s", name), j, err);
	memset(value, 0, len);
	cJSON_Delete(j);
	if (rc < 0)
		return rc;
	printf("%s: stored (%zu bytes)\n", name, len);
	return 0;
}

static int do_ls(struct ctl *c, struct sk_err *err)
{
	static const char *const h[] = {"SECRET", "BYTES", "UPDATED"};
	struct model m;
	int rc = ctl_load_model(c, &m, err);

	if (rc < 0)
		return rc;
	struct table *t = table_new(3, h);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < m.nsecrets; i++) {
		const char *v = model_secret(&m, m.secrets[i].name);
		char bytes[24];
		snprintf(bytes, sizeof bytes, "%zu", v ? strlen(v) : 0);
		table_row(t, m.secrets[i].name, bytes,
			  json_record_str(m.secrets[i].rec, "updatedAt"));
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", m.secrets[i].name);
		cJSON_AddNumberToObject(e, "bytes", v ? (double)strlen(v) : 0);
		cJSON_AddStringToObject(e, "updatedAt",
					json_record_str(m.secrets[i].rec, "updatedAt"));
		cJSON_AddItemToArray(arr, e);
	}
	ctl_print_list(c, arr, t);
	model_free(&m);
	return 0;
}

static int do_rm(struct ctl *c, const char *name, struct sk_err *err)
{
	char key[KEY_MAX];
	struct etcd_kv kv;
	int rc = ctl_connect(c, err);

	if (rc < 0 ||
	    (rc = etcd_get(c->etcd, ctl_key(c, key, "secrets/%s", name), &kv, NULL, err)) < 0)
		return rc;
	if (rc == 0)
		return sk_failc(err, SK_ERR_NOTFOUND, 0, "secret %s: not found", name);
	etcd_kv_clear(&kv);
	if ((rc = etcd_delete(c->etcd, key, 0, NULL, NULL, err)) < 0)
		return rc;
	printf("%s: removed\n", name);
	return 0;
}

static int do_put_args(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *name = NULL, *file = NULL;
	const struct arg_opt opts[] = {{"--from-file", ARG_STR, &file, NULL},
				       {NULL, ARG_FLAG, NULL, NULL}};
	if (sk_args(argc, argv, 2, "secret put", opts, NULL, &name, 1, err) < 0 ||
	    sk_args_need("secret put", "secret", name, err) < 0)
		return -1;
	return do_put(c, name, file, err);
}

int cmd_secret(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "", *name = NULL;

	for (int i = 1; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if (!strcmp(verb, "put"))
		return do_put_args(c, argc, argv, err);
	if (!strcmp(verb, "ls"))
		return sk_args_none(argc, argv, "secret ls", err) < 0 ? -1 : do_ls(c, err);
	if (!strcmp(verb, "rm")) {
		if (sk_args_one(argc, argv, "secret rm", "secret", &name, err) < 0)
			return -1;
		return do_rm(c, name, err);
	}
	usage(stderr, err);
	return ctl_usage_error(err, "secret: bad arguments");
}
