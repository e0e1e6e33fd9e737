/* skiff-scale-sim: a simulated cluster for bench/scale.sh, in one process
 * on lib/etcd. N nodes register as the agent does (a node record under a
 * lease of their own, one keepalive POST per lease every TTL/3); a fake
 * agent watches the assignments and answers each with the status record
 * the agent would write (RUNNING, or STOPPED when asked to stop). It then
 * creates services totalling T tasks through skiffctl, measures the time
 * until every task is placed and RUNNING, kills a share of the nodes (their
 * keepalives stop, as when a machine dies) and measures the time until
 * their tasks run elsewhere. Prints one line of key=value figures.
 *
 * Deliberate differences from N real agents: one watch over assign/ of the
 * whole cluster instead of one per node, and status records written in
 * multi-put transactions instead of one put each (etcd applies the same
 * writes; the simulator must not be the bottleneck on 2 cores). */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl/hmap.h"
#include "etcd.h"
#include "http.h"
#include "clock.h"

#define KEEPALIVE_THREADS 16
#define REGISTER_THREADS  4
#define WRITERS		  2
#define MAX_TXN_OPS	  128

struct opts {
	const char *endpoints, *cluster, *skiffctl, *taskdef;
	long nodes, tasks, services, ttl, kill_pct, timeout_s, sched_pid, etcd_pid;
	int hold;
};

struct node {
	char id[24];
	int64_t lease;
	int64_t next_keepalive;
	int64_t last_renewed; /* when the last good keepalive was sent */
	volatile int killed;
};

/* What the fake agent knows of one task. */
struct task {
	char id[40];
	int node;
	int assigned;	  /* an assignment exists */
	int want_running; /* its desiredStatus */
	int acked;	  /* RUNNING written for the current assignment */
	int ever;	  /* was ever assigned (placed) */
};

struct status_write {
	int node;
	char task[40];
	int running;
};

