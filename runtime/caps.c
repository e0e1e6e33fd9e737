/* Capabilities (see caps.h). */
#define _GNU_SOURCE
#include "caps.h"

#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define NCAPS ((int)(sizeof names / sizeof names[0]))

int cap_from_name(const char *name)
{
	for (int i = 0; i < NCAPS; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

const char *cap_name(int cap)
{
	return cap >= 0 && cap < NCAPS ? names[cap] : "?";
}

int cap_last(void)
{
	static int last = -1;
	char buf[16] = {0};

	if (last >= 0)
		return last;
	if (sk_read_small("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) > 0)
		last = atoi(buf);
	if (last <= 0)
		last = CAP_LAST_CAP;
	return last;
}

int caps_drop_bounding(const struct oci_caps *caps, struct sk_err *err)
{
	int last = cap_last();

	for (int c = 0; c <= last; c++) {
		if (caps->bounding & (1ULL << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return sk_fail(err, errno, "drop %s from the bounding set", cap_name(c));
	}
	return 0;
}

static int set_ambient(uint64_t ambient, struct sk_err *err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return errno == EINVAL ? 0 : sk_fail(err, errno, "clear ambient capabilities");
	for (int c = 0; c <= cap_last(); c++)
		if ((ambient & (1ULL << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return sk_fail(err, errno, "raise ambient %s", cap_name(c));
	return 0;
}

int caps_apply(const struct oci_caps *caps, struct sk_err *err)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	/* An ambient capability must also be inheritable; runc's default
	 * spec lists ambient ones without inheritable, so add them. */
	/* Capabilities the running kernel does not know are left out. */
	uint64_t known = cap_last() >= 63 ? ~0ULL : (1ULL << (cap_last() + 1)) - 1;
	uint64_t inheritable = (caps->inheritable | caps->ambient) & known;

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)((caps->effective & known) >> (32 * i));
		data[i].permitted = (uint32_t)((caps->permitted & known) >> (32 * i));
		data[i].inheritable = (uint32_t)(inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return sk_fail(err, errno, "capset");
	return set_ambient(caps->ambient & known, err);
}
