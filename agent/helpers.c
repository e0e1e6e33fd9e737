/* The agent's helper processes: the node API listener (api_listen.c) and
 * the log shipper (logship.c). Each runs apart from the loop so that no
 * client or collector can hold up task handling; the loop only starts
 * them, restarts one that died (with backoff, as init does for services)
 * and stops them at shutdown. The shipper starts once something is to be
 * shipped. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "agent_internal.h"
#include "api.h"
#include "logship.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS	 30000

static pid_t spawn_api(struct agent *a, struct sk_err *err)
{
	return api_spawn(a->api, err);
}

static pid_t spawn_logship(struct agent *a, struct sk_err *err)
{
	return logship_spawn(a->cfg, err);
}

static void start(struct agent *a, struct helper *h)
{
	struct sk_err err = {0};
	pid_t pid = h->spawn(a, &err);

	if (pid < 0) {
		agent_log("%s: %s", h->name, err.msg);
		h->restart_at = sk_now_ms() + h->backoff_ms;
		return;
	}
	h->pid = pid;
	h->started_at = sk_now_ms();
	h->restart_at = 0;
}

void helpers_init(struct agent *a)
{
	a->helpers[HELPER_API] =
	    (struct helper){.name = "node API", .spawn = spawn_api, .backoff_ms = BACKOFF_FIRST_MS};
	a->helpers[HELPER_LOGSHIP] = (struct helper){
	    .name = "log shipper", .spawn = spawn_logship, .backoff_ms = BACKOFF_FIRST_MS};
	if (a->api) {
		start(a, &a->helpers[HELPER_API]);
		agent_log("node API on port %d as %s", a->cfg->api.port, a->cfg->api.name);
	}
	if (a->cfg->syslog.address[0])
		helpers_want_logship(a);
}

void helpers_want_logship(struct agent *a)
{
	struct helper *h = &a->helpers[HELPER_LOGSHIP];

	if (!h->wanted && !a->stopping) {
		h->wanted = 1;
		start(a, h);
	}
}

int helpers_reaped(struct agent *a, pid_t pid, int wstatus)
{
	for (int i = 0; i < HELPER_COUNT; i++) {
		struct helper *h = &a->helpers[i];
		if (h->pid != pid || pid <= 0)
			continue;
		h->pid = 0;
		if (a->stopping)
			return 1;
		if (sk_now_ms() - h->started_at > BACKOFF_MAX_MS)
			h->backoff_ms = BACKOFF_FIRST_MS;
		agent_log("%s ended (%s %d), restart in %u ms", h->name,
			  WIFSIGNALED(wstatus) ? "signal" : "status",
			  WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus),
			  h->backoff_ms);
		h->restart_at = sk_now_ms() + h->backoff_ms;
		h->backoff_ms =
		    h->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : h->backoff_ms * 2;
		return 1;
	}
	return 0;
}

void helpers_tick(struct agent *a)
{
	int64_t now = sk_now_ms();

	for (int i = 0; i < HELPER_COUNT; i++) {
		struct helper *h = &a->helpers[i];
		if (!h->pid && h->restart_at && now >= h->restart_at && !a->stopping)
			start(a, h);
	}
}

int64_t helpers_next(const struct agent *a, int64_t next)
{
	for (int i = 0; i < HELPER_COUNT; i++)
		if (!a->helpers[i].pid && a->helpers[i].restart_at &&
		    a->helpers[i].restart_at < next)
			next = a->helpers[i].restart_at;
	return next;
}

void helpers_stop(struct agent *a)
{
	for (int i = 0; i < HELPER_COUNT; i++) {
		struct helper *h = &a->helpers[i];
		if (h->pid > 0)
			kill(h->pid, SIGTERM);
		h->restart_at = 0;
	}
}
