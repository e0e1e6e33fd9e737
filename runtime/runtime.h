/* The container API behind skiff-runtime: an OCI runtime-spec bundle in,
 * a container out, driven like runc (create, start, state, kill, delete,
 * run, exec, list, spec). Every function follows lib/err.h. */
#ifndef RT_RUNTIME_H
#define RT_RUNTIME_H

#include "err.h"

#include <stdio.h>

#define RT_DEFAULT_ROOT "/run/skiff-runtime"

struct rt_global {
	const char *root; /* state directory, RT_DEFAULT_ROOT if NULL */
	int no_cgroups;	  /* --cgroup-manager disabled */
};

struct rt_create_opts {
	const char *bundle;	    /* "." if NULL */
	const char *pid_file;	    /* written with the container's pid, may be NULL */
	const char *console_socket; /* process.terminal: where the pty master goes */
	int detach;		    /* run: leave it running under a monitor */
	int inherit_stdio;	    /* create: the container gets the caller's stdio
				       (runc's pass-through) instead of the logs */
	int preserve_fds;	    /* the caller's fds 3..3+N-1 go to the process */
};

struct rt_exec_opts {
	char **args;		  /* command, or NULL with process_file */
	const char *process_file; /* --process: a JSON "process" object */
	char **env;		  /* extra KEY=VALUE, NULL-terminated or NULL */
	const char *cwd;
	const char *pid_file;
	const char *user;	    /* "UID[:GID]" */
	char **additional_gids;	    /* NULL-terminated or NULL */
	char **caps;		    /* added to every set, NULL-terminated or NULL */
	const char *console_socket; /* with tty: where the pty master goes */
	int no_new_privs;
	int tty;
	int preserve_fds;
	int detach;
};

/* Sets up the container and leaves its process waiting for rt_start. Its
 * stdout and stderr go to <root>/<id>/stdout.log and stderr.log, or with
 * inherit_stdio are the caller's; with process.terminal the pty master
 * goes to console_socket. */
int rt_create(const struct rt_global *g, const char *id, const struct rt_create_opts *o,
	      struct sk_err *err);
int rt_start(const struct rt_global *g, const char *id, struct sk_err *err);
/* create + start; in the foreground *STATUS gets the exit status (128+signal
 * when killed) and the container is deleted afterwards. */
int rt_run(const struct rt_global *g, const char *id, const struct rt_create_opts *o, int *status,
	   struct sk_err *err);
/* The OCI state JSON (plus exitCode, exitSignal, oomKilled once stopped). */
int rt_state(const struct rt_global *g, const char *id, char **json, struct sk_err *err);
int rt_kill(const struct rt_global *g, const char *id, int sig, int all, struct sk_err *err);
int rt_delete(const struct rt_global *g, const char *id, int force, struct sk_err *err);
int rt_exec(const struct rt_global *g, const char *id, const struct rt_exec_opts *o, int *status,
	    struct sk_err *err);
/* One line per container (or a JSON array with JSON set). */
int rt_list(const struct rt_global *g, FILE *out, int quiet, int json, struct sk_err *err);
/* Writes DIR/config.json, a default bundle configuration like `runc spec`. */
int rt_spec(const char *dir, int seccomp_default, int force, struct sk_err *err);
/* "KILL", "SIGKILL" or "9" -> 9; -1 if unknown. */
int rt_signal_parse(const char *s);
const char *rt_signal_name(int sig);

#endif
