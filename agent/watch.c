/* The assignment watch: a thread of its own runs lib/etcd's list+watch
 * (etcd_sync) over the node's own prefix only, on its own connection,
 * and queues what it sees for the main loop, which it wakes through a
 * pipe. A second thread does the same for the node's updates/<node> key
 * (OS updates, update.c), which changes rarely and must not wait behind
 * a busy assignment stream. The thread never touches tasks; etcd_sync reconnects by itself
 * (also away from a member that stopped answering) and lists again when
 * its revision was compacted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_internal.h"
#include "update.h"

enum watch_kind {
	WATCH_RESET_BEGIN,
	WATCH_PUT,
	WATCH_DELETE,
	WATCH_RESET_END,
	WATCH_TROUBLE,
	WATCH_UPDATE, /* value: updates/<node>, NULL when deleted */
};

struct watch_msg {
	struct watch_msg *next;
	enum watch_kind kind;
	char *task;  /* PUT, DELETE */
	char *value; /* PUT; TROUBLE: the message */
};

static int push(struct agent *a, enum watch_kind kind, const char *task, const char *value)
{
	struct watch_msg *m = calloc(1, sizeof *m);
	char byte = 1;

	if (!m || (task && !(m->task = strdup(task))) || (value && !(m->value = strdup(value)))) {
		if (m) {
			free(m->task);
			free(m);
		}
		return -1;
	}
	m->kind = kind;
	pthread_mutex_lock(&a->q_lock);
	if (a->q_tail)
		a->q_tail->next = m;
	else
		a->q_head = m;
	a->q_tail = m;
	pthread_mutex_unlock(&a->q_lock);
	if (write(a->q_pipe[1], &byte, 1) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

/* The task id of an assignment key; NULL for anything deeper. */
static const char *task_of(const struct agent *a, const char *key)
{
	size_t n = strlen(a->assign_pfx);

	if (strncmp(key, a->assign_pfx, n) != 0 || !key[n] || strchr(key + n, '/'))
		return NULL;
	return key + n;
}

static int on_reset(void *ctx, const struct etcd_kv *kvs, size_t n, int64_t rev, struct sk_err *err)
{
	struct agent *a = ctx;

	if (push(a, WATCH_RESET_BEGIN, NULL, NULL) < 0)
		return sk_fail(err, ENOMEM, "queue");
	for (size_t i = 0; i < n; i++) {
		const char *task = task_of(a, kvs[i].key);
		if (task && push(a, WATCH_PUT, task, kvs[i].value) < 0)
			return sk_fail(err, ENOMEM, "queue");
	}
	if (push(a, WATCH_RESET_END, NULL, NULL) < 0)
		return sk_fail(err, ENOMEM, "queue");
	return 0;
}

static int on_event(void *ctx, const struct etcd_event *ev, int64_t rev, struct sk_err *err)
{
	struct agent *a = ctx;
	const char *task = task_of(a, ev->kv.key);

	if (!task)
		return 0;
	if (push(a, ev->type == ETCD_EV_PUT ? WATCH_PUT : WATCH_DELETE, task,
		 ev->type == ETCD_EV_PUT ? ev->kv.value : NULL) < 0)
		return sk_fail(err, ENOMEM, "queue");
	return 0;
}

static void on_trouble(void *ctx, const struct sk_err *err)
{
	push(ctx, WATCH_TROUBLE, NULL, err->msg);
}

/* The key alone (not a prefix): the node's role may read only its own. */
static int on_update_watch(void *ctx, const struct etcd_watch_resp *r, struct sk_err *err)
{
	struct agent *a = ctx;

	for (size_t i = 0; i < r->nevents; i++) {
		const struct etcd_event *ev = &r->events[i];
		if (push(a, WATCH_UPDATE, NULL, ev->type == ETCD_EV_PUT ? ev->kv.value : NULL) < 0)
			return sk_fail(err, ENOMEM, "queue");
	}
	return 0;
}

/* Reads the key, then watches it from the next revision; after any
 * break it reads again, so that nothing in between is missed. It starts
 * once the node is registered (its client's login must not compete with
 * the first lease grant: a password login costs etcd a bcrypt), and backs
 * off while etcd refuses the read (a role made before updates/ existed). */
static void *update_watch_main(void *arg)
{
	struct agent *a = arg;
	struct etcd_watch_req req = {.key = a->update_key};
	struct sk_err err = {0};
	struct etcd_kv kv;
	unsigned pause = 1;
	int64_t rev;

	while (!__atomic_load_n(&a->registered, __ATOMIC_RELAXED))
		sleep(1);
	for (;; sleep(pause)) {
		int found = etcd_get(a->update_kv, a->update_key, &kv, &rev, &err);
		if (found < 0) {
			pause = pause < 30 ? pause * 2 : 60;
			continue;
		}
		pause = 1;
		if (found) {
			int rc = push(a, WATCH_UPDATE, NULL, kv.value);
			etcd_kv_clear(&kv);
			if (rc < 0)
				continue;
		}
		req.start_revision = rev + 1;
		etcd_watch(a->update_kv, &req, a->cfg->lease_ttl_s * 1000, on_update_watch, a,
			   &err);
	}
	return NULL;
}

static void *watch_main(void *arg)
{
	struct agent *a = arg;
	/* A watch on a frozen or cut-off member would see nothing while the
	 * keepalives fail over: within a lease TTL it must prove its member
	 * alive or move on (see etcd_watch). */
	const struct etcd_sync_ops ops = {
	    .reset = on_reset,
	    .event = on_event,
	    .trouble = on_trouble,
	    .liveness_ms = a->cfg->lease_ttl_s * 1000,
	};
	struct sk_err err = {0};

	for (;;) {
		int rc = etcd_sync(a->watch_kv, a->assign_pfx, &ops, a, &err);
		push(a, WATCH_TROUBLE, NULL, err.msg);
		(void)rc;
		sleep(1);
	}
	return NULL;
}

int watch_start(struct agent *a, struct sk_err *err)
{
	pthread_t t;
	int rc;

	if (pipe2(a->q_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return sk_fail(err, errno, "pipe");
	pthread_mutex_init(&a->q_lock, NULL);
	if (etcd_dup(a->kv, &a->watch_kv, err) < 0)
		return sk_wrap(err, "watch client");
	if ((rc = pthread_create(&a->watch_thread, NULL, watch_main, a)) != 0)
		return sk_fail(err, rc, "watch thread");
	pthread_detach(a->watch_thread);
	if (a->cfg->os_updates_off)
		return 0;
	if (etcd_dup(a->kv, &a->update_kv, err) < 0)
		return sk_wrap(err, "update watch client");
	if ((rc = pthread_create(&t, NULL, update_watch_main, a)) != 0)
		return sk_fail(err, rc, "update watch thread");
	pthread_detach(t);
	return 0;
}

static struct watch_msg *pop(struct agent *a)
{
	struct watch_msg *m;

	pthread_mutex_lock(&a->q_lock);
	if ((m = a->q_head) && !(a->q_head = m->next))
		a->q_tail = NULL;
	pthread_mutex_unlock(&a->q_lock);
	return m;
}

static void apply_reset_end(struct agent *a)
{
	for (int i = 0; i < AGENT_MAX_TASKS; i++) {
		struct task *t = &a->tasks[i];
		if (t->used && !t->seen && t->assigned)
			tasks_unassign(a, t->id);
	}
	if (!a->synced)
		agent_log("assignments listed");
	a->synced = 1;
	tasks_step_all(a);
}

static char last_trouble[256];

static void apply(struct agent *a, struct watch_msg *m, int *in_reset)
{
	struct task *t;

	switch (m->kind) {
	case WATCH_RESET_BEGIN:
		*in_reset = 1;
		for (int i = 0; i < AGENT_MAX_TASKS; i++)
			a->tasks[i].seen = 0;
		break;
	case WATCH_PUT:
		tasks_assign(a, m->task, m->value);
		if ((t = tasks_find(a, m->task)))
			t->seen = 1;
		break;
	case WATCH_DELETE:
		tasks_unassign(a, m->task);
		break;
	case WATCH_RESET_END:
		*in_reset = 0;
		last_trouble[0] = '\0';
		apply_reset_end(a);
		break;
	case WATCH_UPDATE:
		update_request(a, m->value);
		break;
	case WATCH_TROUBLE:
		/* The same trouble every few seconds says nothing new. */
		if (strncmp(last_trouble, m->value ? m->value : "", sizeof last_trouble - 1)) {
			agent_log("assignment watch: %s", m->value ? m->value : "?");
			snprintf(last_trouble, sizeof last_trouble, "%s", m->value ? m->value : "");
		}
		break;
	}
}

void watch_drain(struct agent *a)
{
	static int in_reset;
	char buf[256];
	struct watch_msg *m;

	while (read(a->q_pipe[0], buf, sizeof buf) > 0)
		;
	while ((m = pop(a))) {
		apply(a, m, &in_reset);
		free(m->task);
		free(m->value);
		free(m);
	}
}
