/* busybox's applet list (see busybox.h). */
#define _GNU_SOURCE
#include "busybox.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIST_MAX    (1 << 20)
#define APPLETS_MAX 1024
#define APPLET_MAX  128

extern char **environ;

/* Runs ARGV with stdout into *OUT (at most LIST_MAX bytes). */
static int capture(char *const argv[], char **out, struct sk_err *err)
{
	posix_spawn_file_actions_t fa;
	int fds[2], status, rc;
	pid_t pid;
	char *buf = malloc(LIST_MAX + 1);
	size_t len = 0;
	ssize_t n;

	if (!buf || pipe2(fds, O_CLOEXEC) < 0) {
		free(buf);
		return sk_fail(err, errno ? errno : ENOMEM, "run %s", argv[0]);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (rc == 0 && (n = read(fds[0], buf + len, LIST_MAX - len)) != 0)
		if (n > 0)
			len += (size_t)n;
		else if (errno != EINTR)
			break;
	close(fds[0]);
	buf[len] = '\0';
	if (rc != 0) {
		free(buf);
		return sk_fail(err, rc, "run %s", argv[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == LIST_MAX) {
		free(buf);
		return sk_fail(err, 0, "%s %s failed", argv[0], argv[1]);
	}
	*out = buf;
	return 0;
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void busybox_applets_free(char **applets)
{
	for (char **p = applets; p && *p; p++)
		free(*p);
	free(applets);
}

int busybox_applets(const char *busybox, char ***out, size_t *n, struct sk_err *err)
{
	char *argv[] = {(char *)busybox, "--list-full", NULL};
	char *text = NULL, *save = NULL;
	char **v = calloc(APPLETS_MAX + 1, sizeof *v);
	size_t count = 0;

	if (!v)
		return sk_fail(err, ENOMEM, "%s", busybox);
	if (capture(argv, &text, err) < 0) {
		free(v);
		return -1;
	}
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (count == APPLETS_MAX || strlen(l) > APPLET_MAX || strstr(l, "..") ||
		    l[0] == '/')
			continue;
		if (!(v[count++] = strdup(l))) {
			free(text);
			busybox_applets_free(v);
			return sk_fail(err, ENOMEM, "%s", busybox);
		}
	}
	free(text);
	qsort(v, count, sizeof *v, compare_strings);
	*out = v;
	*n = count;
	return 0;
}
