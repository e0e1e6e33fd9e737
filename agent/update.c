/* OS updates in the agent loop (docs/cluster.md, "OS updates"): a new
 * value of updates/<node> starts the update worker (update_fetch.c) in a
 * child process; its steps become the node record's os.update state;
 * once the inactive slot and its boot entry are written, the agent writes
 * the trial file init's watchdog reads and asks init to reboot, which
 * stops the tasks in order on the normal shutdown path. After the reboot,
 * a node that booted the new version marks it good once healthy (agent
 * registered, every assigned task RUNNING); one that came back on the old
 * slot reports the update failed, with the reason init or the boot left.
 * An image is never tried twice under one rollout id. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_internal.h"
#include "clock.h"
#include "nodeinfo.h"
#include "update.h"
#include "update_internal.h"

static struct {
	struct update_boot boot;
	struct update_kept kept;
	pid_t worker;
	int fd;
	int ended;    /* the worker said how it ended */
	int stopping; /* the agent stopped the worker: the state stays */
	char buf[2048];
	size_t len;
	int on_trial;
	char *pending; /* a request that came while another update ran */
} up = {.fd = -1};

static void set_state(struct agent *a, const char *state, const char *reason)
{
	struct sk_err err = {0};

	snprintf(up.kept.u.state, sizeof up.kept.u.state, "%s", state);
	snprintf(up.kept.u.reason, sizeof up.kept.u.reason, "%s", reason ? reason : "");
	sk_now_rfc3339(up.kept.u.at, sizeof up.kept.u.at, 0);
	if (update_kept_write(&up.kept, &err) < 0)
		agent_log("update: %s", err.msg);
	agent_log("update %s (rollout %s): %s%s%s", up.kept.u.image, up.kept.u.rollout, state,
		  reason && *reason ? ": " : "", reason ? reason : "");
	if (a->registered)
		register_refresh(a);
}

static const char *other_slot(const char *slot)
{
	return strcmp(slot, "a") ? "a" : "b";
}

/* ---- after a reboot ---- */

static void ask_reboot(void)
{
	sync();
	/* init stops every service, the agent first among them, which stops
	 * the tasks in order, then reboots */
	if (kill(1, SIGINT) < 0)
		agent_log("update: ask init to reboot: %s", strerror(errno));
}

static int same_boot(void)
{
	char id[40] = "";
	struct sk_err err = {0};

	return nodeinfo_boot_id(id, sizeof id, &err) == 0 && up.kept.u.boot_id[0] &&
	       !strcmp(id, up.kept.u.boot_id);
}

/* The new version booted: it is on trial until healthy. */
static void begin_trial(struct agent *a)
{
	up.on_trial = 1;
	set_state(a, "trial", NULL);
}

static int booted_target(void)
{
	return up.boot.slot[0] && !strcmp(up.boot.slot, up.kept.u.slot) &&
	       !strcmp(up.boot.version, up.kept.u.target);
}

static void settle_trial(struct agent *a, const struct update_trial *t)
{
	char reason[512];

	if (up.kept.has_update && !strcmp(up.kept.u.state, "rebooting") && same_boot()) {
		/* the agent restarted before the reboot it asked for */
		agent_log("update: version %s is written; rebooting into it", t->version);
		ask_reboot();
		return;
	}
	if (up.boot.slot[0] && !strcmp(up.boot.slot, t->slot) &&
	    !strcmp(up.boot.version, t->version)) {
		begin_trial(a);
		return;
	}
	update_trial_reason(reason, sizeof reason);
	if (!reason[0])
		snprintf(reason, sizeof reason,
			 "version %s did not boot: kernel panic, fatal init error or root "
			 "verification failure",
			 t->version);
	update_trial_remove();
	set_state(a, "failed", reason);
}

/* A state.json whose update was cut short without a trial file. */
static void settle_interrupted(struct agent *a)
{
	const char *s = up.kept.u.state;
	char reason[512];

	/* the power went between the boot entry and the trial file: the new
	 * version booted all the same, once; it is marked good if healthy */
	if ((!strcmp(s, "writing") || !strcmp(s, "rebooting")) && booted_target()) {
		begin_trial(a);
		return;
	}
	if (!strcmp(s, "writing") || !strcmp(s, "rebooting")) {
		snprintf(reason, sizeof reason,
			 "the node restarted while writing slot %s; it still runs version %s",
			 up.kept.u.slot[0] ? up.kept.u.slot : "?", up.boot.version);
		set_state(a, "failed", reason);
	} else if (!strcmp(s, "trial") && booted_target()) {
		/* marked good (the entry renamed, then the trial file deleted)
		 * just before the agent stopped */
		snprintf(up.kept.previous, sizeof up.kept.previous, "%s", up.kept.u.from);
		set_state(a, "done", NULL);
	} else if (!strcmp(s, "trial")) {
		set_state(a, "failed", "the trial ended without its trial file");
	}
}

