/* Hostname and loopback (see hostnet.h). An ioctl is enough for lo, so
 * init does not need libnl. */
#include "hostnet.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

int hostname_set(const char *name, struct sk_err *err)
{
	if (sethostname(name, strlen(name)) < 0)
		return sk_fail(err, errno, "sethostname %s", name);
	logmsg("hostname %s", name);
	return 0;
}

int loopback_up(struct sk_err *err)
{
	SK_AUTOCLOSE int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = {0};

	if (fd < 0)
		return sk_fail(err, errno, "socket");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return sk_fail(err, errno, "SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return sk_fail(err, errno, "SIOCSIFFLAGS lo");
	logmsg("loopback up");
	return 0;
}
