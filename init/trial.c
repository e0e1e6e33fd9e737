/* The trial watchdog (see trial.h): two small reads at boot, then one
 * deadline in the main loop. Nothing allocates. */
#include "trial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "log.h"
#include "root_slot.h"
#include "shutdown.h"

static struct trial armed;
static long long deadline = -1;

/* The value of KEY= at the start of a line of TEXT, copied into OUT. */
static int value(const char *text, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t len = strcspn(p + klen + 1, "\n");
			if (len == 0 || len >= cap)
				return -1;
			memcpy(out, p + klen + 1, len);
			out[len] = '\0';
			return 0;
		}
	return -1;
}

int trial_parse(const char *text, struct trial *out)
{
	char secs[16], *end;
	unsigned long s;

	memset(out, 0, sizeof *out);
	if (value(text, "version", out->version, sizeof out->version) < 0 ||
	    value(text, "slot", out->slot, sizeof out->slot) < 0 ||
	    value(text, "deadline_s", secs, sizeof secs) < 0)
		return -1;
	errno = 0;
	s = strtoul(secs, &end, 10);
	if (*end || errno || s == 0 || s > TRIAL_MAX_S ||
	    strspn(secs, "0123456789") != strlen(secs))
		return -1;
	if (strcmp(out->slot, "a") != 0 && strcmp(out->slot, "b") != 0)
		return -1;
	out->deadline_s = (unsigned)s;
	return 0;
}

void trial_arm(long long now)
{
	char text[256], slot[2], version[33];
	struct trial t;

	if (sk_read_small(TRIAL_PATH, text, sizeof text) < 0)
		return; /* no update on trial: the common case */
	if (trial_parse(text, &t) < 0) {
		logwarn("trial: %s: expected version=, slot=a|b and deadline_s=1..%d; ignored",
			TRIAL_PATH, TRIAL_MAX_S);
		return;
	}
	if (sk_read_small(BOOT_STATE_PATH, text, sizeof text) < 0 ||
	    value(text, "slot", slot, sizeof slot) < 0 ||
	    value(text, "version", version, sizeof version) < 0)
		return;
	/* Another slot or version booted: a rollback, which the agent reports. */
	if (strcmp(slot, t.slot) != 0 || strcmp(version, t.version) != 0) {
		logmsg("trial: %s names version %s in slot %s, but version %s in slot %s booted",
		       TRIAL_PATH, t.version, t.slot, version, slot);
		return;
	}
	armed = t;
	deadline = now + (long long)t.deadline_s * 1000;
	logmsg("trial: version %s in slot %s must be marked good within %u s", t.version, t.slot,
	       t.deadline_s);
}

long long trial_deadline(void)
{
	return deadline;
}

static void write_reason(const char *text)
{
	SK_AUTOCLOSE int fd =
	    open(TRIAL_REASON_PATH, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		logwarn("trial: writing %s: %s", TRIAL_REASON_PATH, strerror(errno));
}

void trial_tick(long long now, unsigned grace_ms)
{
	char reason[160];

	if (deadline < 0 || now < deadline)
		return;
	deadline = -1;
	if (access(TRIAL_PATH, F_OK) < 0) {
		logmsg("trial: version %s was marked good", armed.version);
		return;
	}
	snprintf(reason, sizeof reason,
		 "version %s was not healthy within %u s (the agent did not mark the boot good)\n",
		 armed.version, armed.deadline_s);
	write_reason(reason);
	logwarn("trial: %.*s; rebooting into the previous version", (int)strlen(reason) - 1,
		reason);
	shutdown_request(SHUTDOWN_REBOOT, "update trial failed", grace_ms);
}
