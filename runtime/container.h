/* A container being set up or managed; shared by the lifecycle files. */
#ifndef RT_CONTAINER_H
#define RT_CONTAINER_H

#include "oci_spec.h"
#include "runtime.h"

#include <limits.h>
#include <sys/types.h>

enum spawn_mode {
	SPAWN_RUN,    /* exec at once; the caller waits */
	SPAWN_CREATE, /* wait on exec.fifo for `start` */
};

struct container {
	char id[256];
	char dir[PATH_MAX]; /* <root>/<id> */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char cgroup[PATH_MAX]; /* empty: no cgroup */
	struct oci_spec spec;
	char *config_text;
	void *seccomp; /* compiled filter or NULL */
	enum spawn_mode mode;
	int fifo_fd;	/* exec.fifo held open by the container until start */
	int stdio[3];	/* -1: inherit */
	int console_fd; /* the pty master once the child sent it, else -1 */
	char console_name[64];
	const char *console_socket;
	int inherit_stdio;
	pid_t pid;
	pid_t monitor_pid;
	char created[64];
};

/* Loads the bundle, checks the id, compiles seccomp, makes <root>/<id>. */
int container_prepare(const struct rt_global *g, const char *id, const char *bundle,
		      struct container *c, struct sk_err *err);
void container_free(struct container *c);
/* Takes the console socket, stdio and preserved fds of O; DETACHED: no
 * runtime stays to relay a terminal. */
int container_apply_opts(struct container *c, const struct rt_create_opts *o, int detached,
			 struct sk_err *err);
/* The compiled seccomp filter of linux.seccomp, or of the default profile
 * when the run.skiff.seccomp=default annotation asks; NULL when none. */
int spec_seccomp_filter(const struct oci_spec *spec, void **out, struct sk_err *err);
/* Clones the container process and takes it up to the point where it
 * waits for start (SPAWN_CREATE) or has exec'd (SPAWN_RUN). */
int container_spawn(struct container *c, struct sk_err *err);
/* The child side of container_spawn; never returns. */
void container_child(struct container *c, int sync_fd) __attribute__((noreturn));
/* Removes what container_prepare/spawn made (cgroup, state dir). */
void container_discard(struct container *c);

/* mounts.c, in the child: rootfs_setup goes from the private propagation
 * to pivot_root; rootfs_finish, after hostname and sysctl, masks paths and
 * makes paths and the root read-only. */
int rootfs_setup(const struct container *c, int in_userns, struct sk_err *err);
int rootfs_finish(const struct container *c, struct sk_err *err);
/* process.c: credentials, caps, rlimits, seccomp, then execve (of p->exe
 * when process_resolve set it, else of args[0] searched in PATH). */
int process_exec(const struct oci_process *p, void *seccomp, struct sk_err *err);
/* Finds args[0] as execve would (PATH of the process's env), so that a
 * missing program fails create rather than start (as runc does). */
int process_resolve(struct oci_process *p, struct sk_err *err);
/* hooks.c */
int hooks_run(const struct oci_spec *spec, enum oci_hook_kind kind, const char *state_json,
	      struct sk_err *err);

/* sync messages between the runtime and the child */
struct sync_msg {
	int kind; /* SYNC_GO, SYNC_READY, SYNC_ERROR */
	int pid;  /* GO: the child's pid as the runtime sees it */
	char msg[1024];
};
enum { SYNC_GO = 1, SYNC_READY, SYNC_ERROR, SYNC_CONSOLE /* carries the pty master */ };

#endif
