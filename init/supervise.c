/* Service supervision (see supervise.h). State per service:
 *   IDLE -> RUNNING -> (exit) -> BACKOFF -> RUNNING ...
 *                             -> DONE (restart policy says no, or shutdown)
 * A service's stdout and stderr are one pipe that init reads, line by
 * line, into the console and the node's log ring (log.h); the pipe lives
 * as long as init, across restarts. */
#define _GNU_SOURCE
#include "supervise.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "mounts.h"

enum service_state { SVC_IDLE, SVC_RUNNING, SVC_BACKOFF, SVC_DONE };

struct service {
	const struct service_config *cfg;
	enum service_state state;
	pid_t pid;
	int console; /* gets the console as its controlling terminal */
	unsigned backoff_ms;
	long long started_ms, restart_at_ms;
	char cgroup[128]; /* "" if the service runs in init's cgroup */
	int out[2];	  /* its stdout and stderr; -1 for the console shell */
	char line[1024];  /* what it printed since its last newline */
	size_t line_len;
};

static struct service services[CONFIG_MAX_SERVICES + 1];
static size_t n_services;
static int stopping;

static struct service_config console_cfg = {
    .name = "console",
    .argv = {"/bin/sh", NULL},
    .envp = {"TERM=linux", "HOME=/", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL},
    .restart = RESTART_ALWAYS,
};
static char console_tty[144] = "/dev/console";

static void make_cgroup(struct service *s)
{
	snprintf(s->cgroup, sizeof s->cgroup, "%s/%s", CGROUP_SERVICES, s->cfg->name);
	if (mkdir(s->cgroup, 0755) < 0 && errno != EEXIST) {
		logwarn("service %s: mkdir %s: %s", s->cfg->name, s->cgroup, strerror(errno));
		s->cgroup[0] = '\0';
	}
}

static struct service *add_service(const struct service_config *cfg)
{
	struct service *s = &services[n_services++];

	memset(s, 0, sizeof *s);
	s->cfg = cfg;
	s->backoff_ms = BACKOFF_INITIAL_MS;
	if (pipe2(s->out, O_CLOEXEC) < 0) {
		logwarn("service %s: pipe: %s (its output goes to the console only)", cfg->name,
			strerror(errno));
		s->out[0] = s->out[1] = -1;
	} else {
		fcntl(s->out[0], F_SETFL, O_NONBLOCK);
	}
	make_cgroup(s);
	return s;
}

static void flush_line(struct service *s)
{
	log_service_line(s->cfg->name, s->line, s->line_len);
	s->line_len = 0;
}

/* What a service printed: whole lines to the log, the rest kept. */
static void read_output(struct service *s)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(s->out[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n')
				flush_line(s);
			else if (s->line_len == sizeof s->line)
				flush_line(s), s->line[s->line_len++] = buf[i];
			else
				s->line[s->line_len++] = buf[i];
		}
	}
}

size_t supervise_output_fds(struct pollfd *p, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < n_services && n < max; i++)
		p[n++] = (struct pollfd){.fd = services[i].out[0], .events = POLLIN};
	return n;
}

void supervise_read_output(void)
{
	for (size_t i = 0; i < n_services; i++)
		if (services[i].out[0] >= 0)
			read_output(&services[i]);
}

void supervise_init(const struct node_config *cfg)
{
	for (size_t i = 0; i < cfg->n_services; i++) {
		if (cfg->services[i].disabled)
			logmsg("service %s disabled", cfg->services[i].name);
		else
			add_service(&cfg->services[i]);
	}
}

/* /dev/console cannot do job control; the tty behind it (the last one in
 * console/active, e.g. ttyS0) can. */
static void find_console_tty(void)
{
	char buf[128];
	ssize_t n = sk_read_small("/sys/class/tty/console/active", buf, sizeof buf);

	if (n <= 0)
		return;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	char *last = strrchr(buf, ' ');
	snprintf(console_tty, sizeof console_tty, "/dev/%s", last ? last + 1 : buf);
	if (access(console_tty, R_OK | W_OK) < 0)
		strcpy(console_tty, "/dev/console");
}

void supervise_add_console(void)
{
	for (size_t i = 0; i < n_services; i++)
		if (services[i].console)
			return;
	if (access(console_cfg.argv[0], X_OK) < 0) {
		logwarn("debug: %s: %s, no shell on the console", console_cfg.argv[0],
			strerror(errno));
		return;
	}
	for (size_t i = 0; i < n_services; i++)
		if (strcmp(services[i].cfg->name, console_cfg.name) == 0) {
			logwarn("debug: a service is already named console, no shell");
			return;
		}
	find_console_tty();
	logmsg("debug: starting a shell on the console");
	struct service *s = add_service(&console_cfg);
	s->console = 1;
	for (int i = 0; i < 2; i++)
		if (s->out[i] >= 0)
			close(s->out[i]), s->out[i] = -1;
}

