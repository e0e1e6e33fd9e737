/* The node API (docs/node-api.md): HTTPS with mutual TLS on the node's API
 * port, for container logs, exec, the node's own log, the kernel log and
 * live usage. It never runs in the agent's loop: a listener process
 * forked at start accepts connections and forks one process per
 * connection, so that a slow client, a follow stream or an exec session
 * cannot hold up task handling, and a fault in parsing what a client sent
 * ends only that client's process. */
#ifndef AGENT_API_H
#define AGENT_API_H

#include <sys/types.h>

#include "agent_config.h"
#include "err.h"

struct api_server;

/* Loads the node's certificate, its key and the cluster CA and binds the
 * port, so that a bad file or a port in use stops the agent at start. */
int api_open(const struct agent_config *cfg, struct api_server **out, struct sk_err *err);
/* Forks the listener; it ends with the agent. */
pid_t api_spawn(struct api_server *s, struct sk_err *err);

#endif
