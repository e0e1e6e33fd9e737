/* Named network namespaces. */
#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"

int netns_create(const char *path, struct sk_err *err)
{
	SK_AUTOCLOSE int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	SK_AUTOCLOSE int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	int rc = 0;

	if (self < 0)
		return sk_fail(err, errno, "open /proc/self/ns/net");
	if (fd < 0)
		return sk_fail(err, errno, "create %s", path);
	if (unshare(CLONE_NEWNET) < 0) {
		unlink(path);
		return sk_fail(err, errno, "unshare network namespace");
	}
	if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
		rc = sk_fail(err, errno, "bind-mount network namespace on %s", path);
	if (setns(self, CLONE_NEWNET) < 0)
		rc = sk_fail(err, errno, "return to the node's network namespace");
	if (rc < 0)
		unlink(path);
	return rc;
}

int netns_remove(const char *path, struct sk_err *err)
{
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return sk_fail(err, errno, "unmount %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return sk_fail(err, errno, "remove %s", path);
	return 0;
}
