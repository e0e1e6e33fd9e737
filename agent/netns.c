/* Named namespaces. */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

/* As Docker does for every network namespace, even networkMode none. */
static int loopback_up(struct sk_err *err)
{
	SK_AUTOCLOSE int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return sk_fail(err, errno, "loopback");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return sk_fail(err, errno, "bring loopback up");
	return 0;
}

static int ns_create(const char *path, int type, const char *self_path, struct sk_err *err)
{
	SK_AUTOCLOSE int self = open(self_path, O_RDONLY | O_CLOEXEC);
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	int rc = 0;

	if (self < 0)
		return sk_fail(err, errno, "open %s", self_path);
	if (fd < 0)
		return sk_fail(err, errno, "create %s", path);
	if (unshare(type) < 0) {
		unlink(path);
		return sk_fail(err, errno, "unshare namespace");
	}
	if (type == CLONE_NEWNET)
		rc = loopback_up(err);
	if (rc == 0 && mount(self_path, path, NULL, MS_BIND, NULL) < 0)
		rc = sk_fail(err, errno, "bind-mount namespace on %s", path);
	if (setns(self, type) < 0)
		rc = sk_fail(err, errno, "return to the node's namespace");
	if (rc < 0)
		unlink(path);
	return rc;
}

int netns_create(const char *path, struct sk_err *err)
{
	return ns_create(path, CLONE_NEWNET, "/proc/self/ns/net", err);
}

int ipcns_create(const char *path, struct sk_err *err)
{
	return ns_create(path, CLONE_NEWIPC, "/proc/self/ns/ipc", err);
}

int netns_remove(const char *path, struct sk_err *err)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return sk_fail(err, errno, "unmount %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return sk_fail(err, errno, "remove %s", path);
	return 0;
}