void update_init(struct agent *a)
{
	struct update_trial t;

	update_paths_init(a->cfg);
	update_boot_read(&up.boot);
	if (update_kept_read(&up.kept) < 0)
		agent_log("update: unreadable %s/state.json, starting afresh", update_dir());
	if (update_trial_read(&t))
		settle_trial(a, &t);
	else if (up.kept.has_update)
		settle_interrupted(a);
	if (up.boot.version[0])
		agent_log("OS version %s%s%s", up.boot.version, up.boot.slot[0] ? ", slot " : "",
			  up.boot.slot);
}

/* ---- a request ---- */

static int busy(void)
{
	const char *s = up.kept.u.state;
	return up.worker > 0 || up.on_trial || (up.kept.has_update && !strcmp(s, "rebooting"));
}

static pid_t spawn_worker(const struct update_job *job, int *fd_out)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		/* nothing of the agent's stays open in the worker but its pipe */
		syscall(SYS_close_range, 3U, (unsigned)p[1] - 1, 0U);
		syscall(SYS_close_range, (unsigned)p[1] + 1, ~0U, 0U);
		update_worker(job, p[1]);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*fd_out = p[0];
	return pid;
}

static void start(struct agent *a)
{
	struct update_job job = {.cfg = a->cfg};

	if (!up.boot.slot[0]) {
		set_state(a, "refused",
			  "this node did not boot from a Skiff disk image (no " UPDATE_BOOT_PATH
			  "): it has no root slot to update");
		return;
	}
	snprintf(job.image, sizeof job.image, "%s", up.kept.u.image);
	snprintf(job.running, sizeof job.running, "%s", up.boot.version);
	snprintf(job.slot, sizeof job.slot, "%s", other_slot(up.boot.slot));
	snprintf(up.kept.u.slot, sizeof up.kept.u.slot, "%s", job.slot);
	snprintf(up.kept.u.from, sizeof up.kept.u.from, "%s", up.boot.version);
	set_state(a, "downloading", NULL);
	up.len = 0;
	up.ended = 0;
	if ((up.worker = spawn_worker(&job, &up.fd)) < 0) {
		up.worker = 0;
		set_state(a, "failed", strerror(errno));
	}
}

/* {"image":"REF","rollout":"ID"}; NULL with a reason otherwise. */
static int request_parse(const char *value, char *image, size_t isize, char *rollout, size_t rsize)
{
	cJSON *j = cJSON_Parse(value);
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(j, "image");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "rollout");
	int ok = cJSON_IsString(i) && cJSON_IsString(r) && i->valuestring[0] && r->valuestring[0] &&
		 strlen(i->valuestring) < isize && strlen(r->valuestring) < rsize;

	if (ok) {
		strcpy(image, i->valuestring);
		strcpy(rollout, r->valuestring);
	}
	cJSON_Delete(j);
	return ok ? 0 : -1;
}

void update_request(struct agent *a, const char *value)
{
	char image[sizeof up.kept.u.image], rollout[sizeof up.kept.u.rollout];

	if (!value)
		return;
	if (request_parse(value, image, sizeof image, rollout, sizeof rollout) < 0) {
		agent_log("update: updates/%s: expected {\"image\":REF,\"rollout\":ID}, got %.200s",
			  a->cfg->node_id, value);
		return;
	}
	if (up.kept.has_update && !strcmp(image, up.kept.u.image) &&
	    !strcmp(rollout, up.kept.u.rollout)) {
		/* only a download cut short by a restart goes on */
		if (!busy() && !strcmp(up.kept.u.state, "downloading"))
			start(a);
		return;
	}
	if (busy()) {
		free(up.pending);
		up.pending = strdup(value);
		agent_log("update: %s waits until update %s ends", image, up.kept.u.image);
		return;
	}
	memset(&up.kept.u, 0, sizeof up.kept.u);
	up.kept.has_update = 1;
	snprintf(up.kept.u.image, sizeof up.kept.u.image, "%s", image);
	snprintf(up.kept.u.rollout, sizeof up.kept.u.rollout, "%s", rollout);
	start(a);
}

