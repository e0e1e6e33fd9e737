/* Service supervision: start, reap, restart with exponential backoff, and
 * stop at shutdown. The table is filled once at boot; nothing here
 * allocates afterwards. */
#ifndef SK_INIT_SUPERVISE_H
#define SK_INIT_SUPERVISE_H

#include <poll.h>
#include <sys/types.h>

#include "init_config.h"

#define BACKOFF_INITIAL_MS 100
#define BACKOFF_MAX_MS	   30000
#define BACKOFF_RESET_MS   10000 /* uptime after which a service counts as healthy */

/* Takes the enabled services of CFG (which must outlive the supervisor)
 * and creates their cgroups. */
void supervise_init(const struct node_config *cfg);
/* Adds the debug shell on the console; warns if /bin/sh is missing. */
void supervise_add_console(void);
void supervise_start_all(long long now);

/* Handles the exit of PID (any child; orphans are ignored). */
void supervise_reaped(pid_t pid, int status, long long now);
/* The services' output pipes, to poll (at most MAX); then reading what
 * they printed into the log. */
size_t supervise_output_fds(struct pollfd *p, size_t max);
void supervise_read_output(void);
/* Restarts services whose backoff has expired. */
void supervise_tick(long long now);
/* Earliest pending restart (CLOCK_MONOTONIC ms), or -1 if none. */
long long supervise_next_deadline(void);

/* Shutdown: stops restarting and sends SIGTERM to each running service's
 * process group. */
void supervise_stop_all(void);
size_t supervise_running(void);
/* Logs the services that outlived the grace period and SIGKILLs them. */
void supervise_kill_all(void);

#endif
