/* Terminals (process.terminal, exec --tty): the pty is opened inside the
 * container, on its own devpts instance, and becomes the process's
 * controlling terminal and stdio; its master goes back to the runtime over
 * SCM_RIGHTS, which hands it to --console-socket (as runc does: the
 * payload is the pty's name) or, in the foreground, relays it to its own
 * terminal. */
#define _GNU_SOURCE
#include "console.h"
#include "cleanup.h"
#include "util.h"
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int console_open_in_root(int *master_out, char *name, size_t size, struct sk_err *err)
{
	int unlock = 0, n = -1;
	SK_AUTOCLOSE int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (master < 0)
		return sk_fail(err, errno, "process.terminal: open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		return sk_fail(err, errno, "process.terminal: unlock the pty");
	snprintf(name, size, "/dev/pts/%d", n);
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return sk_fail(err, errno, "process.terminal: open %s", name);
	int rc = 0;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		rc =
		    sk_fail(err, errno, "process.terminal: make %s the controlling terminal", name);
	for (int fd = 0; rc == 0 && fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			rc = sk_fail(err, errno, "process.terminal: dup2");
	close(slave);
	if (rc < 0)
		return -1;
	/* /dev/console is the pty, as in runc; a root without one is fine. */
	if (access("/dev", W_OK) == 0 &&
	    (mknod("/dev/console", S_IFREG | 0600, 0) == 0 || errno == EEXIST))
		mount(name, "/dev/console", NULL, MS_BIND, NULL);
	*master_out = master;
	master = -1;
	return 0;
}

int fd_send(int sock, int fd, const void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {(void *)data, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof cbuf;
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

ssize_t fd_recv(int sock, void *data, size_t len, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {data, len};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *cm = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(cm), sizeof *fd);
	return n;
}

int console_send(const char *socket_path, int master, const char *name, struct sk_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(socket_path) >= sizeof sa.sun_path)
		return sk_fail(err, ENAMETOOLONG, "--console-socket %s", socket_path);
	strcpy(sa.sun_path, socket_path);
	SK_AUTOCLOSE int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		return sk_fail(err, errno, "--console-socket %s: connect", socket_path);
	if (fd_send(s, master, name, strlen(name)) < 0)
		return sk_fail(err, errno, "--console-socket %s: send the pty", socket_path);
	return 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Moves what is readable on FROM to TO; 0 at the end of FROM. */
static int pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	return sk_write_all(to, buf, (size_t)n) == 0;
}

static volatile sig_atomic_t resized;
static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

int console_relay(int master, int pidfd)
{
	struct termios saved, raw;
	int tty = isatty(0) && tcgetattr(0, &saved) == 0;
	struct sigaction sa = {.sa_handler = on_winch}, old;
	struct pollfd p[3] = {{0, POLLIN, 0}, {master, POLLIN, 0}, {pidfd, POLLIN, 0}};

	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		copy_winsize(0, master);
	}
	sigaction(SIGWINCH, &sa, &old);
	for (;;) {
		if (resized && tty) {
			resized = 0;
			copy_winsize(0, master);
		}
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !pump(0, master))
			p[0].fd = -1; /* stdin ended: the process may go on */
		if (p[1].revents && !pump(master, 1))
			break;
		if (p[2].revents)
			break;
	}
	/* What the process wrote before it ended. */
	fcntl(master, F_SETFL, O_NONBLOCK);
	char buf[16384];
	for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;)
		sk_write_all(1, buf, (size_t)n);
	sigaction(SIGWINCH, &old, NULL);
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	return 0;
}
