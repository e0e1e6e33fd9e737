/* Checks that keep a config from changing the host: a sysctl, host name
 * or domain name is only written inside a namespace of the container's
 * own (new, or joined by a path that is not the runtime's namespace), as
 * runc and crun require. */
#define _GNU_SOURCE
#include "oci_spec.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The sysctls of the IPC namespace besides fs.mqueue.* (ipc/ipc_sysctl.c). */
static const char *const ipc_sysctls[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static int same_as_ours(const char *path, const char *name)
{
	char self[64];
	struct stat a, b;

	snprintf(self, sizeof self, "/proc/self/ns/%s", name);
	return stat(path, &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

int oci_spec_owns_ns(const struct oci_spec *s, int flag)
{
	static const struct {
		int flag;
		const char *file;
	} files[] = {{CLONE_NEWNET, "net"}, {CLONE_NEWIPC, "ipc"}, {CLONE_NEWUTS, "uts"}};
	const struct oci_ns *ns = oci_spec_ns(s, flag);

	if (!ns)
		return 0;
	for (size_t i = 0; ns->path && i < sizeof files / sizeof files[0]; i++)
		if (files[i].flag == flag && same_as_ours(ns->path, files[i].file))
			return 0;
	return 1;
}

/* The namespace a sysctl belongs to, 0 for one that belongs to none. */
static int sysctl_ns(const char *key)
{
	for (size_t i = 0; i < sizeof ipc_sysctls / sizeof ipc_sysctls[0]; i++)
		if (strcmp(key, ipc_sysctls[i]) == 0)
			return CLONE_NEWIPC;
	if (strncmp(key, "fs.mqueue.", 10) == 0)
		return CLONE_NEWIPC;
	if (strncmp(key, "net.", 4) == 0)
		return CLONE_NEWNET;
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
		return CLONE_NEWUTS;
	return 0;
}

static int check_sysctl(const struct oci_spec *s, const struct oci_sysctl *kv, struct sk_err *err)
{
	int ns = sysctl_ns(kv->key);

	if (!ns)
		return sk_fail(err, 0,
			       "linux.sysctl.%s: not in a namespace of the container: it "
			       "would change the host",
			       kv->key);
	if (!oci_spec_owns_ns(s, ns))
		return sk_fail(err, 0,
			       "linux.sysctl.%s: the container has no %s namespace of "
			       "its own: it would change the host's",
			       kv->key, oci_ns_name(ns));
	if (strcmp(kv->key, "kernel.hostname") == 0 && s->hostname)
		return sk_fail(err, 0, "linux.sysctl.kernel.hostname: conflicts with \"hostname\"");
	if (strcmp(kv->key, "kernel.domainname") == 0 && s->domainname &&
	    strcmp(kv->value, s->domainname) != 0)
		return sk_fail(err, 0,
			       "linux.sysctl.kernel.domainname: \"%s\" conflicts with "
			       "domainname \"%s\"",
			       kv->value, s->domainname);
	return 0;
}

int oci_spec_check_host_safe(const struct oci_spec *s, struct sk_err *err)
{
	if (s->hostname && !oci_spec_owns_ns(s, CLONE_NEWUTS))
		return sk_fail(err, 0,
			       "hostname: needs a uts namespace of the container's own "
			       "(it would change the host's name)");
	if (s->domainname && !oci_spec_owns_ns(s, CLONE_NEWUTS))
		return sk_fail(err, 0,
			       "domainname: needs a uts namespace of the container's own "
			       "(it would change the host's domain name)");
	for (int i = 0; i < s->nsysctl; i++)
		if (check_sysctl(s, &s->sysctl[i], err) < 0)
			return -1;
	return 0;
}
