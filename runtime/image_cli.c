/* Command line of the image verbs: each parses its arguments and calls
 * one library function; errors become messages and exit codes here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"
#include "image.h"
#include "image_cli.h"

#define MAX_LIST 64

struct cli {
	struct image_opts o;
	const char *insecure[MAX_LIST + 1];
	size_t ninsecure;
	int quiet;
	/* bundle */
	const char *entrypoint[MAX_LIST + 1];
	size_t nentry;
	const char *env[MAX_LIST + 1];
	size_t nenv;
	struct bundle_opts b;
	int remove;
	const char *name;
};

static const char usage_text[] =
    "usage: skiff-runtime pull [OPTIONS] IMAGE\n"
    "       skiff-runtime images [--data DIR] [-q]\n"
    "       skiff-runtime rmi [--data DIR] IMAGE...\n"
    "       skiff-runtime gc [--data DIR]\n"
    "       skiff-runtime load [--data DIR] [--name REPO] LAYOUT_DIR\n"
    "       skiff-runtime bundle [OPTIONS] IMAGE ID BUNDLE_DIR [ARG...]\n"
    "       skiff-runtime bundle --remove [--data DIR] ID BUNDLE_DIR\n"
    "options:\n"
    "  --data DIR                 data directory (default " IMAGE_DEFAULT_DATA ", env SKIFF_DATA)\n"
    "  --creds USER:PASS          registry credentials (env SKIFF_REGISTRY_CREDS)\n"
    "  --auth-file FILE           docker-style config.json with \"auths\" (env SKIFF_AUTH_FILE)\n"
    "  --insecure-registry H:P    speak plain HTTP to this registry (repeatable)\n"
    "  --ca-file FILE             CA bundle (default /etc/ssl/certs/ca-certificates.crt)\n"
    "  --platform OS/ARCH[/VAR]   platform to pick from an index (default linux/amd64)\n"
    "  --timeout SEC              network timeout (default 30)\n"
    "  --allow-devices            let layers create device nodes\n"
    "  --max-layer-entries N      refuse layers with more entries (default 1000000)\n"
    "  --max-layer-bytes N        refuse layers larger than N bytes uncompressed (default 16 GiB)\n"
    "  -q, --quiet                no progress lines; `images` prints names only\n"
    "bundle options:\n"
    "  --entrypoint ARG           replaces the image's Entrypoint (repeat for more words)\n"
    "  --env K=V                  environment (repeatable)\n"
    "  --workdir DIR, --user U[:G], --hostname NAME\n"
    "  --no-mount                 write config.json and the R/W layer, do not mount\n";

static int usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	return status;
}

static int push(const char **list, size_t *n, const char *v)
{
	if (*n == MAX_LIST)
		return -1;
	list[(*n)++] = v;
	list[*n] = NULL;
	return 0;
}