static struct opts o;
static struct node *nodes;
static char prefix[128];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap tasks; /* id → struct task */
static long placed_ever, running_alive;
/* one queue per writer, by node: a task's writes stay in order */
static struct queue {
	struct status_write *w;
	size_t head, len, cap;
	pthread_cond_t cond;
} queues[WRITERS];
static long own_txns;
static long leases_lost; /* the simulator failed to keep a node alive: it registered again */

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("skiff-scale-sim: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static struct etcd *client_with(int timeout_ms)
{
	struct etcd_opts eo = {.endpoints = o.endpoints, .timeout_ms = timeout_ms};
	struct etcd *e;
	struct sk_err err = {0};
	if (etcd_new(&eo, &e, &err) < 0)
		die("%s", err.msg);
	return e;
}

static struct etcd *client(void)
{
	return client_with(30000);
}

/* ---- tasks table ---- */

static struct task *task_get(const char *id)
{
	struct task *t = hmap_get(&tasks, id);
	if (t)
		return t;
	if (!(t = calloc(1, sizeof *t)))
		die("out of memory");
	snprintf(t->id, sizeof t->id, "%s", id);
	t->node = -1;
	if (hmap_put(&tasks, t->id, t) < 0)
		die("out of memory");
	return t;
}

/* Keeps running_alive = tasks acked RUNNING, assigned, wanted, node alive. */
static int counts(const struct task *t)
{
	return t->assigned && t->want_running && t->acked && t->node >= 0 && !nodes[t->node].killed;
}

/* ---- node records and leases ---- */

static void node_record(const struct node *n, char *buf, size_t size)
{
	snprintf(buf, size,
		 "{\"id\":\"%s\",\"hostname\":\"%s\",\"addresses\":[\"10.%d.%d.%d\"],"
		 "\"cpu\":16384,\"memory\":65536,\"labels\":{\"zone\":\"z%d\"},"
		 "\"versions\":{\"skiff\":\"sim\",\"kernel\":\"sim\"},"
		 "\"boot_id\":\"00000000-0000-0000-0000-%012d\","
		 "\"registered_at\":\"2024-01-01T00:00:00Z\"}",
		 n->id, n->id, (int)(n - nodes) >> 16 & 255, (int)(n - nodes) >> 8 & 255,
		 (int)(n - nodes) & 255, (int)(n - nodes) % 3, (int)(n - nodes));
}

/* A node record under a new lease, as the agent registers. */
static int register_node(struct etcd *e, struct node *n, struct sk_err *err)
{
	char key[256], rec[1024];
	int64_t lease;
	node_record(n, rec, sizeof rec);
	snprintf(key, sizeof key, "%snodes/%s", prefix, n->id);
	if (etcd_lease_grant(e, o.ttl, 0, &lease, NULL, err) < 0 ||
	    etcd_put(e, key, rec, strlen(rec), lease, NULL, NULL, err) < 0)
		return -1;
	n->last_renewed = sk_now_ms();
	n->next_keepalive = n->last_renewed + o.ttl * 1000 / 3;
	__atomic_store_n(&n->lease, lease, __ATOMIC_RELEASE);
	return 0;
}

static void *register_main(void *arg)
{
	long k = (long)arg;
	struct etcd *e = client();
	struct sk_err err = {0};
	for (long i = k; i < o.nodes; i += REGISTER_THREADS)
		if (register_node(e, &nodes[i], &err) < 0)
			die("register %s: %s", nodes[i].id, err.msg);
	etcd_free(e);
	return NULL;
}

/* One node's turn: a keepalive when due; a lost lease means registering
 * again, as the agent does (counted: the simulator fell behind). */
static void keep_alive(struct etcd *e, struct node *n)
{
	struct sk_err err = {0};
	int64_t sent = sk_now_ms();
	int rc = etcd_lease_keepalive(e, n->lease, NULL, &err);
	if (rc < 0 && err.cls == SK_ERR_GONE) {
		__atomic_add_fetch(&leases_lost, 1, __ATOMIC_RELAXED);
		rc = register_node(e, n, &err);
		if (rc == 0)
			return;
	}
	if (rc < 0)
		fprintf(stderr, "keepalive %s: %s\n", n->id, err.msg);
	if (rc == 0)
		__atomic_store_n(&n->last_renewed, sent, __ATOMIC_RELAXED);
	/* as the agent: every TTL/3, a second after a failure */
	n->next_keepalive = sent + (rc == 0 ? o.ttl * 1000 / 3 : 1000);
}

/* Runs from the start, beside the registration: a node is kept alive as
 * soon as it has a lease. */
static void *keepalive_main(void *arg)
{
	long k = (long)arg;
	struct etcd *e = client_with(3000); /* as the agent's */
	for (;;) {
		int64_t next = sk_now_ms() + 1000;
		for (long i = k; i < o.nodes; i += KEEPALIVE_THREADS) {
			struct node *n = &nodes[i];
			if (n->killed || !__atomic_load_n(&n->lease, __ATOMIC_ACQUIRE))
				continue;
			if (n->next_keepalive <= sk_now_ms())
				keep_alive(e, n);
			if (n->next_keepalive < next)
				next = n->next_keepalive;
		}
		int64_t wait = next - sk_now_ms();
		if (wait > 0)
			usleep((useconds_t)(wait > 200 ? 200 : wait) * 1000);
	}
	return NULL;
}

/* ---- the fake agent ---- */

static void enqueue(int node, const char *task, int running)
{
	struct queue *q = &queues[node % WRITERS];
	if (q->head + q->len == q->cap) {
		memmove(q->w, q->w + q->head, q->len * sizeof *q->w);
		q->head = 0;
	}
	if (q->len == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 4096;
		if (!(q->w = realloc(q->w, q->cap * sizeof *q->w)))
			die("out of memory");
	}
	struct status_write *w = &q->w[q->head + q->len++];
	w->node = node;
	w->running = running;
	snprintf(w->task, sizeof w->task, "%s", task);
	pthread_cond_signal(&q->cond);
}

/* assign/<node>/<task> → node index and task id; -1 if not ours. */
static int parse_assign_key(const char *key, const char **task)
{
	const char *rel = key + strlen(prefix);
	if (strncmp(rel, "assign/sim-", 11) != 0)
		return -1;
	char *end;
	long n = strtol(rel + 11, &end, 10);
	if (*end != '/' || n < 0 || n >= o.nodes)
		return -1;
	*task = end + 1;
	return (int)n;
}

static void on_assign(const char *key, const char *value, int deleted)
{
	const char *id;
	int node = parse_assign_key(key, &id);
	if (node < 0)
		return;
	pthread_mutex_lock(&lock);
	struct task *t = task_get(id);
	running_alive -= counts(t);
	if (deleted) {
		t->assigned = 0;
	} else {
		cJSON *j = cJSON_Parse(value);
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "desiredStatus");
		int want = !(cJSON_IsString(d) && strcmp(d->valuestring, "STOPPED") == 0);
		cJSON_Delete(j);
		if (!t->assigned || t->node != node)
			t->acked = 0;
		placed_ever += !t->ever;
		t->ever = t->assigned = 1;
		t->node = node;
		if (!nodes[node].killed && (want != t->want_running || !t->acked))
			enqueue(node, id, want);
		t->want_running = want;
	}
	running_alive += counts(t);
	pthread_mutex_unlock(&lock);
}

