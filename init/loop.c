/* The main loop (see loop.h). Each wake-up handles signals, copies what
 * services printed into the log, reaps every zombie, restarts what is due
 * and advances the shutdown; then the timerfd is re-armed for the earliest
 * deadline. Nothing here allocates. */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "powerbutton.h"
#include "shutdown.h"
#include "supervise.h"
#include "trial.h"
#include "clock.h"

#define RESCAN_INTERVAL_MS 250
#define RESCAN_TRIES	   20

enum {
	FD_SIGNAL,
	FD_TIMER,
	FD_BUTTON0,
	FD_OUTPUT0 = FD_BUTTON0 + POWERBUTTON_MAX, /* services' output pipes */
	FD_COUNT = FD_OUTPUT0 + CONFIG_MAX_SERVICES + 1
};

static struct pollfd pfds[FD_COUNT];
static size_t n_buttons;
static int rescans_left = RESCAN_TRIES;
static long long rescan_at = -1;

static void init_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
	sigaddset(set, SIGHUP);
}

void loop_block_signals(void)
{
	sigset_t set;

	init_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static void scan_buttons(long long now)
{
	int fds[POWERBUTTON_MAX];

	n_buttons = powerbutton_open(fds, POWERBUTTON_MAX);
	for (size_t i = 0; i < n_buttons; i++)
		pfds[FD_BUTTON0 + i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	/* The input device can appear a little after its module loads. */
	rescan_at = n_buttons == 0 && rescans_left-- > 0 ? now + RESCAN_INTERVAL_MS : -1;
	if (n_buttons == 0 && rescan_at < 0)
		logwarn("no power button found");
}

void loop_prepare(void)
{
	sigset_t set;

	for (size_t i = 0; i < FD_COUNT; i++)
		pfds[i] = (struct pollfd){.fd = -1};
	init_signals(&set);
	pfds[FD_SIGNAL].fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	pfds[FD_TIMER].fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pfds[FD_SIGNAL].fd < 0 || pfds[FD_TIMER].fd < 0)
		logwarn("signalfd/timerfd: %s", strerror(errno));
	pfds[FD_SIGNAL].events = pfds[FD_TIMER].events = POLLIN;
	scan_buttons(sk_now_ms());
}

static void on_signal(int sig, unsigned grace_ms)
{
	switch (sig) {
	case SIGTERM:
		shutdown_request(SHUTDOWN_POWEROFF, "SIGTERM", grace_ms);
		break;
	case SIGUSR2:
		shutdown_request(SHUTDOWN_POWEROFF, "SIGUSR2", grace_ms);
		break;
	case SIGUSR1: /* busybox halt: a VM has nothing better to do than power off */
		shutdown_request(SHUTDOWN_POWEROFF, "SIGUSR1", grace_ms);
		break;
	case SIGINT:
		shutdown_request(SHUTDOWN_REBOOT, "SIGINT (ctrl-alt-del)", grace_ms);
		break;
	}
}

static void read_signals(unsigned grace_ms)
{
	struct signalfd_siginfo si[8];
	ssize_t n;

	while ((n = read(pfds[FD_SIGNAL].fd, si, sizeof si)) > 0)
		for (size_t i = 0; i < (size_t)n / sizeof *si; i++)
			on_signal((int)si[i].ssi_signo, grace_ms);
}

static void reap(long long now)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		supervise_reaped(pid, status, now);
}

static void read_buttons(unsigned grace_ms)
{
	for (size_t i = 0; i < n_buttons; i++) {
		struct pollfd *p = &pfds[FD_BUTTON0 + i];
		if (p->fd < 0 || !p->revents)
			continue;
		int r = powerbutton_pressed(p->fd);
		if (r > 0)
			shutdown_request(SHUTDOWN_POWEROFF, "power button", grace_ms);
		if (r < 0) {
			close(p->fd);
			p->fd = -1;
		}
	}
}

static long long earliest(long long a, long long b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static void arm_timer(void)
{
	long long at = earliest(earliest(supervise_next_deadline(), rescan_at), trial_deadline());
	struct itimerspec its = {0};

	if (shutdown_pending())
		at = earliest(at, shutdown_deadline());
	if (at >= 0) {
		at = at > 0 ? at : 1; /* zero would disarm */
		its.it_value.tv_sec = at / 1000;
		its.it_value.tv_nsec = at % 1000 * 1000000;
	}
	timerfd_settime(pfds[FD_TIMER].fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void step(const struct node_config *cfg)
{
	unsigned long long expirations;
	long long now;

	if (pfds[FD_SIGNAL].revents)
		read_signals(cfg->grace_ms);
	if (pfds[FD_TIMER].revents)
		while (read(pfds[FD_TIMER].fd, &expirations, sizeof expirations) > 0)
			;
	read_buttons(cfg->grace_ms);
	/* Before reaping: a service's last lines come before its exit. */
	supervise_read_output();
	now = sk_now_ms();
	reap(now);
	supervise_tick(now);
	if (rescan_at >= 0 && now >= rescan_at)
		scan_buttons(now);
	trial_tick(now, cfg->grace_ms);
	if (shutdown_pending() && (supervise_running() == 0 || now >= shutdown_deadline()))
		shutdown_finish();
}

void loop_run(const struct node_config *cfg)
{
	/* poll() rewrites every revents; the first step sees zeros. */
	for (;;) {
		step(cfg);
		arm_timer();
		supervise_output_fds(pfds + FD_OUTPUT0, FD_COUNT - FD_OUTPUT0);
		/* Without a signalfd, polling is the only way to notice children. */
		int timeout = pfds[FD_SIGNAL].fd < 0 ? 1000 : -1;
		if (poll(pfds, FD_COUNT, timeout) < 0 && errno != EINTR) {
			logwarn("poll: %s", strerror(errno));
			sleep(1);
		}
	}
}