static void reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void join_cgroup(const struct service *s)
{
	char path[160];
	int fd;

	if (!s->cgroup[0])
		return;
	snprintf(path, sizeof path, "%s/cgroup.procs", s->cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) < 0)
		logwarn("service %s: joining %s: %s", s->cfg->name, s->cgroup, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void take_console(void)
{
	int fd = open(console_tty, O_RDWR);

	if (fd < 0)
		return;
	ioctl(fd, TIOCSCTTY, 1);
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* In the child: never returns. */
static void child_exec(const struct service *s)
{
	reset_signals();
	setsid();
	join_cgroup(s);
	if (s->console) {
		take_console();
	} else if (s->out[1] >= 0) {
		dup2(s->out[1], STDOUT_FILENO);
		dup2(s->out[1], STDERR_FILENO);
	}
	if (chdir("/") < 0)
		_exit(126);
	execve(s->cfg->argv[0], s->cfg->argv, s->cfg->envp);
	logmsg("service %s: exec %s: %s", s->cfg->name, s->cfg->argv[0], strerror(errno));
	_exit(127);
}

static void schedule_restart(struct service *s, long long now)
{
	if (now - s->started_ms >= BACKOFF_RESET_MS)
		s->backoff_ms = BACKOFF_INITIAL_MS;
	s->restart_at_ms = now + s->backoff_ms;
	s->state = SVC_BACKOFF;
	logmsg("service %s restart in %u ms", s->cfg->name, s->backoff_ms);
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static void start_service(struct service *s, long long now)
{
	pid_t pid = fork();

	if (pid == 0)
		child_exec(s);
	s->started_ms = now;
	if (pid < 0) {
		logwarn("service %s: fork: %s", s->cfg->name, strerror(errno));
		schedule_restart(s, now);
		return;
	}
	s->pid = pid;
	s->state = SVC_RUNNING;
	logmsg("started service %s (pid %d)", s->cfg->name, (int)pid);
}

void supervise_start_all(long long now)
{
	for (size_t i = 0; i < n_services; i++)
		if (services[i].state == SVC_IDLE)
			start_service(&services[i], now);
}

static int wants_restart(const struct service *s, int status)
{
	int failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;

	switch (s->cfg->restart) {
	case RESTART_ALWAYS:
		return 1;
	case RESTART_ON_FAILURE:
		return failed;
	case RESTART_NEVER:
		break;
	}
	return 0;
}

static void service_exited(struct service *s, int status, long long now)
{
	s->pid = 0;
	if (stopping) {
		s->state = SVC_DONE;
		logmsg("shutdown: service %s stopped", s->cfg->name);
		return;
	}
	if (WIFSIGNALED(status))
		logmsg("service %s killed by signal %d", s->cfg->name, WTERMSIG(status));
	else
		logmsg("service %s exited with status %d", s->cfg->name, WEXITSTATUS(status));
	if (wants_restart(s, status)) {
		schedule_restart(s, now);
		return;
	}
	s->state = SVC_DONE;
	logmsg("service %s not restarted (restart %s)", s->cfg->name,
	       restart_policy_name(s->cfg->restart));
}

void supervise_reaped(pid_t pid, int status, long long now)
{
	for (size_t i = 0; i < n_services; i++)
		if (services[i].state == SVC_RUNNING && services[i].pid == pid) {
			service_exited(&services[i], status, now);
			return;
		}
}

void supervise_tick(long long now)
{
	if (stopping)
		return;
	for (size_t i = 0; i < n_services; i++)
		if (services[i].state == SVC_BACKOFF && services[i].restart_at_ms <= now)
			start_service(&services[i], now);
}

long long supervise_next_deadline(void)
{
	long long next = -1;

	for (size_t i = 0; i < n_services && !stopping; i++)
		if (services[i].state == SVC_BACKOFF &&
		    (next < 0 || services[i].restart_at_ms < next))
			next = services[i].restart_at_ms;
	return next;
}

/* The whole process group, so that a shell's children go too. */
static void signal_service(const struct service *s, int sig)
{
	if (kill(-s->pid, sig) < 0)
		kill(s->pid, sig);
}

void supervise_stop_all(void)
{
	stopping = 1;
	for (size_t i = 0; i < n_services; i++) {
		struct service *s = &services[i];
		if (s->state == SVC_RUNNING) {
			signal_service(s, SIGTERM);
			/* An interactive shell ignores SIGTERM but not a hangup. */
			if (s->console)
				signal_service(s, SIGHUP);
			signal_service(s, SIGCONT);
		} else {
			s->state = SVC_DONE;
		}
	}
}

size_t supervise_running(void)
{
	size_t n = 0;

	for (size_t i = 0; i < n_services; i++)
		n += services[i].state == SVC_RUNNING;
	return n;
}

void supervise_kill_all(void)
{
	for (size_t i = 0; i < n_services; i++) {
		struct service *s = &services[i];
		if (s->state != SVC_RUNNING)
			continue;
		logmsg("shutdown: service %s did not stop in time, killing it", s->cfg->name);
		signal_service(s, SIGKILL);
	}
}
