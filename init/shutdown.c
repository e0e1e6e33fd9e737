/* The shutdown sequence (see shutdown.h). The grace period runs inside the
 * main loop, which keeps reaping; the rest is linear. */
#include "shutdown.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "disk_boot.h"
#include "log.h"
#include "mounts.h"
#include "supervise.h"
#include "clock.h"

#define REAP_WAIT_MS 2000

static enum shutdown_action pending = SHUTDOWN_NONE;
static long long deadline = -1;

void shutdown_request(enum shutdown_action action, const char *why, unsigned grace_ms)
{
	if (pending != SHUTDOWN_NONE)
		return;
	pending = action;
	logmsg("shutdown: %s", why);
	logmsg("shutdown: stopping services (grace %u ms)", grace_ms);
	deadline = sk_now_ms() + grace_ms;
	supervise_stop_all();
}

int shutdown_pending(void)
{
	return pending != SHUTDOWN_NONE;
}

long long shutdown_deadline(void)
{
	return deadline;
}

/* After SIGKILL everything exits promptly, except processes stuck in
 * uninterruptible sleep, which must not hang the shutdown. */
static void reap_all(void)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	long long until = sk_now_ms() + REAP_WAIT_MS;
	pid_t pid;

	while (sk_now_ms() < until) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (pid < 0 && errno == ECHILD)
			return;
		nanosleep(&tick, NULL);
	}
	logwarn("shutdown: some processes did not exit");
}

void shutdown_finish(void)
{
	int reboot_cmd = pending == SHUTDOWN_REBOOT ? RB_AUTOBOOT : RB_POWER_OFF;

	supervise_kill_all();
	logmsg("shutdown: killing remaining processes");
	kill(-1, SIGKILL);
	reap_all();
	logmsg("shutdown: sync");
	sync();
	disk_teardown();
	mounts_teardown();
	logmsg("shutdown: %s", reboot_cmd == RB_AUTOBOOT ? "reboot" : "power off");
	reboot(reboot_cmd);
	/* PID 1 must never exit: the kernel would panic. */
	logmsg("fatal: reboot: %s", strerror(errno));
	for (;;)
		pause();
}
