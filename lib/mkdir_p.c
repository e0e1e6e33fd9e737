/* mkdir -p (see mkdir_p.h). */
#include "mkdir_p.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

int sk_mkdir_p(const char *path, mode_t mode, struct sk_err *err)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof buf)
		return sk_fail(err, ENAMETOOLONG, "mkdir %s", path);
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return sk_fail(err, errno, "mkdir %s", buf);
		*p = c;
		if (!c)
			return 0;
	}
}