static int w_reset(void *ctx, const struct etcd_kv *kvs, size_t n, int64_t rev, struct sk_err *err)
{
	for (size_t i = 0; i < n; i++)
		on_assign(kvs[i].key, kvs[i].value, 0);
	return 0;
}

static int w_event(void *ctx, const struct etcd_event *ev, int64_t rev, struct sk_err *err)
{
	on_assign(ev->kv.key, ev->kv.value, ev->type == ETCD_EV_DELETE);
	return 0;
}

static void w_trouble(void *ctx, const struct sk_err *err)
{
	fprintf(stderr, "skiff-scale-sim: assignment watch: %s\n", err->msg);
}

static void *watch_main(void *arg)
{
	static const struct etcd_sync_ops ops = {
	    .reset = w_reset, .event = w_event, .trouble = w_trouble};
	struct etcd *e = client();
	char pfx[160];
	struct sk_err err = {0};
	snprintf(pfx, sizeof pfx, "%sassign/", prefix);
	for (;;) {
		etcd_sync(e, pfx, &ops, NULL, &err);
		fprintf(stderr, "skiff-scale-sim: watch: %s\n", err.msg);
		sleep(1);
	}
	return NULL;
}

static char *status_value(const struct status_write *w)
{
	char *v = NULL;
	if (asprintf(
		&v,
		"{\"task\":\"%s\",\"status\":\"%s\",\"containers\":[{\"name\":\"app\","
		"\"status\":\"%s\"}]%s,\"hostPorts\":[],\"updatedAt\":\"2024-01-01T00:00:00Z\"}",
		w->task, w->running ? "RUNNING" : "STOPPED", w->running ? "RUNNING" : "STOPPED",
		w->running ? "" : ",\"stoppedReason\":\"UserInitiated\"") < 0)
		die("out of memory");
	return v;
}

static void write_batch(struct etcd *e, struct status_write *b, size_t n)
{
	struct etcd_op ops[MAX_TXN_OPS];
	char keys[MAX_TXN_OPS][256];
	char *values[MAX_TXN_OPS];
	struct sk_err err = {0};
	for (size_t i = 0; i < n; i++) {
		snprintf(keys[i], sizeof keys[i], "%sstatus/%s/%s", prefix, nodes[b[i].node].id,
			 b[i].task);
		values[i] = status_value(&b[i]);
		ops[i] = (struct etcd_op){.type = ETCD_OP_PUT, .key = keys[i], .value = values[i]};
	}
	while (etcd_txn(e, NULL, 0, ops, n, NULL, 0, NULL, &err) < 0) {
		fprintf(stderr, "skiff-scale-sim: status: %s\n", err.msg);
		sleep(1);
	}
	for (size_t i = 0; i < n; i++)
		free(values[i]);
	pthread_mutex_lock(&lock);
	own_txns++;
	for (size_t i = 0; i < n; i++) {
		struct task *t = task_get(b[i].task);
		running_alive -= counts(t);
		if (t->node == b[i].node && t->assigned && b[i].running == t->want_running)
			t->acked = b[i].running;
		running_alive += counts(t);
	}
	pthread_mutex_unlock(&lock);
}

