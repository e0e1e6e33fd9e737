/* skiff-agent as a library: registers the node, keeps its lease alive,
 * runs what the cluster assigns to it and reports every transition. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include "agent_config.h"
#include "err.h"

/* Runs until SIGTERM/SIGINT (tasks stopped, lease revoked: returns 0) or
 * a fatal error. */
int agent_run(const struct agent_config *cfg, struct sk_err *err);

/* join.c: joins with cfg->join_token unless <data>/identity/ holds an
 * identity already; then points cfg at it (etcd user and password, node
 * API). */
int agent_join(struct agent_config *cfg, struct sk_err *err);
/* Takes skiff.join_token=TOKEN from the kernel command line at PATH
 * when the configuration gives none. */
void agent_join_token_from_cmdline(struct agent_config *cfg, const char *path);
/* The same from the command line's text (cmdline_parse's syntax). */
void agent_join_token_from_text(struct agent_config *cfg, const char *cmdline);

#endif
