/* skiffctl ca init | ca issue node|operator NAME */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "ctl.h"
#include "pki.h"

static int usage(FILE *f, struct sk_err *err)
{
	fputs("usage: skiffctl ca init [--dir DIR] [--days N] [--force]\n"
	      "       skiffctl ca issue node NAME [--ip ADDR]... [--dns NAME]... [--dir DIR]\n"
	      "                                   [--days N] [--force]\n"
	      "       skiffctl ca issue operator NAME [--dir DIR] [--days N] [--force]\n"
	      "  init makes the cluster's CA (DIR/ca.crt, DIR/ca.key); issue makes NAME.crt and\n"
	      "  NAME.key in DIR, signed by it: a node's certificate for its API (the image\n"
	      "  spec's cluster.api points to it) or an operator's, which skiffctl presents to\n"
	      "  nodes (--api-cert/--api-key or the config file). Keys are EC P-256.\n"
	      "  DIR: $SKIFF_PKI or ~/.config/skiff/pki/CLUSTER. --days: 3650 for the CA,\n"
	      "  365 for others.\n",
	      f);
	return f == stdout ? 0 : ctl_usage_printed(err);
}

static char default_dir[PATH_MAX];

const char *ctl_pki_dir(const struct ctl *c)
{
	const char *env = getenv("SKIFF_PKI"), *home = getenv("HOME");

	if (env && *env)
		return env;
	snprintf(default_dir, sizeof default_dir, "%s/.config/skiff/pki/%s", home ? home : ".",
		 c->cluster);
	return default_dir;
}

struct ca_args {
	struct pki_opts o;
	struct pki_names names;
	const char *role, *name;
};

static int take_ip(void *ctx, const char *v, struct sk_err *err)
{
	struct pki_names *n = &((struct ca_args *)ctx)->names;
	if (n->nips >= X509_MAX_SANS)
		return ctl_usage_error(err, "--ip: at most %d addresses", X509_MAX_SANS);
	n->ips[n->nips++] = v;
	return 0;
}

static int take_dns(void *ctx, const char *v, struct sk_err *err)
{
	struct pki_names *n = &((struct ca_args *)ctx)->names;
	/* the node's name is the first DNS name */
	if (n->ndns >= X509_MAX_SANS - 1)
		return ctl_usage_error(err, "--dns: at most %d names", X509_MAX_SANS - 1);
	n->dns[n->ndns++] = v;
	return 0;
}

static int parse(struct ctl *c, int argc, char **argv, int issue, struct ca_args *a,
		 struct sk_err *err)
{
	long days = -1;
	const char *pos[2] = {NULL, NULL};
	const struct arg_opt opts[] = {
	    {"--force", ARG_FLAG, &a->o.force, NULL}, {"--dir", ARG_STR, &a->o.dir, NULL},
	    {"--days", ARG_COUNT, &days, NULL},	      {"--ip", ARG_FN, NULL, take_ip},
	    {"--dns", ARG_FN, NULL, take_dns},	      {NULL, ARG_FLAG, NULL, NULL},
	};

	a->o.dir = ctl_pki_dir(c);
	a->o.cluster = c->cluster;
	if (sk_args(argc, argv, 2, issue ? "ca issue" : "ca init", opts, a, pos, issue ? 2 : 0,
		    err) < 0)
		return -1;
	if (days == 0)
		return ctl_usage_error(err, "--days: expected 1..100000");
	a->role = pos[0];
	a->name = pos[1];
	a->o.days = days > 0 ? (int)days : issue ? 365 : 3650;
	return 0;
}

static int do_init(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	struct ca_args a = {0};
	int rc = parse(c, argc, argv, 0, &a, err);

	if (rc < 0)
		return rc;
	if (pki_init(&a.o, err) < 0)
		return -1;
	printf("wrote %s/ca.crt and %s/ca.key (valid %d days)\n", a.o.dir, a.o.dir, a.o.days);
	return 0;
}

static int do_issue(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	struct ca_args a = {0};
	int rc = parse(c, argc, argv, 1, &a, err);

	if (rc < 0)
		return rc;
	if (!a.role || !a.name)
		return ctl_usage_error(err, "ca issue: expected node|operator NAME");
	int node = !strcmp(a.role, "node");
	if (!node && strcmp(a.role, "operator"))
		return ctl_usage_error(err, "ca issue: %s: expected node or operator", a.role);
	if (!node && (a.names.ndns || a.names.nips))
		return ctl_usage_error(err, "ca issue operator: --ip and --dns are for nodes");
	if (pki_issue(&a.o, node, a.name, &a.names, err) < 0)
		return -1;
	printf("wrote %s/%s.crt and %s/%s.key (%s, valid %d days)\n", a.o.dir, a.name, a.o.dir,
	       a.name, node ? "node" : "operator", a.o.days);
	return 0;
}

int cmd_ca(struct ctl *c, int argc, char **argv, struct sk_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "";

	for (int i = 1; i < argc; i++)
		if (ctl_is_help(argv[i]))
			return usage(stdout, err);
	if (!strcmp(verb, "init"))
		return do_init(c, argc, argv, err);
	if (!strcmp(verb, "issue"))
		return do_issue(c, argc, argv, err);
	usage(stderr, err);
	return ctl_usage_error(err, "ca: bad arguments");
}
