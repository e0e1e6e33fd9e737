/* From a bundle to a container ready to spawn: configuration, paths,
 * seccomp filter, state directory. */
#define _GNU_SOURCE
#include "mkdir_p.h"
#include "cgroup2.h"
#include "cleanup.h"
#include "container.h"
#include "seccomp.h"
#include "state.h"
#include "util.h"
#include "file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

static int resolve_paths(const char *bundle, struct container *c, struct sk_err *err)
{
	if (!realpath(bundle, c->bundle))
		return sk_fail(err, errno, "bundle %s", bundle);
	const char *root = c->spec.root_path;
	if (rt_join(c->rootfs, sizeof c->rootfs, root[0] == '/' ? "" : c->bundle, root, err) < 0)
		return -1;
	struct stat sb;
	if (stat(c->rootfs, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return sk_fail(err, errno ? errno : ENOTDIR, "config.json: root.path: %s",
			       c->rootfs);
	return 0;
}

int spec_seccomp_filter(const struct oci_spec *spec, void **out, struct sk_err *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(spec->annotations, SECCOMP_ANNOTATION);
	const cJSON *profile = spec->seccomp;
	cJSON *def = NULL;

	if (!profile && cJSON_IsString(a)) {
		if (strcmp(a->valuestring, "default") != 0)
			return sk_fail(err, 0,
				       "config.json: annotations.%s: unknown profile \"%s\"",
				       SECCOMP_ANNOTATION, a->valuestring);
		profile = def = seccomp_default_profile();
	}
	if (!profile)
		return 0;
	int rc = seccomp_build(profile, out, err);
	cJSON_Delete(def);
	return rc < 0 ? sk_wrap(err, "config.json") : 0;
}

/* Device rules alone are skipped when cgroups are disabled on purpose
 * (crun does the same); limits are never silently dropped. */
static int choose_cgroup(const struct rt_global *g, struct container *c, struct sk_err *err)
{
	const struct oci_resources *r = &c->spec.res;
	const char *missing;

	if (!g->no_cgroups && cgroup2_available()) {
		if (r->has_limits && (missing = cgroup2_missing_controller(r)))
			return sk_fail(err, 0,
				       "config.json: linux.resources: the cgroup v2 "
				       "hierarchy at %s has no %s controller (a hybrid "
				       "host binds it to cgroup v1)",
				       cgroup2_root(), missing);
		cgroup2_path(&c->spec, c->id, c->cgroup, sizeof c->cgroup);
		return 0;
	}
	if (r->has_limits || (r->ndev_rules && !g->no_cgroups))
		return sk_fail(err, 0, "config.json: linux.resources: %s",
			       g->no_cgroups ? "cgroups are disabled (--cgroup-manager disabled)"
					     : "no cgroup v2 file system at " CGROUP_ROOT
					       " or " CGROUP_HYBRID);
	if (r->ndev_rules)
		sk_warn("config.json: linux.resources.devices: not enforced: cgroups are disabled");
	return 0;
}

static int make_dir(const struct rt_global *g, struct container *c, struct sk_err *err)
{
	char path[PATH_MAX + 16];

	if (sk_mkdir_p(g->root ? g->root : RT_DEFAULT_ROOT, 0711, err) < 0)
		return -1;
	if (mkdir(c->dir, 0711) < 0)
		return errno == EEXIST ? sk_fail(err, 0, "container %s already exists", c->id)
				       : sk_fail(err, errno, "mkdir %s", c->dir);
	snprintf(path, sizeof path, "%s/config.json", c->dir);
	return sk_write_atomic(path, c->config_text, strlen(c->config_text), err);
}

int container_prepare(const struct rt_global *g, const char *id, const char *bundle,
		      struct container *c, struct sk_err *err)
{
	memset(c, 0, sizeof *c);
	c->fifo_fd = -1;
	c->console_fd = -1;
	c->stdio[0] = c->stdio[1] = c->stdio[2] = -1;
	snprintf(c->id, sizeof c->id, "%s", id);
	if (state_dir(g, id, c->dir, sizeof c->dir, err) < 0)
		return -1;
	if (oci_spec_load(bundle ? bundle : ".", &c->spec, &c->config_text, err) < 0 ||
	    resolve_paths(bundle ? bundle : ".", c, err) < 0 ||
	    spec_seccomp_filter(&c->spec, &c->seccomp, err) < 0 || choose_cgroup(g, c, err) < 0)
		return -1;
	if (!oci_spec_ns(&c->spec, CLONE_NEWNS))
		return sk_fail(err, 0,
			       "config.json: linux.namespaces: a mount namespace is required");
	if (oci_spec_check_host_safe(&c->spec, err) < 0)
		return sk_wrap(err, "config.json");
	if (c->spec.process.caps.nunknown)
		sk_warn("config.json: process.capabilities: unknown capability \"%s\" ignored%s",
			c->spec.process.caps.unknown,
			c->spec.process.caps.nunknown > 1 ? " (and others)" : "");
	sk_now_rfc3339(c->created, sizeof c->created, 1);
	return make_dir(g, c, err);
}

void container_free(struct container *c)
{
	oci_spec_free(&c->spec);
	free(c->config_text);
	seccomp_filter_free(c->seccomp);
	c->config_text = NULL;
	c->seccomp = NULL;
	if (c->fifo_fd >= 0)
		close(c->fifo_fd);
	if (c->console_fd >= 0)
		close(c->console_fd);
	c->fifo_fd = c->console_fd = -1;
}

void container_discard(struct container *c)
{
	if (c->cgroup[0])
		cgroup2_destroy(c->cgroup, NULL);
	state_remove_dir(c->dir, NULL);
}
