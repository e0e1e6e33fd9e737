/* Command line of the image verbs: each parses its arguments and calls
 * one library function; errors become messages and exit codes here. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum {
	OPT_DATA = 256,
	OPT_CREDS,
	OPT_AUTH_FILE,
	OPT_INSECURE,
	OPT_CA_FILE,
	OPT_PLATFORM,
	OPT_TIMEOUT,
	OPT_ALLOW_DEVICES,
	OPT_MAX_ENTRIES,
	OPT_MAX_BYTES,
	OPT_ENTRYPOINT,
	OPT_ENV,
	OPT_WORKDIR,
	OPT_USER,
	OPT_HOSTNAME,
	OPT_NO_MOUNT,
	OPT_REMOVE,
	OPT_NAME,
};

static const struct option options[] = {
    {"data", required_argument, 0, OPT_DATA},
    {"creds", required_argument, 0, OPT_CREDS},
    {"auth-file", required_argument, 0, OPT_AUTH_FILE},
    {"insecure-registry", required_argument, 0, OPT_INSECURE},
    {"ca-file", required_argument, 0, OPT_CA_FILE},
    {"platform", required_argument, 0, OPT_PLATFORM},
    {"timeout", required_argument, 0, OPT_TIMEOUT},
    {"allow-devices", no_argument, 0, OPT_ALLOW_DEVICES},
    {"max-layer-entries", required_argument, 0, OPT_MAX_ENTRIES},
    {"max-layer-bytes", required_argument, 0, OPT_MAX_BYTES},
    {"entrypoint", required_argument, 0, OPT_ENTRYPOINT},
    {"env", required_argument, 0, OPT_ENV},
    {"workdir", required_argument, 0, OPT_WORKDIR},
    {"user", required_argument, 0, OPT_USER},
    {"hostname", required_argument, 0, OPT_HOSTNAME},
    {"no-mount", no_argument, 0, OPT_NO_MOUNT},
    {"remove", no_argument, 0, OPT_REMOVE},
    {"name", required_argument, 0, OPT_NAME},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

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

static int parse_opt(struct cli *c, int opt)
{
	uint64_t v;
	switch (opt) {
	case OPT_DATA:
		c->o.data_dir = optarg;
		return 0;
	case OPT_CREDS:
		c->o.creds = optarg;
		return 0;
	case OPT_AUTH_FILE:
		c->o.auth_file = optarg;
		return 0;
	case OPT_INSECURE:
		return push(c->insecure, &c->ninsecure, optarg);
	case OPT_CA_FILE:
		c->o.ca_file = optarg;
		return 0;
	case OPT_PLATFORM:
		c->o.platform = optarg;
		return 0;
	case OPT_TIMEOUT:
		if (number(optarg, &v) < 0 || v == 0 || v > 3600)
			return -1;
		c->o.timeout_ms = (int)v * 1000;
		return 0;
	case OPT_ALLOW_DEVICES:
		c->o.allow_devices = 1;
		return 0;
	case OPT_MAX_ENTRIES:
		return number(optarg, &c->o.max_layer_entries);
	case OPT_MAX_BYTES:
		return number(optarg, &c->o.max_layer_bytes);
	case OPT_ENTRYPOINT:
		return push(c->entrypoint, &c->nentry, optarg);
	case OPT_ENV:
		return strchr(optarg, '=') ? push(c->env, &c->nenv, optarg) : -1;
	case OPT_WORKDIR:
		c->b.workdir = optarg;
		return 0;
	case OPT_USER:
		c->b.user = optarg;
		return 0;
	case OPT_HOSTNAME:
		c->b.hostname = optarg;
		return 0;
	case OPT_NO_MOUNT:
		c->b.no_mount = 1;
		return 0;
	case OPT_REMOVE:
		c->remove = 1;
		return 0;
	case OPT_NAME:
		c->name = optarg;
		return 0;
	case 'q':
		c->quiet = 1;
		return 0;
	}
	return -1;
}

/* Returns -1 on a usage error, 1 for --help, 0 otherwise. */
static int parse(struct cli *c, int argc, char **argv)
{
	int opt;
	memset(c, 0, sizeof *c);
	c->o.data_dir = getenv("SKIFF_DATA");
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "+qh", options, NULL)) != -1) {
		if (opt == 'h')
			return 1;
		if (opt == '?' || parse_opt(c, opt) < 0)
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
	int p = v ? parse(&c, argc, argv) : -1;
	if (p != 0)
		return usage(p > 0 ? 0 : SK_EXIT_USAGE);
	int r = v->fn(&c, argc - optind, argv + optind, &err);
	if (r < 0) {
		sk_wrap(&err, "%s", v->name);
		sk_print_fatal(&err);
		/* A failed verb exits 1 whatever the cause, as runc's verbs do. */
		return err.cls == SK_ERR_USAGE ? usage(SK_EXIT_USAGE) : SK_EXIT_FAIL;
	}
	return 0;
}
