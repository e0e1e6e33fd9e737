/* The agent's loop: one poll over a signalfd (SIGCHLD for workers and
 * container monitors, SIGTERM/SIGINT for shutdown) and the watch thread's
 * pipe, with timers for registration retries, lease keepalives and
 * reconciliation. Shutdown stops every task, reports it and revokes the
 * lease before returning. */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_internal.h"
#include "cleanup.h"
#include "clock.h"
#include "file.h"
#include "api.h"
#include "update.h"

static int setup_signals(struct agent *a, struct sk_err *err)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before the watch thread starts, so it inherits the mask. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return sk_fail(err, errno, "sigprocmask");
	if ((a->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return sk_fail(err, errno, "signalfd");
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* The first line of FILE (skiffctl node credentials writes one). */
static int read_password(const char *file, char *buf, size_t size, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;
	size_t len;
	if (sk_read_file(file, size - 1, &text, &len, err) < 0)
		return sk_wrap(err, "etcd password");
	len = strcspn(text, "\r\n");
	if (len == 0)
		return sk_fail(err, 0, "etcd password: %s is empty", file);
	memcpy(buf, text, len);
	buf[len] = '\0';
	return 0;
}

static int open_etcd(struct agent *a, struct sk_err *err)
{
	char endpoints[AGENT_MAX_ENDPOINTS * 260] = "", password[256];
	struct etcd_opts o = {0};

	for (size_t i = 0; i < a->cfg->n_endpoints; i++) {
		if (i)
			strcat(endpoints, ",");
		strcat(endpoints, a->cfg->endpoints[i]);
	}
	o.endpoints = endpoints;
	o.ca_file = a->cfg->ca_file[0] ? a->cfg->ca_file : NULL;
	o.cert_file = a->cfg->cert_file[0] ? a->cfg->cert_file : NULL;
	o.key_file = a->cfg->key_file[0] ? a->cfg->key_file : NULL;
	if (a->cfg->password_file[0]) {
		if (read_password(a->cfg->password_file, password, sizeof password, err) < 0)
			return -1;
		o.user = a->cfg->user;
		o.password = password;
	}
	/* A request stuck on a frozen member must leave time to renew the
	 * lease through another one: a quarter of the TTL, at most 3 s. */
	o.timeout_ms = a->cfg->lease_ttl_s * 1000 / 4;
	if (o.timeout_ms > 3000)
		o.timeout_ms = 3000;
	if (etcd_new(&o, &a->kv, err) < 0)
		return sk_wrap(err, "etcd client");
	return 0;
}

static void start_shutdown(struct agent *a)
{
	if (a->stopping)
		return;
	agent_log("shutting down: stopping tasks");
	a->stopping = 1;
	update_stop();
	a->shutdown_deadline = sk_now_ms() + (int64_t)(a->cfg->stop_timeout_s + 5) * 1000;
	tasks_step_all(a);
}

/* etcd refuses the node's user: node remove deleted it (or its password
 * was changed). The node is no longer the cluster's, so its tasks stop as
 * at shutdown (in order, with their grace periods) and the agent exits
 * rather than retry: under init it is restarted with init's growing
 * backoff, and it comes back only once an operator gives it credentials
 * again. It never rejoins by itself with a token its image may hold: a
 * removed node must stay removed. */
void agent_credentials_refused(struct agent *a, const struct sk_err *err)
{
	if (a->revoked)
		return;
	a->revoked = 1;
	agent_log("etcd refuses this node's credentials (user %s): %s", a->cfg->user, err->msg);
	agent_log("node %s was removed from the cluster (skiffctl node remove)? "
		  "stopping every task, then exiting",
		  a->cfg->node_id);
	start_shutdown(a);
}

static void reap(struct agent *a)
{
	struct worker_outcome o;
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
		if (!helpers_reaped(a, pid, wstatus) && !update_reaped(a, pid, wstatus) &&
		    worker_reaped(a, pid, wstatus, &o))
			tasks_worker_done(a, &o);
}

static void on_signals(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGCHLD) {
			reap(a);
			tasks_step_all(a);
		} else if (a->stopping) {
			agent_log("second signal, exiting now");
			exit(SK_EXIT_FAIL);
		} else {
			start_shutdown(a);
		}
	}
}

static int known_task(void *ctx, const char *id)
{
	return tasks_find(ctx, id) != NULL;
}

static void try_register(struct agent *a, int64_t now)
{
	struct sk_err err = {0};

	if (register_node(a, &err) == 0)
		return;
	if (err.cls == SK_ERR_AUTH)
		agent_credentials_refused(a, &err);
	else if (a->reachable)
		agent_log("%s", err.msg);
	a->next_register = now + 1000;
}

