/* The node API's listener process: accepts connections and forks a
 * process for each, at most API_MAX_CONNECTIONS at a time (more are
 * closed at once). It parses nothing a client sends. It ends with the
 * agent (parent-death signal), and its connections end with it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent_internal.h"
#include "api_internal.h"

/* Dual-stack where IPv6 is there, else IPv4 only. */
static int bind_port(int port, struct sk_err *err)
{
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1, zero = 0;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&a6, sizeof a6) == 0 && listen(fd, 16) == 0)
			return fd;
		close(fd);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sk_fail(err, errno, "node API: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&a4, sizeof a4) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		return sk_fail(err, e, "node API: port %d", port);
	}
	return fd;
}

int api_open(const struct agent_config *cfg, struct api_server **out, struct sk_err *err)
{
	const struct agent_api_config *a = &cfg->api;
	struct api_server *s = calloc(1, sizeof *s);

	if (!s)
		return sk_fail(err, ENOMEM, "node API");
	s->cfg = cfg;
	s->listen_fd = -1;
	if (tls_identity_load("node API", a->cert_file, a->key_file, &s->id, err) < 0 ||
	    tls_anchors_load(a->ca_file, &s->ca, err) < 0 ||
	    (s->listen_fd = bind_port(a->port, err)) < 0) {
		tls_identity_free(s->id);
		tls_anchors_free(&s->ca);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
		port = ntohs(a->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
		port = ntohs(a->sin_port);
	}
	/* Show a v4-mapped address as plain IPv4. */
	snprintf(buf, size, "%s:%d", strncmp(ip, "::ffff:", 7) ? ip : ip + 7, port);
}

static void accept_one(const struct api_server *s, int sigfd, int *active)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char peer[80];
	int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* A client that vanished without a word is noticed eventually. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &(int){1}, sizeof(int));
	peer_name(&ss, peer, sizeof peer);
	if (*active >= API_MAX_CONNECTIONS) {
		agent_log("api: %s: refused: %d connections open", peer, *active);
		close(fd);
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(s->listen_fd);
		close(sigfd);
		api_conn_main(s, fd, peer);
	}
	if (pid > 0)
		(*active)++;
	close(fd);
}

static void __attribute__((noreturn)) listener_main(struct api_server *s)
{
	sigset_t set;
	int active = 0;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, "skiff-agent-api");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_SETMASK, &set, NULL);
	int sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN},
			      {.fd = sigfd, .events = POLLIN}};
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			_exit(1);
		if (p[1].revents) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si &&
			    si.ssi_signo != SIGCHLD) {
				kill(0, SIGTERM); /* our connections: same process group */
				_exit(0);
			}
			while (waitpid(-1, NULL, WNOHANG) > 0)
				active--;
		}
		if (p[0].revents)
			accept_one(s, sigfd, &active);
	}
}

pid_t api_spawn(struct api_server *s, struct sk_err *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return sk_fail(err, errno, "node API: fork");
	if (pid == 0) {
		/* Its own process group, so that it can end its connections; none
		 * of the agent's descriptors but the socket. */
		setpgid(0, 0);
		if (s->listen_fd != 3 && dup2(s->listen_fd, 3) == 3)
			s->listen_fd = 3;
		fcntl(3, F_SETFD, FD_CLOEXEC);
		syscall(SYS_close_range, 4U, ~0U, 0U);
		listener_main(s);
	}
	return pid;
}
