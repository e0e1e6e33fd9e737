/* Container address allocation: one file per address under the IPAM
 * directory, named by the address and holding the owner id, created with
 * O_EXCL so that no address is handed out twice, and surviving an agent
 * restart (an owner that asks again gets the address it already holds). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "mkdir_p.h"
#include "cleanup.h"
#include "internal.h"

static bool owned_by(const char *dir, const char *name, const char *owner)
{
	char path[512], buf[160];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (sk_read_small(path, buf, sizeof buf) <= 0)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, owner);
}

static int find_owned(const char *dir, const char *owner, struct netcfg_prefix *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d)))
		if (e->d_name[0] != '.' && owned_by(dir, e->d_name, owner) &&
		    netcfg_prefix_parse(e->d_name, false, out) == 0)
			found = 1;
	if (d)
		closedir(d);
	return found;
}

static int try_claim(const char *dir, const struct netcfg_prefix *ip, const char *owner,
		     struct sk_err *err)
{
	char name[64], path[512];
	SK_AUTOCLOSE int fd = -1;
	size_t len = strlen(owner);

	netcfg_prefix_format(ip, false, name, sizeof name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : sk_fail(err, errno, "create %s", path);
	if (write(fd, owner, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		unlink(path);
		return sk_fail(err, errno, "write %s", path);
	}
	return 1;
}

int nc_ipam_claim(const char *dir, const struct netcfg_prefix *subnet, const char *owner,
		  struct netcfg_prefix *out, struct sk_err *err)
{
	uint32_t base, size;
	struct in_addr a;
	int r;

	if (sk_mkdir_p(dir, 0755, err) < 0)
		return -1;
	if (find_owned(dir, owner, out)) {
		out->len = subnet->len;
		return 0;
	}
	memcpy(&a, subnet->addr, 4);
	size = subnet->len >= 31 ? 0 : 1U << (32 - subnet->len);
	base = ntohl(a.s_addr) & ~(size - 1);
	/* .0 is the network, .1 the gateway, the last the broadcast. */
	for (uint32_t host = 2; host + 1 < size; host++) {
		*out = *subnet;
		a.s_addr = htonl(base + host);
		memcpy(out->addr, &a, 4);
		if ((r = try_claim(dir, out, owner, err)) != 0)
			return r < 0 ? -1 : 0;
	}
	return sk_fail(err, ENOSPC, "no free address in the container subnet");
}

int nc_ipam_release(const char *dir, const char *owner, struct sk_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : sk_fail(err, errno, "open %s", dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && (!owner || owned_by(dir, e->d_name, owner))) {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (unlink(path) < 0 && errno != ENOENT)
				r = sk_fail(err, errno, "remove %s", path);
		}
	closedir(d);
	return r;
}
