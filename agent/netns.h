/* Named namespaces (like `ip netns add`): a namespace kept alive by a bind
 * mount on a file, so that it exists before any container does and the
 * runtime can join it by path. Network namespaces (a task's, in awsvpc
 * mode, or a container's on the bridge) and IPC namespaces (ipcMode task). */
#ifndef AGENT_NETNS_H
#define AGENT_NETNS_H

#include "err.h"

/* Creates PATH (a file) holding a new network namespace whose loopback is
 * up. The calling thread must be the only one (a worker process): it
 * enters the new namespace for a moment. */
int netns_create(const char *path, struct sk_err *err);
/* The same with a new IPC namespace. */
int ipcns_create(const char *path, struct sk_err *err);
/* Unmounts and removes PATH; absent is not an error. */
int netns_remove(const char *path, struct sk_err *err);

#endif
