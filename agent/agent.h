/* skiff-agent as a library: registers the node, keeps its lease alive,
 * runs what the cluster assigns to it and reports every transition. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include "agent_config.h"
#include "err.h"

/* Runs until SIGTERM/SIGINT (tasks stopped, lease revoked: returns 0) or
 * a fatal error. */
int agent_run(const struct agent_config *cfg, struct sk_err *err);

#endif
