/* The image worker's confinement (see image_worker.h): after it, a bug in
 * TLS, JSON, manifest or tar parsing can at worst write into the store.
 *
 * Mounts: a private mount namespace whose root is a small tmpfs (mounted
 * on DATA/tmp, which exists, in this namespace only) holding /store (DATA
 * itself, bound without its submounts), read-only binds of the CA bundle,
 * /etc/resolv.conf and /etc/hosts (musl reads them at each lookup), and
 * the layout being loaded. Capabilities: CHOWN, DAC_OVERRIDE, FOWNER,
 * FSETID and SETFCAP (owners, modes and file capabilities a layer sets;
 * MKNOD with --allow-devices), nothing else, no_new_privs. Seccomp: the
 * system calls of networking, files and memory; anything else kills it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "caps.h"
#include "image_internal.h"
#include "image_worker.h"
#include "oci_spec.h"

#define CA_DEFAULT "/etc/ssl/certs/ca-certificates.crt"

static const char *const allowed_syscalls[] = {
    /* memory, time, process */
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "futex",
    "exit",
    "exit_group",
    "rt_sigreturn",
    "rt_sigaction",
    "rt_sigprocmask",
    "clock_gettime",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    "getrandom",
    "getpid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "uname",
    "sched_yield",
    "set_tid_address",
    "prlimit64",
    "umask",
    /* files */
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "open",
    "openat",
    "close",
    "fstat",
    "stat",
    "lstat",
    "newfstatat",
    "statx",
    "lseek",
    "fcntl",
    "dup",
    "dup2",
    "dup3",
    "ioctl",
    "getdents64",
    "mkdir",
    "mkdirat",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "readlink",
    "readlinkat",
    "mknod",
    "mknodat",
    "fchown",
    "fchownat",
    "lchown",
    "chown",
    "fchmod",
    "fchmodat",
    "chmod",
    "utimensat",
    "fsetxattr",
    "lsetxattr",
    "setxattr",
    "flock",
    "fsync",
    "fdatasync",
    "ftruncate",
    "access",
    "faccessat",
    "faccessat2",
    "fstatfs",
    "statfs",
    "getcwd",
    "chdir",
    "fchdir",
    "close_range",
    "pipe2",
    /* network */
    "socket",
    "connect",
    "bind",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "sendmmsg",
    "recvmmsg",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "getsockopt",
    "setsockopt",
    "getsockname",
    "getpeername",
    "shutdown",
};

static int load_filter(struct sk_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; rc == 0 && i < sizeof allowed_syscalls / sizeof *allowed_syscalls; i++) {
		int nr = seccomp_syscall_resolve_name(allowed_syscalls[i]);
		if (nr != __NR_SCMP_ERROR)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc < 0 ? sk_fail(err, -rc, "image worker: seccomp filter") : 0;
}

static int drop_caps(int allow_devices, struct sk_err *err)
{
	uint64_t keep = 1ULL << CAP_CHOWN | 1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_FOWNER |
			1ULL << CAP_FSETID | 1ULL << CAP_SETFCAP;
	if (allow_devices)
		keep |= 1ULL << CAP_MKNOD;
	struct oci_caps caps = {.set = 1, .bounding = keep, .effective = keep, .permitted = keep};

	if (caps_drop_bounding(&caps, err) < 0 || caps_apply(&caps, err) < 0)
		return sk_wrap(err, "image worker: capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sk_fail(err, errno, "image worker: no_new_privs");
	return 0;
}

/* Binds SOURCE (a file or directory) read-only at ROOT/NAME; a missing
 * source is skipped (returns 1). */
static int bind_ro(const char *source, const char *root, const char *name, struct sk_err *err)
{
	char target[700];
	struct stat sb;

	if (stat(source, &sb) < 0)
		return 1;
	snprintf(target, sizeof target, "%s/%s", root, name);
	if (S_ISDIR(sb.st_mode) ? mkdir(target, 0755) < 0
				: close(open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0)
		return sk_fail(err, errno, "image worker: make %s", target);
	if (mount(source, target, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
		  NULL) < 0)
		return sk_fail(err, errno, "image worker: bind %s", source);
	return 0;
}

/* pivot_root is refused when / is the initramfs: chroot then (the
 * capability to leave a chroot is dropped right after). */
static int enter_root(const char *root, struct sk_err *err)
{
	if (chdir(root) < 0)
		return sk_fail(err, errno, "image worker: chdir %s", root);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0)
			return sk_fail(err, errno, "image worker: detach the old root");
	} else if (errno != EINVAL || chroot(".") < 0) {
		return sk_fail(err, errno, "image worker: enter %s", root);
	}
	return chdir("/") < 0 ? sk_fail(err, errno, "image worker: chdir /") : 0;
}

static int build_root(struct image_opts *o, const char **layout, struct sk_err *err)
{
	char root[600], store[640];
	const char *data = image_data_dir(o), *ca = o->ca_file ? o->ca_file : CA_DEFAULT;

	snprintf(root, sizeof root, "%s/tmp", data);
	snprintf(store, sizeof store, "%s/store", root);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sk_fail(err, errno, "image worker: own mount namespace");
	if (mount("skiff-image-worker", root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=64k") < 0 ||
	    mkdir(store, 0755) < 0 || mount(data, store, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, store, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return sk_fail(err, errno, "image worker: a root holding only %s", data);
	snprintf(store, sizeof store, "%s/etc", root);
	if (mkdir(store, 0755) < 0 || bind_ro(ca, root, "etc/ca.crt", err) < 0 ||
	    bind_ro("/etc/resolv.conf", root, "etc/resolv.conf", err) < 0 ||
	    bind_ro("/etc/hosts", root, "etc/hosts", err) < 0 ||
	    (*layout && bind_ro(*layout, root, "layout", err) < 0))
		return -1;
	if (enter_root(root, err) < 0)
		return -1;
	o->data_dir = "/store";
	o->ca_file = "/etc/ca.crt";
	if (*layout)
		*layout = "/layout";
	return 0;
}

int image_sandbox_enter(struct image_opts *o, const char **layout, struct sk_err *err)
{
	if (geteuid() == 0 &&
	    (build_root(o, layout, err) < 0 || drop_caps(o->allow_devices, err) < 0))
		return -1;
	if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sk_fail(err, errno, "image worker: no_new_privs");
	return load_filter(err);
}
