/* The command layer of skiffctl: the verbs (cmd_*.c parse arguments,
 * call the library files and print), their argument helpers and output
 * (JSON or aligned tables). */
#ifndef SK_CTL_CLI_H
#define SK_CTL_CLI_H

#include <stdio.h>

#include "ctl.h"

typedef int (*ctl_verb_fn)(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_taskdef(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_task(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_service(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_secret(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_scheduler(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_ca(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_auth(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_events(struct ctl *c, int argc, char **argv, struct sk_err *err);
/* cmd_task_io.c, cmd_node_io.c: the verbs that talk to a node's API */
int cmd_task_logs(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_task_exec(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node_logs(struct ctl *c, int argc, char **argv, int dmesg, struct sk_err *err);
int cmd_node_top(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node_credentials(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node_remove(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node_token(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node_approve(struct ctl *c, int argc, char **argv, struct sk_err *err);
int cmd_node_requests(struct ctl *c, int argc, char **argv, struct sk_err *err);
/* cmd_update.c: node update (rolling OS updates) */
int cmd_node_update(struct ctl *c, int argc, char **argv, struct sk_err *err);
/* The cluster CA's directory: $SKIFF_PKI or ~/.config/skiff/pki/CLUSTER. */
const char *ctl_pki_dir(const struct ctl *c);

/* util.c */
int ctl_is_help(const char *arg);
/* A usage error whose usage text is printed already: no message. */
int ctl_usage_printed(struct sk_err *err);
/* Reads a whole file (bounded) and parses it as JSON; names the file. */
int ctl_read_json_file(const char *path, cJSON **out, struct sk_err *err);
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
