/* The per-container monitor of detached containers: it is the container
 * process's parent, copies its stdout/stderr into size-capped logs and
 * records how it ended in exit.json. */
#ifndef RT_MONITOR_H
#define RT_MONITOR_H

#include "container.h"

/* Each log is cut at this size: the full file becomes NAME.1. */
#define LOG_MAX (1 << 20)
/* An absolute directory for the container's output instead of the state
 * directory, so that it outlives `delete` (the agent keeps a task's logs
 * on the node): one log of both streams, LOG_CRI_NAME, in the CRI format
 * (lib/crilog.h), so that the order of the streams and the time of each
 * line are kept. */
#define LOG_DIR_ANNOTATION "run.skiff.log-dir"
#define LOG_CRI_NAME	   "container.log"

/* Forks the monitor (detached with a double fork), which spawns the
 * container; returns in the caller once the container waits for start. */
int monitor_create(struct container *c, struct sk_err *err);

/* Appends LEN bytes to the log at PATH (open as *FD, *SIZE bytes long),
 * rotating it to PATH.1 when it would pass LOG_MAX. */
int log_append(const char *path, int *fd, long *size, const char *buf, size_t len);

#endif
