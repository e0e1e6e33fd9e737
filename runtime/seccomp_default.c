/* The built-in seccomp profile, modelled on Docker's default: everything
 * not listed fails with EPERM; clone may not create namespaces; clone3
 * fails with ENOSYS so that libcs fall back to clone; personality is
 * limited to the harmless values. Selected by `skiff-runtime spec
 * --seccomp-default` or the run.skiff.seccomp=default annotation. */
#define _GNU_SOURCE
#include "seccomp.h"

#include <cjson/cJSON.h>
#include <sched.h>
#include <string.h>

static const char allowed[] =
    "accept accept4 access adjtimex alarm arch_prctl bind brk capget capset chdir chmod "
    "chown chown32 chroot clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 "
    "clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 close close_range "
    "connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl "
    "epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve "
    "execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate "
    "fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync "
    "fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs "
    "fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu "
    "getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups "
    "getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom "
    "getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid "
    "getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr "
    "inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy "
    "io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit "
    "io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule "
    "landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat "
    "listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise "
    "membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 "
    "mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive "
    "mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget "
    "msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat "
    "_newselect open openat openat2 pause pidfd_getfd pidfd_open pidfd_send_signal pipe pipe2 "
    "pkey_alloc pkey_free pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 "
    "prlimit64 process_mrelease pselect6 pselect6_time64 ptrace pwrite64 pwritev pwritev2 read "
    "readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg "
    "remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq "
    "rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend "
    "rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr "
    "sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler "
    "sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity sched_setattr "
    "sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop "
    "semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto "
    "setdomainname setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups "
    "setgroups32 sethostname setitimer setpgid setpriority setregid setregid32 setresgid "
    "setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid "
    "setsockopt set_thread_area set_tid_address setuid setuid32 setxattr shmat shmctl shmdt "
    "shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socket socketcall "
    "socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync "
    "sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete "
    "timer_getoverrun timer_gettime timer_gettime64 timer_settime timer_settime64 "
    "timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times "
    "tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat "
    "utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev";

static cJSON *rule(const char *action, cJSON *names)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "names", names);
	cJSON_AddStringToObject(r, "action", action);
	return r;
}

static cJSON *arg(int index, double value, double two, const char *op)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddNumberToObject(a, "index", index);
	cJSON_AddNumberToObject(a, "value", value);
	cJSON_AddNumberToObject(a, "valueTwo", two);
	cJSON_AddStringToObject(a, "op", op);
	return a;
}

static cJSON *allow_list(void)
{
	cJSON *names = cJSON_CreateArray();
	const char *p = allowed;

	while (*p) {
		size_t n = strcspn(p, " ");
		char name[40];
		if (n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			cJSON_AddItemToArray(names, cJSON_CreateString(name));
		}
		p += n;
		p += strspn(p, " ");
	}
	return rule("SCMP_ACT_ALLOW", names);
}

static cJSON *one_name(const char *name)
{
	cJSON *names = cJSON_CreateArray();
	cJSON_AddItemToArray(names, cJSON_CreateString(name));
	return names;
}

static cJSON *personality_rule(void)
{
	static const double values[] = {0, 8, 0x20000, 0x20008, 0xffffffff};
	cJSON *args = cJSON_CreateArray();
	/* Repeated index: each value is an alternative. */
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
		cJSON_AddItemToArray(args, arg(0, values[i], 0, "SCMP_CMP_EQ"));
	cJSON *r = rule("SCMP_ACT_ALLOW", one_name("personality"));
	cJSON_AddItemToObject(r, "args", args);
	return r;
}

static cJSON *clone_rule(void)
{
	const double ns = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
			  CLONE_NEWNET | CLONE_NEWCGROUP;
	cJSON *args = cJSON_CreateArray();
	cJSON_AddItemToArray(args, arg(0, ns, 0, "SCMP_CMP_MASKED_EQ"));
	cJSON *r = rule("SCMP_ACT_ALLOW", one_name("clone"));
	cJSON_AddItemToObject(r, "args", args);
	return r;
}

cJSON *seccomp_default_profile(void)
{
	cJSON *sc = cJSON_CreateObject(), *arches = cJSON_CreateArray();
	cJSON *syscalls = cJSON_CreateArray();

	cJSON_AddStringToObject(sc, "defaultAction", "SCMP_ACT_ERRNO");
	cJSON_AddNumberToObject(sc, "defaultErrnoRet", 1);
	cJSON_AddItemToArray(arches, cJSON_CreateString("SCMP_ARCH_X86_64"));
	cJSON_AddItemToArray(arches, cJSON_CreateString("SCMP_ARCH_X86"));
	cJSON_AddItemToArray(arches, cJSON_CreateString("SCMP_ARCH_X32"));
	cJSON_AddItemToObject(sc, "architectures", arches);
	cJSON_AddItemToArray(syscalls, allow_list());
	cJSON_AddItemToArray(syscalls, personality_rule());
	cJSON_AddItemToArray(syscalls, clone_rule());
	cJSON *c3 = rule("SCMP_ACT_ERRNO", one_name("clone3"));
	cJSON_AddNumberToObject(c3, "errnoRet", 38); /* ENOSYS */
	cJSON_AddItemToArray(syscalls, c3);
	cJSON_AddItemToObject(sc, "syscalls", syscalls);
	return sc;
}
