/* skiffctl: shared state of the command layer, record keys and helpers. */
#ifndef SK_CTL_H
#define SK_CTL_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

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
};

/* Connects (lazily, so that --help needs no etcd). */
int ctl_connect(struct ctl *c, struct sk_err *err);
/* Resolves endpoints and cluster from flags, environment and config file. */
int ctl_configure(struct ctl *c, struct sk_err *err);

/* "/skiff/<cluster>/" + printf(fmt, ...) into buf (size KEY_MAX). */
#define KEY_MAX 512
const char *ctl_key(const struct ctl *c, char *buf, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef int (*ctl_verb_fn)(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_taskdef(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_task(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_service(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_secret(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_scheduler(struct ctl *c, int argc, char **argv, struct sk_err *err);

/* util.c */
void ctl_random_id(char *buf, size_t size); /* 32 hex digits */
int ctl_is_help(const char *arg);
/* A usage error (SK_ERR_USAGE) with this message. */
int ctl_usage_error(struct sk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error whose usage text is printed already: no message. */
int ctl_usage_printed(struct sk_err *err);
/* Reads a whole file (bounded) and parses it as JSON; names the file. */
int ctl_read_json_file(const char *path, cJSON **out, struct sk_err *err);
/* Parses a positive integer option value. */
int ctl_parse_count(const char *opt, const char *s, long *out, struct sk_err *err);
/* Gets key as JSON: 1 found (*out, *mod_rev set), 0 absent, < 0 error. */
int ctl_get_json(struct ctl *c, const char *key, cJSON **out, int64_t *mod_rev, struct sk_err *err);
int ctl_put_json(struct ctl *c, const char *key, const cJSON *value, struct sk_err *err);
/* Prints a JSON document on stdout. */
void ctl_print_json(const cJSON *j);

/* table.c: aligned columns; cells are copied. */
struct table;
struct table *table_new(size_t ncols, const char *const *headers);
void table_row(struct table *t, ...); /* ncols const char * */
void table_print(struct table *t, FILE *f);
void table_free(struct table *t);
/* The end of every `ls`: ARR as JSON with -o json, else T as a table;
 * frees both. */
void ctl_print_list(const struct ctl *c, cJSON *arr, struct table *t);

#endif
