/* Small file helpers used across the runtime. */
#ifndef RT_UTIL_H
#define RT_UTIL_H

#include "err.h"

#include <stddef.h>
#include <sys/types.h>

/* Writes S to an existing file (sysctl, cgroup and /proc files). */
int rt_write_file(const char *path, const char *s, struct sk_err *err);
/* Writes PID to PATH (--pid-file); nothing when PATH is NULL. */
int rt_write_pid(const char *path, pid_t pid, struct sk_err *err);
/* DIR and NAME joined with one slash into BUF; fails when too long. */
int rt_join(char *buf, size_t size, const char *dir, const char *name, struct sk_err *err);
/* Process start time (field 22 of /proc/PID/stat), 0 if PID is gone or a zombie. */
unsigned long long rt_proc_start_time(pid_t pid);

#endif
