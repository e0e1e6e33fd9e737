/* Signal names for kill and for the exit records. */
#define _GNU_SOURCE
#include "runtime.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int sig;
} sigs[] = {
    {"SIGHUP", SIGHUP},	  {"SIGINT", SIGINT},	    {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT},	    {"SIGBUS", SIGBUS},	  {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},	    {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},	    {"SIGTERM", SIGTERM}, {"SIGSTKFLT", SIGSTKFLT},
    {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT},	    {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP},
    {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},	    {"SIGURG", SIGURG},	  {"SIGXCPU", SIGXCPU},
    {"SIGXFSZ", SIGXFSZ}, {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH},
    {"SIGIO", SIGIO},	  {"SIGPWR", SIGPWR},	    {"SIGSYS", SIGSYS},
};
#define NSIGS (sizeof sigs / sizeof sigs[0])

int rt_signal_parse(const char *s)
{
	char *end;

	if (!s || !*s)
		return -1;
	long n = strtol(s, &end, 10);
	if (*end == '\0')
		return n > 0 && n < 65 ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < NSIGS; i++)
		if (strcasecmp(sigs[i].name + 3, s) == 0)
			return sigs[i].sig;
	return -1;
}

const char *rt_signal_name(int sig)
{
	for (size_t i = 0; i < NSIGS; i++)
		if (sigs[i].sig == sig)
			return sigs[i].name;
	return "SIGUNKNOWN";
}