static void *writer_main(void *arg)
{
	struct queue *q = arg;
	struct etcd *e = client();
	struct status_write batch[MAX_TXN_OPS];
	for (;;) {
		pthread_mutex_lock(&lock);
		while (q->len == 0)
			pthread_cond_wait(&q->cond, &lock);
		size_t n = q->len < MAX_TXN_OPS ? q->len : MAX_TXN_OPS;
		memcpy(batch, q->w + q->head, n * sizeof *batch);
		q->head += n;
		q->len -= n;
		pthread_mutex_unlock(&lock);
		write_batch(e, batch, n);
	}
	return NULL;
}

/* ---- measurements ---- */

static pid_t start_ctl(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execv(o.skiffctl, argv);
		_exit(127);
	}
	return pid;
}

static int wait_ctl(pid_t pid)
{
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void register_taskdef(void)
{
	char *reg[] = {(char *)o.skiffctl, "--endpoints",     (char *)o.endpoints,
		       "--cluster",	   (char *)o.cluster, "taskdef",
		       "register",	   (char *)o.taskdef, NULL};
	if (wait_ctl(start_ctl(reg)) != 0)
		die("skiffctl taskdef register %s failed", o.taskdef);
}

/* All at once, as a burst of operators (or a deploy script) would. */
static void create_services(void)
{
	pid_t pids[o.services];
	for (long s = 0; s < o.services; s++) {
		char count[32], name[64];
		long n = o.tasks / o.services + (s < o.tasks % o.services);
		snprintf(count, sizeof count, "%ld", n);
		snprintf(name, sizeof name, "svc%ld", s);
		char *svc[] = {(char *)o.skiffctl,
			       "--endpoints",
			       (char *)o.endpoints,
			       "--cluster",
			       (char *)o.cluster,
			       "service",
			       "create",
			       name,
			       "--taskdef",
			       "scale",
			       "--desired-count",
			       count,
			       NULL};
		pids[s] = start_ctl(svc);
	}
	for (long s = 0; s < o.services; s++)
		if (wait_ctl(pids[s]) != 0)
			die("skiffctl service create svc%ld failed", s);
}

/* CPU seconds and peak RSS (MiB) of a process. */
static void usage_of(long pid, double *cpu, double *rss)
{
	char path[64], buf[4096];
	*cpu = *rss = -1;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	if (f && fgets(buf, sizeof buf, f)) {
		const char *p = strrchr(buf, ')');
		unsigned long ut = 0, st = 0;
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
				&st) == 2)
			*cpu = (double)(ut + st) / sysconf(_SC_CLK_TCK);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if (!(f = fopen(path, "r")))
		return;
	while (fgets(buf, sizeof buf, f))
		if (strncmp(buf, "VmHWM:", 6) == 0)
			*rss = strtod(buf + 6, NULL) / 1024;
	fclose(f);
}

/* Transactions etcd has answered OK (over every client). */
static long etcd_txns(void)
{
	struct http_client_opts ho = {.timeout_ms = 10000};
	struct http_client *h;
	struct http_response *r = malloc(sizeof *r);
	char url[512], *body = NULL;
	struct sk_err err = {0};
	long n = -1;
	snprintf(url, sizeof url, "%s/metrics", strtok(strdupa(o.endpoints), ","));
	struct http_request req = {.url = url};
	if (!r || http_client_new(&ho, &h, &err) < 0)
		die("metrics: %s", err.msg);
	if (http_request(h, &req, r, &err) == 0 &&
	    http_body_read_all(h, 64 << 20, &body, NULL, &err) == 0) {
		const char *k = "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Txn\"";
		const char *p = strstr(body, k);
		if (p && (p = strchr(p, '}')))
			n = strtol(p + 1, NULL, 10);
	}
	free(body);
	free(r);
	http_client_free(h);
	return n;
}

static long get_counter(long *c)
{
	pthread_mutex_lock(&lock);
	long v = *c;
	pthread_mutex_unlock(&lock);
	return v;
}

