/* Terminals: the pty inside the container, handing its master over a
 * socket, and relaying it in the foreground (console.c). */
#ifndef RT_CONSOLE_H
#define RT_CONSOLE_H

#include "err.h"

#include <stddef.h>
#include <sys/types.h>

/* In the container (its root already /): opens a pty on /dev/ptmx, makes
 * it the controlling terminal and stdio, binds it on /dev/console; the
 * master into *MASTER, its name ("/dev/pts/N") into NAME. */
int console_open_in_root(int *master, char *name, size_t size, struct sk_err *err);
/* Sends FD (or none when -1) with DATA over the socket SOCK. */
int fd_send(int sock, int fd, const void *data, size_t len);
/* Receives a message and the fd it carries (*FD -1 if none). */
ssize_t fd_recv(int sock, void *data, size_t len, int *fd);
/* Connects to the --console-socket path and sends MASTER with NAME. */
int console_send(const char *socket_path, int master, const char *name, struct sk_err *err);
/* Relays stdin/stdout to MASTER (stdin in raw mode when it is a terminal,
 * window size followed) until the process behind PIDFD ends. */
int console_relay(int master, int pidfd);

#endif
