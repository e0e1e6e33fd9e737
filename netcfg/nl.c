/* Netlink sockets (in this or another network namespace), their errors,
 * and the per-item problem report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/socket.h>

#include "cleanup.h"
#include "internal.h"

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nc_sock *s = arg;

	s->last_errno = -e->error;
	return NL_STOP;
}

int nc_sock_open(struct nc_sock *s, int protocol, struct sk_err *err)
{
	int r;

	s->last_errno = 0;
	s->sk = nl_socket_alloc();
	if (!s->sk)
		return sk_fail(err, ENOMEM, "netlink socket");
	nl_socket_modify_err_cb(s->sk, NL_CB_CUSTOM, on_error, s);
	r = nl_connect(s->sk, protocol);
	if (r < 0) {
		nl_socket_free(s->sk);
		s->sk = NULL;
		return sk_fail(err, 0, "netlink connect: %s", nl_geterror(r));
	}
	return 0;
}

int nc_sock_open_netns(struct nc_sock *s, const char *path, struct sk_err *err)
{
	SK_AUTOCLOSE int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	SK_AUTOCLOSE int target = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return sk_fail(err, errno, "open /proc/self/ns/net");
	if (target < 0)
		return sk_fail(err, errno, "open netns %s", path);
	if (setns(target, CLONE_NEWNET) < 0)
		return sk_fail(err, errno, "enter netns %s", path);
	r = nc_sock_open(s, NETLINK_ROUTE, err);
	/* A socket stays in the namespace it was created in. */
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* cannot go home: continuing would configure the wrong namespace */
	return r;
}

void nc_sock_close(struct nc_sock *s)
{
	if (s->sk)
		nl_socket_free(s->sk);
	s->sk = NULL;
}

int nc_errno(struct nc_sock *s, int nlerr)
{
	int e = s->last_errno;

	s->last_errno = 0;
	if (e)
		return e;
	switch (-nlerr) {
	case NLE_NOMEM:
		return ENOMEM;
	case NLE_EXIST:
		return EEXIST;
	case NLE_OBJ_NOTFOUND:
		return ENOENT;
	case NLE_NODEV:
		return ENODEV;
	case NLE_PERM:
		return EPERM;
	case NLE_BUSY:
		return EBUSY;
	case NLE_RANGE:
		return ERANGE;
	case NLE_NOADDR:
		return EADDRNOTAVAIL;
	default:
		return EINVAL;
	}
}

void nc_report(struct nc_report *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->count++ == 0)
		snprintf(r->first, sizeof r->first, "%s", msg);
	if (r->opts && r->opts->report)
		r->opts->report(r->opts->report_ctx, msg);
	else
		sk_warn("%s", msg);
}

void nc_log(const struct netcfg_opts *opts, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (opts && opts->log)
		opts->log(opts->log_ctx, msg);
	else
		printf("%s: %s\n", sk_progname, msg);
}

const char *nc_resolv_path(const struct netcfg_opts *opts)
{
	const char *e = getenv("SKIFF_NETCFG_RESOLV");

	if (opts && opts->resolv_path)
		return opts->resolv_path;
	return e && *e ? e : "/etc/resolv.conf";
}

const char *nc_state_dir(const struct netcfg_opts *opts)
{
	const char *e = getenv("SKIFF_NETCFG_STATE");

	if (opts && opts->state_dir)
		return opts->state_dir;
	return e && *e ? e : "/run/skiff/net";
}