/* Waits until *c reaches want; seconds taken, or -1 at the deadline. */
static double wait_for(long *c, long want, int64_t t0, int64_t deadline)
{
	while (get_counter(c) < want) {
		if (sk_now_ms() > deadline)
			return -1;
		usleep(10000);
	}
	return (sk_now_ms() - t0) / 1000.0;
}

static void wait_leader(void)
{
	struct etcd *e = client();
	struct etcd_kv kv;
	struct sk_err err = {0};
	char key[160];
	snprintf(key, sizeof key, "%sleader/scheduler", prefix);
	for (int i = 0; i < 600; i++) {
		int rc = etcd_get(e, key, &kv, NULL, &err);
		if (rc > 0) {
			etcd_kv_clear(&kv);
			etcd_free(e);
			return;
		}
		usleep(100000);
	}
	die("no scheduler became leader in 60 s");
}

/* Stops the keepalives of every (100/kill_pct)th node; returns when the
 * last of their leases runs out (ms, monotonic). */
static int64_t kill_nodes(void)
{
	int64_t expiry = 0;
	pthread_mutex_lock(&lock);
	for (long i = 0; i < o.nodes; i++) {
		if (i % (100 / o.kill_pct) != 0)
			continue;
		nodes[i].killed = 1;
		int64_t e =
		    __atomic_load_n(&nodes[i].last_renewed, __ATOMIC_RELAXED) + o.ttl * 1000;
		if (e > expiry)
			expiry = e;
	}
	running_alive = 0;
	for (size_t i = 0; i < tasks.cap; i++)
		if (tasks.slots[i].key)
			running_alive += counts(tasks.slots[i].val);
	pthread_mutex_unlock(&lock);
	return expiry;
}

static void print_secs(const char *name, double s)
{
	if (s < 0)
		printf(" %s=>%ld", name, o.timeout_s);
	else
		printf(" %s=%.2f", name, s);
}

static void measure(void)
{
	wait_leader();
	register_taskdef();
	long txn0 = etcd_txns(), own0 = get_counter(&own_txns);
	double cpu0, rss, ecpu0, erss;
	usage_of(o.sched_pid, &cpu0, &rss);
	usage_of(o.etcd_pid, &ecpu0, &erss);
	int64_t t0 = sk_now_ms(), deadline = t0 + o.timeout_s * 1000;
	create_services();
	double created = (sk_now_ms() - t0) / 1000.0;
	double first = wait_for(&placed_ever, 1, t0, deadline);
	double placed = wait_for(&placed_ever, o.tasks, t0, deadline);
	double running = placed < 0 ? -1 : wait_for(&running_alive, o.tasks, t0, deadline);
	double cpu1, ecpu1;
	usage_of(o.sched_pid, &cpu1, &rss);
	usage_of(o.etcd_pid, &ecpu1, &erss);
	long txns = etcd_txns() - txn0 - (get_counter(&own_txns) - own0) - o.services;
	printf("nodes=%ld tasks=%ld services_created_s=%.2f first_placed_s=%.2f", o.nodes, o.tasks,
	       created, first);
	print_secs("placed_s", placed);
	print_secs("running_s", running);
	/* when not done: the rate so far */
	long n = get_counter(&placed_ever);
	printf(" placed_n=%ld placements_per_s=%.0f", n,
	       placed > 0 ? o.tasks / placed : n / (double)o.timeout_s);
	printf(" sched_cpu_s=%.2f sched_rss_mib=%.1f sched_txns=%ld etcd_cpu_s=%.2f", cpu1 - cpu0,
	       rss, txns, ecpu1 - ecpu0);
	if (running >= 0 && o.kill_pct > 0) {
		int64_t t1 = sk_now_ms(), expiry = kill_nodes();
		double replaced = wait_for(&running_alive, o.tasks, t1, t1 + o.timeout_s * 1000);
		print_secs("replaced_s", replaced);
		printf(" ttl_s=%ld leases_out_s=%.2f", o.ttl, (expiry - t1) / 1000.0);
	}
	printf(" leases_lost=%ld\n", __atomic_load_n(&leases_lost, __ATOMIC_RELAXED));
	fflush(stdout);
}