/* ---- the worker ---- */

int update_fd(void)
{
	return up.fd;
}

static void reboot_into(struct agent *a)
{
	struct update_trial t = {.deadline_s = a->cfg->update_health_timeout_s};
	struct sk_err err = {0};

	snprintf(t.version, sizeof t.version, "%s", up.kept.u.target);
	snprintf(t.slot, sizeof t.slot, "%s", up.kept.u.slot);
	if (update_trial_write(&t, &err) < 0) {
		set_state(a, "failed", err.msg);
		return;
	}
	nodeinfo_boot_id(up.kept.u.boot_id, sizeof up.kept.u.boot_id, &err);
	set_state(a, "rebooting", NULL);
	ask_reboot();
}

static void on_line(struct agent *a, char *line)
{
	char *arg = strchr(line, ' ');

	if (arg)
		*arg++ = '\0';
	if (!strcmp(line, "target") && arg) {
		char *slot = strchr(arg, ' ');
		if (slot)
			*slot = '\0';
		snprintf(up.kept.u.target, sizeof up.kept.u.target, "%s", arg);
		set_state(a, "downloading", NULL);
	} else if (!strcmp(line, "writing")) {
		set_state(a, "writing", NULL);
	} else if (!strcmp(line, "written")) {
		up.ended = 1;
		reboot_into(a);
	} else if (!strcmp(line, "refused") || !strcmp(line, "failed")) {
		up.ended = 1;
		set_state(a, line, arg ? arg : "");
	}
}

void update_on_worker(struct agent *a)
{
	ssize_t n;
	char *nl;

	while ((n = read(up.fd, up.buf + up.len, sizeof up.buf - 1 - up.len)) > 0) {
		up.len += (size_t)n;
		up.buf[up.len] = '\0';
		while ((nl = strchr(up.buf, '\n'))) {
			*nl = '\0';
			on_line(a, up.buf);
			up.len -= (size_t)(nl + 1 - up.buf);
			memmove(up.buf, nl + 1, up.len + 1);
		}
		if (up.len == sizeof up.buf - 1)
			up.len = 0; /* a line too long for the protocol */
	}
	if (n == 0) {
		close(up.fd);
		up.fd = -1;
	}
}

int update_reaped(struct agent *a, pid_t pid, int wstatus)
{
	char reason[128];

	if (pid != up.worker || pid <= 0)
		return 0;
	up.worker = 0;
	if (up.fd >= 0)
		update_on_worker(a);
	if (!up.ended && !up.stopping) {
		snprintf(reason, sizeof reason, "the update worker ended unexpectedly (%s %d)",
			 WIFSIGNALED(wstatus) ? "signal" : "status",
			 WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
		set_state(a, "failed", reason);
	}
	return 1;
}

/* ---- the trial ---- */

static int healthy(const struct agent *a)
{
	if (!a->registered || !a->synced)
		return 0;
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		const struct task *t = &a->tasks[i];
		if (t->used && t->assigned && t->state != TASK_RUNNING)
			return 0;
	}
	return 1;
}

static void mark_good(struct agent *a)
{
	struct update_disk d;
	struct sk_err err = {0};

	if (update_disk_find(&d, &err) < 0 || update_esp_mark_good(&d, up.boot.slot, &err) < 0) {
		agent_log("update: mark slot %s good: %s (trying again)", up.boot.slot, err.msg);
		return;
	}
	up.on_trial = 0;
	update_trial_remove();
	snprintf(up.kept.previous, sizeof up.kept.previous, "%s", up.kept.u.from);
	set_state(a, "done", NULL);
}

void update_tick(struct agent *a)
{
	if (up.on_trial && !a->stopping && healthy(a))
		mark_good(a);
	if (up.pending && !busy()) {
		char *v = up.pending;
		up.pending = NULL;
		update_request(a, v);
		free(v);
	}
}

void update_stop(void)
{
	/* a download resumes after the restart; an interrupted write fails */
	if (up.worker > 0) {
		up.stopping = 1;
		kill(up.worker, SIGTERM);
	}
}

int64_t update_next(int64_t next)
{
	int64_t soon = sk_now_ms() + 1000;

	return (up.on_trial || up.pending) && soon < next ? soon : next;
}

cJSON *update_os(void)
{
	return update_os_object(&up.boot, &up.kept);
}
