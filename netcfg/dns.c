/* DNS: every source (the static configuration, each interface's DHCP
 * lease) keeps its own file under <state>/dns/; resolv.conf is their merge,
 * so that a lease ending removes only its own servers. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mkdir_p.h"
#include "cleanup.h"
#include "file.h"
#include "internal.h"

static void format_dns(const struct nc_dns *dns, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < dns->n_ns && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "nameserver %s\n", dns->ns[i]);
	if (dns->n_search && n < size)
		n += (size_t)snprintf(buf + n, size - n, "search");
	for (size_t i = 0; i < dns->n_search && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, " %s", dns->search[i]);
	if (dns->n_search && n < size)
		snprintf(buf + n, size - n, "\n");
}

int nc_dns_write_file(const char *path, const struct nc_dns *dns, struct sk_err *err)
{
	char text[2048];

	format_dns(dns, text, sizeof text);
	return sk_write_atomic(path, text, strlen(text), err);
}

static void add_unique(char (*list)[64], size_t *n, size_t cap, const char *s, size_t width)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(list[i], s))
			return;
	if (*n < cap && strlen(s) < width)
		snprintf(list[(*n)++], width, "%s", s);
}

static void merge_file(const char *path, struct nc_dns *out)
{
	SK_AUTOFCLOSE FILE *f = fopen(path, "re");
	char line[512], ns[NETCFG_MAX_NS][64];
	size_t n_ns = out->n_ns;

	for (size_t i = 0; i < n_ns; i++)
		snprintf(ns[i], sizeof ns[i], "%s", out->ns[i]);
	while (f && fgets(line, sizeof line, f)) {
		char *save, *w = strtok_r(line, " \t\n", &save);
		bool is_ns = w && !strcmp(w, "nameserver"), is_search = w && !strcmp(w, "search");
		while ((w = strtok_r(NULL, " \t\n", &save))) {
			if (is_ns)
				add_unique(ns, &n_ns, NETCFG_MAX_NS, w, sizeof out->ns[0]);
			else if (is_search)
				add_unique(out->search, &out->n_search, NETCFG_MAX_SEARCH, w, 64);
		}
	}
	for (size_t i = 0; i < n_ns; i++)
		snprintf(out->ns[i], sizeof out->ns[i], "%s", ns[i]);
	out->n_ns = n_ns;
}

static int regenerate(const struct netcfg_opts *opts, const char *dir, struct sk_err *err)
{
	struct dirent **names;
	struct nc_dns all = {0};
	char path[1024];
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0)
		return sk_fail(err, errno, "read %s", dir);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && !strstr(names[i]->d_name, ".tmp")) {
			snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
			merge_file(path, &all);
		}
		free(names[i]);
	}
	free(names);
	return nc_dns_write_file(nc_resolv_path(opts), &all, err);
}

/* SOURCE: "0-static" or "1-dhcp-<ifname>"; the name orders the merge.
 * DNS NULL or empty removes the source. */
int nc_dns_set(const struct netcfg_opts *opts, const char *source, const struct nc_dns *dns,
	       struct sk_err *err)
{
	char dir[400], path[512];

	snprintf(dir, sizeof dir, "%s/dns", nc_state_dir(opts));
	if (sk_mkdir_p(dir, 0755, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/%s", dir, source);
	if (dns && (dns->n_ns || dns->n_search)) {
		if (nc_dns_write_file(path, dns, err) < 0)
			return -1;
	} else if (unlink(path) < 0 && errno != ENOENT) {
		return sk_fail(err, errno, "remove %s", path);
	}
	return regenerate(opts, dir, err);
}
