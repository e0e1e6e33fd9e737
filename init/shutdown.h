/* Orderly shutdown: stop services within a grace period, kill the rest,
 * sync, unmount, then power off or reboot. */
#ifndef SK_INIT_SHUTDOWN_H
#define SK_INIT_SHUTDOWN_H

enum shutdown_action { SHUTDOWN_NONE, SHUTDOWN_POWEROFF, SHUTDOWN_REBOOT };

/* Starts a shutdown (logging "shutdown: WHY"); later requests are ignored. */
void shutdown_request(enum shutdown_action action, const char *why, unsigned grace_ms);
int shutdown_pending(void);
/* CLOCK_MONOTONIC ms at which the grace period ends, -1 if none. */
long long shutdown_deadline(void);
/* Kills what remains, syncs, unmounts and reboots; never returns. */
void shutdown_finish(void) __attribute__((noreturn));

#endif
