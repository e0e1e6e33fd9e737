/* config.json "mounts": destination, type, source and options split into
 * mount(2) flags, propagation and filesystem data. */
#define _GNU_SOURCE
#include "cleanup.h"
#include "json_get.h"
#include "oci_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

struct mount_opt {
	const char *name;
	int clear; /* the option turns FLAG off */
	unsigned long flag;
};

static const struct mount_opt flag_opts[] = {
    {"ro", 0, MS_RDONLY},
    {"rw", 1, MS_RDONLY},
    {"nosuid", 0, MS_NOSUID},
    {"suid", 1, MS_NOSUID},
    {"nodev", 0, MS_NODEV},
    {"dev", 1, MS_NODEV},
    {"noexec", 0, MS_NOEXEC},
    {"exec", 1, MS_NOEXEC},
    {"sync", 0, MS_SYNCHRONOUS},
    {"async", 1, MS_SYNCHRONOUS},
    {"dirsync", 0, MS_DIRSYNC},
    {"remount", 0, MS_REMOUNT},
    {"mand", 0, MS_MANDLOCK},
    {"nomand", 1, MS_MANDLOCK},
    {"atime", 1, MS_NOATIME},
    {"noatime", 0, MS_NOATIME},
    {"diratime", 1, MS_NODIRATIME},
    {"nodiratime", 0, MS_NODIRATIME},
    {"relatime", 0, MS_RELATIME},
    {"norelatime", 1, MS_RELATIME},
    {"strictatime", 0, MS_STRICTATIME},
    {"nostrictatime", 1, MS_STRICTATIME},
    {"bind", 0, MS_BIND},
    {"rbind", 0, MS_BIND | MS_REC},
};

static const struct mount_opt propagation_opts[] = {
    {"private", 0, MS_PRIVATE},	      {"rprivate", 0, MS_PRIVATE | MS_REC},
    {"shared", 0, MS_SHARED},	      {"rshared", 0, MS_SHARED | MS_REC},
    {"slave", 0, MS_SLAVE},	      {"rslave", 0, MS_SLAVE | MS_REC},
    {"unbindable", 0, MS_UNBINDABLE}, {"runbindable", 0, MS_UNBINDABLE | MS_REC},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct mount_opt *find_opt(const struct mount_opt *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

unsigned long oci_propagation_flag(const char *name)
{
	const struct mount_opt *o = find_opt(propagation_opts, N(propagation_opts), name);
	return o ? o->flag : 0;
}

static int add_data(struct oci_mount *m, const char *opt, struct sk_err *err)
{
	size_t old = m->data ? strlen(m->data) : 0;
	char *d = realloc(m->data, old + strlen(opt) + 2);

	if (!d)
		return sk_fail(err, ENOMEM, "allocate");
	if (old)
		d[old++] = ',';
	strcpy(d + old, opt);
	m->data = d;
	return 0;
}

static int parse_options(const cJSON *m, const char *path, struct oci_mount *out,
			 struct sk_err *err)
{
	SK_AUTOFREE char **opts = NULL;
	const struct mount_opt *o;

	if (json_strings(m, "options", path, &opts, err) < 0)
		return -1;
	for (int i = 0; opts && opts[i]; i++) {
		if ((o = find_opt(flag_opts, N(flag_opts), opts[i]))) {
			if (o->clear) {
				out->flags &= ~o->flag;
				out->clear |= o->flag;
			} else {
				out->flags |= o->flag;
			}
		} else if ((o = find_opt(propagation_opts, N(propagation_opts), opts[i]))) {
			out->propagation = o->flag;
		} else if (add_data(out, opts[i], err) < 0) {
			return -1;
		}
	}
	return 0;
}

static int has_dotdot(const char *p)
{
	size_t n = strlen(p);
	return strstr(p, "/../") || (n >= 3 && strcmp(p + n - 3, "/..") == 0);
}

static int parse_mount(const cJSON *m, const char *path, void *elem, struct sk_err *err)
{
	struct oci_mount *out = elem;
	static const char *const keys[] = {"destination", "type", "source", "options", NULL};

	if (!cJSON_IsObject(m))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_known_keys(m, path, keys, err) < 0 ||
	    json_string(m, "destination", path, &out->dest, err) < 0 ||
	    json_string(m, "type", path, &out->type, err) < 0 ||
	    json_string(m, "source", path, &out->source, err) < 0 ||
	    parse_options(m, path, out, err) < 0)
		return -1;
	if (!out->dest || out->dest[0] != '/')
		return sk_fail(err, 0, "%s.destination: must be an absolute path", path);
	if (has_dotdot(out->dest))
		return sk_fail(err, 0, "%s.destination: \"..\" is not allowed", path);
	if (out->type && strcmp(out->type, "bind") == 0)
		out->flags |= MS_BIND;
	if (!(out->flags & MS_BIND) && !out->type)
		return sk_fail(err, 0, "%s.type: missing", path);
	if ((out->flags & MS_BIND) && (!out->source || !*out->source))
		return sk_fail(err, 0, "%s.source: missing for a bind mount", path);
	return 0;
}

int oci_parse_mounts(cJSON *json, struct oci_spec *s, struct sk_err *err)
{
	return json_array_parse(json, "mounts", "", sizeof *s->mounts, parse_mount,
				(void **)&s->mounts, &s->nmounts, err);
}
