/* The home directory of a uid in a container's passwd file. */
#ifndef RT_PASSWD_H
#define RT_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

/* Copies the home directory of UID in FILE into BUF; -1 if none. */
int passwd_home(const char *file, uid_t uid, char *buf, size_t size);
/* ENV, or a copy of it with HOME added from /etc/passwd (or "/") when it
 * has none. Used in the container, after it entered its root. */
char **passwd_env_with_home(char **env, uid_t uid);

#endif