static int number(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

/* The options that check or collect their values. */
static int take_insecure(void *ctx, const char *v, struct sk_err *err)
{
	struct cli *c = ctx;
	return push(c->insecure, &c->ninsecure, v) < 0
		   ? sk_fail(err, 0, "--insecure-registry: at most %d", MAX_LIST)
		   : 0;
}

static int take_entrypoint(void *ctx, const char *v, struct sk_err *err)
{
	struct cli *c = ctx;
	return push(c->entrypoint, &c->nentry, v) < 0
		   ? sk_fail(err, 0, "--entrypoint: at most %d words", MAX_LIST)
		   : 0;
}

static int take_env(void *ctx, const char *v, struct sk_err *err)
{
	struct cli *c = ctx;
	if (!strchr(v, '='))
		return sk_fail(err, 0, "--env: expected K=V, got `%s`", v);
	return push(c->env, &c->nenv, v) < 0 ? sk_fail(err, 0, "--env: at most %d", MAX_LIST) : 0;
}

static int take_timeout(void *ctx, const char *v, struct sk_err *err)
{
	struct cli *c = ctx;
	uint64_t n;
	if (number(v, &n) < 0 || n == 0 || n > 3600)
		return sk_fail(err, 0, "--timeout: expected seconds 1..3600, got `%s`", v);
	c->o.timeout_ms = (int)n * 1000;
	return 0;
}

static int take_max_entries(void *ctx, const char *v, struct sk_err *err)
{
	struct cli *c = ctx;
	return number(v, &c->o.max_layer_entries) < 0
		   ? sk_fail(err, 0, "--max-layer-entries: expected a number, got `%s`", v)
		   : 0;
}

static int take_max_bytes(void *ctx, const char *v, struct sk_err *err)
{
	struct cli *c = ctx;
	return number(v, &c->o.max_layer_bytes) < 0
		   ? sk_fail(err, 0, "--max-layer-bytes: expected a number, got `%s`", v)
		   : 0;
}

/* Returns -1 on a usage error (printed), 1 for --help, 0 otherwise; the
 * verb's first operand in *FIRST. */
static int parse(struct cli *c, int argc, char **argv, int *first)
{
	struct sk_err err = {0};
	memset(c, 0, sizeof *c);
	c->o.data_dir = getenv("SKIFF_DATA");
	const struct arg_opt opts[] = {
	    {"--data", ARG_STR, &c->o.data_dir, NULL},
	    {"--creds", ARG_STR, &c->o.creds, NULL},
	    {"--auth-file", ARG_STR, &c->o.auth_file, NULL},
	    {"--insecure-registry", ARG_FN, NULL, take_insecure},
	    {"--ca-file", ARG_STR, &c->o.ca_file, NULL},
	    {"--platform", ARG_STR, &c->o.platform, NULL},
	    {"--timeout", ARG_FN, NULL, take_timeout},
	    {"--allow-devices", ARG_FLAG, &c->o.allow_devices, NULL},
	    {"--max-layer-entries", ARG_FN, NULL, take_max_entries},
	    {"--max-layer-bytes", ARG_FN, NULL, take_max_bytes},
	    {"--entrypoint", ARG_FN, NULL, take_entrypoint},
	    {"--env", ARG_FN, NULL, take_env},
	    {"--workdir", ARG_STR, &c->b.workdir, NULL},
	    {"--user", ARG_STR, &c->b.user, NULL},
	    {"--hostname", ARG_STR, &c->b.hostname, NULL},
	    {"--no-mount", ARG_FLAG, &c->b.no_mount, NULL},
	    {"--remove", ARG_FLAG, &c->remove, NULL},
	    {"--name", ARG_STR, &c->name, NULL},
	    {"--quiet", ARG_FLAG, &c->quiet, NULL},
	    {"-q", ARG_FLAG, &c->quiet, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};
	if (sk_args_help(argc, argv, 1, 1))
		return 1;
	if ((*first = sk_args_lead(argc, argv, 1, argv[0], opts, c, &err)) < 0) {
		sk_print_fatal(&err);
		return -1;
	}
	c->o.insecure = c->insecure;
	if (!c->quiet)
		c->o.progress = stderr;
	return 0;
}

static void human(uint64_t n, char *buf, size_t cap)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int i = 0;
	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, cap, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

/* A usage error: the verb's arguments do not fit it. */
static int wrong_args(struct sk_err *err)
{
	return sk_failc(err, SK_ERR_USAGE, 0, "wrong number of arguments");
}

static int do_pull(struct cli *c, int argc, char **argv, struct sk_err *err)
{
	struct image_info info;
	if (argc != 1)
		return wrong_args(err);
	if (image_pull(&c->o, argv[0], &info, err) < 0)
		return -1;
	printf("%s %s\n", info.name, info.digest);
	return 0;
}

static int do_images(struct cli *c, int argc, char **argv, struct sk_err *err)
{
	struct image_info *v;
	size_t n;
	if (argc != 0)
		return wrong_args(err);
	if (image_list(&c->o, &v, &n, err) < 0)
		return -1;
	if (!c->quiet)
		printf("%-60s %-19s %s\n", "NAME", "DIGEST", "SIZE");
	for (size_t i = 0; i < n; i++) {
		char size[32];
		human(v[i].size, size, sizeof size);
		if (c->quiet)
			printf("%s\n", v[i].name);
		else
			printf("%-60s %-19.19s %s\n", v[i].name, v[i].digest, size);
	}
	free(v);
	return 0;
}

static int do_rmi(struct cli *c, int argc, char **argv, struct sk_err *err)
{
	if (argc < 1)
		return wrong_args(err);
	for (int i = 0; i < argc; i++)
		if (image_remove(&c->o, argv[i], err) < 0)
			return -1;
	return 0;
}

static int do_gc(struct cli *c, int argc, char **argv, struct sk_err *err)
{
	struct image_gc_stats st;
	if (argc != 0)
		return wrong_args(err);
	if (image_gc(&c->o, &st, err) < 0)
		return -1;
	printf("removed %u blobs (%llu bytes), %u layers, %u temporary files\n", st.blobs_removed,
	       (unsigned long long)st.bytes_freed, st.layers_removed, st.tmp_removed);
	return 0;
}

static int do_load(struct cli *c, int argc, char **argv, struct sk_err *err)
{
	struct image_info *v;
	size_t n;
	if (argc != 1)
		return wrong_args(err);
	if (image_load(&c->o, argv[0], c->name, &v, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("%s %s\n", v[i].name, v[i].digest);
	free(v);
	return 0;
}

static int do_bundle(struct cli *c, int argc, char **argv, struct sk_err *err)
{
	if (c->remove)
		return argc == 2 ? image_bundle_remove(&c->o, argv[0], argv[1], err)
				 : wrong_args(err);
	if (argc < 3)
		return wrong_args(err);
	c->b.entrypoint = c->nentry ? c->entrypoint : NULL;
	c->b.env = c->env;
	int first = argc > 3 && strcmp(argv[3], "--") == 0 ? 4 : 3;
	c->b.cmd = argc > first ? (const char *const *)argv + first : NULL;
	return image_bundle_create(&c->o, argv[0], argv[1], argv[2], &c->b, err);
}

static const struct verb {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv, struct sk_err *err);
} verbs[] = {
    {"pull", do_pull}, {"images", do_images}, {"rmi", do_rmi},
    {"gc", do_gc},     {"load", do_load},     {"bundle", do_bundle},
};

int image_cli(int argc, char **argv)
{
	struct cli c;
	struct sk_err err = {0};
	const struct verb *v = NULL;
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		if (strcmp(argv[0], verbs[i].name) == 0)
			v = &verbs[i];
	int first = 0, p = v ? parse(&c, argc, argv, &first) : -1;
	if (p != 0)
		return usage(p > 0 ? 0 : SK_EXIT_USAGE);
	int r = v->fn(&c, argc - first, argv + first, &err);
	if (r < 0) {
		sk_wrap(&err, "%s", v->name);
		sk_print_fatal(&err);
		/* A failed verb exits 1 whatever the cause, as runc's verbs do. */
		return err.cls == SK_ERR_USAGE ? usage(SK_EXIT_USAGE) : SK_EXIT_FAIL;
	}
	return 0;
}
