/* The container's /etc/passwd, read for the process user's home directory
 * when the config sets no HOME (runc does the same). */
#define _GNU_SOURCE
#include "passwd.h"
#include "cleanup.h"
#include "util.h"
#include "file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Field I (0-based) of a passwd line, cut at the next ':' into BUF. */
static int field(const char *line, int i, char *buf, size_t size)
{
	for (; i > 0; i--) {
		line = strchr(line, ':');
		if (!line)
			return -1;
		line++;
	}
	size_t n = strcspn(line, ":\n");
	if (n >= size)
		return -1;
	memcpy(buf, line, n);
	buf[n] = '\0';
	return 0;
}

int passwd_home(const char *file, uid_t uid, char *buf, size_t size)
{
	SK_AUTOFREE char *text = NULL;
	char id[16];

	if (sk_read_file(file, 1 << 20, &text, NULL, NULL) < 0)
		return -1;
	for (char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
		char *end;
		if (field(line, 2, id, sizeof id) < 0 || !id[0])
			continue;
		unsigned long v = strtoul(id, &end, 10);
		if (*end || v != (unsigned long)uid)
			continue;
		return field(line, 5, buf, size) == 0 && buf[0] == '/' ? 0 : -1;
	}
	return -1;
}

char **passwd_env_with_home(char **env, uid_t uid)
{
	char home[1024] = "/";
	int n = 0;

	for (; env && env[n]; n++)
		if (strncmp(env[n], "HOME=", 5) == 0)
			return env;
	if (passwd_home("/etc/passwd", uid, home, sizeof home) < 0)
		snprintf(home, sizeof home, "/");
	char **out = calloc((size_t)n + 2, sizeof *out);
	if (!out || asprintf(&out[n], "HOME=%s", home) < 0)
		return env;
	if (n)
		memcpy(out, env, sizeof *out * (size_t)n);
	return out;
}
