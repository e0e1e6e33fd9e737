/* initProcessEnabled: the agent's binary, mounted into the container and
 * run as its PID 1 under the name skiff-init-process (as Docker runs
 * docker-init, tini). It starts the container's command, passes every
 * signal it can catch on to it, reaps every orphan, and exits as the
 * command did (128+signal when a signal ended it). It allocates nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "node/roles.h"

static int exit_status(int wstatus)
{
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
}

static void __attribute__((noreturn)) run_command(char **argv, const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
	execvp(argv[0], argv);
	fprintf(stderr, "skiff-init-process: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Returns the command's exit status once it ended. */
static int supervise(pid_t child, const sigset_t *all)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(all, &si), wstatus;
		pid_t pid;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
			if (pid == child)
				return exit_status(wstatus);
	}
}

int container_init_main(int argc, char **argv)
{
	sigset_t all, old;
	pid_t child;
	int first = argc > 1 && !strcmp(argv[1], "--") ? 2 : 1;

	if (first >= argc) {
		fputs("usage: skiff-init-process [--] COMMAND [ARG...]\n", stderr);
		return SK_EXIT_USAGE;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	if ((child = fork()) < 0) {
		perror("skiff-init-process: fork");
		return SK_EXIT_SYS;
	}
	if (child == 0)
		run_command(argv + first, &old);
	return supervise(child, &all);
}
