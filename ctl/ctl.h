/* skiffctl's client of the cluster, shared by the verbs and the
 * scheduler: the connection, record keys, ids and JSON records in etcd.
 * What only the command line needs is in cli.h. */
#ifndef SK_CTL_H
#define SK_CTL_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "err.h"
#include "etcd.h"
#include "json_get.h"
#include "taskdef.h"

#define FAMILY_MAX (TD_NAME_MAX + 1)

struct ctl {
	struct etcd *etcd;
	const char *cluster;
	char prefix[256]; /* "/skiff/<cluster>/" */
	int json;	  /* -o json */
	const char *endpoints;
	const char *config;
	struct etcd_opts opts;
	/* the node API: the cluster CA and the operator's certificate */
	const char *api_ca, *api_cert, *api_key;
};

/* Connects (lazily, so that --help needs no etcd). */
int ctl_connect(struct ctl *c, struct sk_err *err);
/* Resolves endpoints and cluster from flags, environment and config file. */
int ctl_configure(struct ctl *c, struct sk_err *err);

/* "/skiff/<cluster>/" + printf(fmt, ...) into buf (size KEY_MAX). */
#define KEY_MAX 512
const char *ctl_key(const struct ctl *c, char *buf, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* util.c */
void ctl_random_id(char *buf, size_t size); /* 32 hex digits */
/* Whether S is a name of 1..MAX letters, digits, '-', '_' and '.' (a
 * cluster, a certificate's file name): safe in a key and a path. */
int ctl_name_chars_ok(const char *s, size_t max);
/* A usage error (SK_ERR_USAGE) with this message. */
int ctl_usage_error(struct sk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gets key as JSON: 1 found (*out, *mod_rev set), 0 absent, < 0 error. */
int ctl_get_json(struct ctl *c, const char *key, cJSON **out, int64_t *mod_rev, struct sk_err *err);
int ctl_put_json(struct ctl *c, const char *key, const cJSON *value, struct sk_err *err);

#endif