static void usage(FILE *f)
{
	fputs("usage: skiff-scale-sim --endpoints URL --skiffctl PATH --taskdef FILE\n"
	      "         [--cluster NAME] [--nodes N] [--tasks T] [--services S] [--ttl SEC]\n"
	      "         [--kill-pct P] [--timeout SEC] [--sched-pid PID] [--etcd-pid PID]\n"
	      "       skiff-scale-sim --endpoints URL --hold [--nodes N] [--ttl SEC]\n"
	      "  Registers N simulated nodes, acknowledges assignments as the agent does,\n"
	      "  creates services totalling T tasks with skiffctl and prints how long\n"
	      "  placement, RUNNING and replacement after killing P% of the nodes took.\n"
	      "  --hold: only the nodes and the fake agent, until killed (prints `ready`).\n",
	      f);
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"endpoints", 1, 0, 'e'}, {"cluster", 1, 0, 'c'},	{"skiffctl", 1, 0, 'k'},
	    {"taskdef", 1, 0, 'd'},   {"nodes", 1, 0, 'n'},	{"tasks", 1, 0, 't'},
	    {"services", 1, 0, 's'},  {"ttl", 1, 0, 'l'},	{"kill-pct", 1, 0, 'p'},
	    {"timeout", 1, 0, 'T'},   {"sched-pid", 1, 0, 'P'}, {"etcd-pid", 1, 0, 'E'},
	    {"hold", 0, 0, 'H'},      {"help", 0, 0, 'h'},	{0}};
	o = (struct opts){.cluster = "bench",
			  .nodes = 100,
			  .tasks = 1000,
			  .services = 10,
			  .ttl = 10,
			  .kill_pct = 10,
			  .timeout_s = 600};
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			o.endpoints = optarg;
			break;
		case 'c':
			o.cluster = optarg;
			break;
		case 'k':
			o.skiffctl = optarg;
			break;
		case 'd':
			o.taskdef = optarg;
			break;
		case 'n':
			o.nodes = atol(optarg);
			break;
		case 't':
			o.tasks = atol(optarg);
			break;
		case 's':
			o.services = atol(optarg);
			break;
		case 'l':
			o.ttl = atol(optarg);
			break;
		case 'p':
			o.kill_pct = atol(optarg);
			break;
		case 'T':
			o.timeout_s = atol(optarg);
			break;
		case 'P':
			o.sched_pid = atol(optarg);
			break;
		case 'E':
			o.etcd_pid = atol(optarg);
			break;
		case 'H':
			o.hold = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (!o.endpoints || (!o.hold && (!o.skiffctl || !o.taskdef)) || o.nodes < 1 ||
	    o.tasks < 1 || o.services < 1 || o.ttl < 2 || o.kill_pct < 0 || o.kill_pct > 50) {
		usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	pthread_t th;
	parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	snprintf(prefix, sizeof prefix, "/skiff/%s/", o.cluster);
	if (!(nodes = calloc(o.nodes, sizeof *nodes)))
		die("out of memory");
	for (long i = 0; i < o.nodes; i++)
		snprintf(nodes[i].id, sizeof nodes[i].id, "sim-%05ld", i);
	pthread_t reg[REGISTER_THREADS];
	for (long k = 0; k < KEEPALIVE_THREADS; k++)
		pthread_create(&th, NULL, keepalive_main, (void *)k);
	for (long k = 0; k < REGISTER_THREADS; k++)
		pthread_create(&reg[k], NULL, register_main, (void *)k);
	for (long k = 0; k < REGISTER_THREADS; k++)
		pthread_join(reg[k], NULL);
	pthread_create(&th, NULL, watch_main, NULL);
	for (int k = 0; k < WRITERS; k++) {
		pthread_cond_init(&queues[k].cond, NULL);
		pthread_create(&th, NULL, writer_main, &queues[k]);
	}
	fprintf(stderr, "skiff-scale-sim: %ld nodes registered\n", o.nodes);
	if (o.hold) { /* nodes and fake agent for a test, until killed */
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	measure();
	return 0;
}
