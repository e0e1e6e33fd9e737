/* The update trial watchdog (docs/disk.md "Updates"). The agent writes
 * /var/lib/skiff/update/trial before rebooting into a new version; when
 * init boots that slot and version it arms a timer, and if the file is
 * still there when the timer fires (the agent never marked the boot good),
 * init writes trial.reason and reboots: systemd-boot has already used the
 * new entry's one try, so the firmware comes back up in the old slot. */
#ifndef SK_INIT_TRIAL_H
#define SK_INIT_TRIAL_H

#include <stddef.h>

#define TRIAL_PATH	  "/var/lib/skiff/update/trial"
#define TRIAL_REASON_PATH "/var/lib/skiff/update/trial.reason"
#define TRIAL_MAX_S	  86400

struct trial {
	char version[33];
	char slot[2];
	unsigned deadline_s;
};

/* Parses the trial file's text ("version=3\nslot=b\ndeadline_s=300\n");
 * -1 if a key is missing or malformed. */
int trial_parse(const char *text, struct trial *out);
/* Reads /run/skiff/boot and TRIAL_PATH; arms the timer at NOW + deadline
 * when the trial names the booted slot and version. */
void trial_arm(long long now);
/* CLOCK_MONOTONIC ms at which the trial ends, -1 if none. */
long long trial_deadline(void);
/* Called from the main loop: at the deadline, a trial file still present
 * means reboot (GRACE_MS for the services). */
void trial_tick(long long now, unsigned grace_ms);

#endif
