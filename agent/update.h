/* OS updates on the node (docs/cluster.md, "OS updates"): what the rest
 * of the agent calls. The agent loop starts the update module, hands it
 * the node's updates/<node> key as the watch sees it, polls its worker's
 * pipe and its timers, and the node record carries its "os" object. */
#ifndef AGENT_UPDATE_H
#define AGENT_UPDATE_H

#include <stdint.h>
#include <sys/types.h>

typedef struct cJSON cJSON;
struct agent;

/* Reads the boot, the kept state and the trial file; an update that was
 * on trial, rolled back or interrupted by a power loss is settled here. */
void update_init(struct agent *a);
/* The value of updates/<node> (NULL: deleted). */
void update_request(struct agent *a, const char *value);
/* The worker's pipe (-1: none), and what to do when it is readable. */
int update_fd(void);
void update_on_worker(struct agent *a);
/* A child ended: 1 if it was the update worker. */
int update_reaped(struct agent *a, pid_t pid, int wstatus);
/* The trial's health check and its deadline. */
void update_tick(struct agent *a);
int64_t update_next(int64_t next);
/* Shutdown: the worker stops (a download resumes when the agent is back). */
void update_stop(void);
/* The node record's "os" object, new; NULL when the node knows no
 * version. */
cJSON *update_os(void);

#endif