static void on_timers(struct agent *a)
{
	int64_t now = sk_now_ms();

	if (!a->registered && !a->revoked && now >= a->next_register)
		try_register(a, now);
	if (a->registered && !a->revoked && now >= a->next_keepalive)
		register_keepalive(a);
	if (now >= a->next_log_sweep) {
		a->next_log_sweep = now + 60000;
		driver_logs_sweep(a->drv, known_task, a, a->cfg->log_retention_s);
	}
	if (now >= a->next_reconcile) {
		a->next_reconcile = now + a->cfg->reconcile_ms;
		tasks_step_all(a);
		tasks_report_all(a, 0);
	} else if (now >= tasks_next_due(a)) { /* a health check or a SIGKILL */
		tasks_step_all(a);
	}
	helpers_tick(a);
	update_tick(a);
}

static int next_timeout(const struct agent *a)
{
	int64_t now = sk_now_ms(), next = a->next_reconcile, due = tasks_next_due(a);

	if (due < next)
		next = due;
	if (!a->registered && !a->revoked && a->next_register < next)
		next = a->next_register;
	if (a->registered && !a->revoked && a->next_keepalive < next)
		next = a->next_keepalive;
	next = helpers_next(a, next);
	next = update_next(next);
	return next <= now ? 0 : (int)(next - now);
}

static int shutdown_done(struct agent *a)
{
	if (!a->stopping)
		return 0;
	if (!tasks_all_stopped(a) && sk_now_ms() < a->shutdown_deadline)
		return 0;
	tasks_report_all(a, 0);
	register_revoke(a);
	helpers_stop(a);
	agent_log("stopped");
	return 1;
}

static int loop(struct agent *a, struct sk_err *err)
{
	struct pollfd fds[3] = {{.fd = a->sigfd, .events = POLLIN},
				{.fd = a->q_pipe[0], .events = POLLIN},
				{.events = POLLIN}};

	for (;;) {
		fds[2].fd = update_fd(); /* -1 (ignored) when no update runs */
		int n = poll(fds, 3, next_timeout(a));
		if (n < 0 && errno != EINTR)
			return sk_fail(err, errno, "poll");
		if (n > 0 && (fds[0].revents & POLLIN))
			on_signals(a);
		if (n > 0 && (fds[1].revents & POLLIN))
			watch_drain(a);
		if (n > 0 && fds[2].fd >= 0 && (fds[2].revents & (POLLIN | POLLHUP)))
			update_on_worker(a);
		on_timers(a);
		snapshot_update(a);
		if (shutdown_done(a))
			return a->revoked ? sk_fail(err, 0,
						    "etcd refused node %s's credentials: "
						    "tasks stopped, not retrying",
						    a->cfg->node_id)
					  : 0;
	}
}

static struct agent the_agent;

int agent_run(const struct agent_config *cfg, struct sk_err *err)
{
	struct agent *a = &the_agent;

	a->cfg = cfg;
	a->reachable = 1;
	if ((size_t)snprintf(a->prefix, sizeof a->prefix, "/skiff/%s/", cfg->cluster) >=
		sizeof a->prefix ||
	    (size_t)snprintf(a->assign_pfx, sizeof a->assign_pfx, "%sassign/%s/", a->prefix,
			     cfg->node_id) >= sizeof a->assign_pfx ||
	    (size_t)snprintf(a->update_key, sizeof a->update_key, "%supdates/%s", a->prefix,
			     cfg->node_id) >= sizeof a->update_key)
		return sk_fail(err, 0, "cluster name or node id too long");
	/* Container monitors that lose their parent come to us, not to PID 1. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (setup_signals(a, err) < 0 || open_etcd(a, err) < 0)
		return -1;
	if (driver_open(cfg, &a->drv, err) < 0)
		return sk_wrap(err, "runtime");
	if (reconcile_adopt(a, err) < 0)
		return -1;
	update_init(a);
	/* The node record first: the helpers and the watch threads start
	 * with requests of their own, and on a one-CPU node their start-up
	 * would come before it (about 50 ms under TCG). A failure is retried
	 * by the loop. */
	a->next_register = sk_now_ms();
	try_register(a, a->next_register);
	/* Before the watch thread: the helpers are forked from one thread. */
	if (cfg->api.cert_file[0] && api_open(cfg, &a->api, err) < 0)
		return -1;
	helpers_init(a);
	if (watch_start(a, err) < 0)
		return -1;
	agent_log("node %s, cluster %s, watching %s", cfg->node_id, cfg->cluster, a->assign_pfx);
	a->next_reconcile = sk_now_ms();
	return loop(a, err);
}
