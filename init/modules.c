/* Kernel module loading (see modules.h). Every name is resolved against
 * modules.dep before anything is loaded, so a typo in the list fails before
 * the system is half set up. */
#include "modules.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "moddep.h"

#define MODULE_PATHS_MAX 256
#define MODULE_DIR_MAX	 128

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

/* Modules init needs for itself; absent ones only cost the power button. */
static const char *const optional_modules[] = {"evdev", "button"};

struct loader {
	struct moddep *md;
	char dir[MODULE_DIR_MAX];
	const char *paths[MODULE_PATHS_MAX];
	size_t n_paths;
};

/* "kernel/net/bridge/bridge.ko.xz" -> "bridge" */
static void module_name(const char *path, char *name, size_t cap)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	snprintf(name, cap, "%.*s", (int)strcspn(base, "."), base);
}

static int is_compressed(const char *path)
{
	const char *ko = strstr(path, ".ko.");

	return ko != NULL;
}

static int load_file(const struct loader *ld, const char *rel, struct sk_err *err)
{
	char path[512], name[64];
	SK_AUTOCLOSE int fd = -1;
	int flags = is_compressed(rel) ? MODULE_INIT_COMPRESSED_FILE : 0;

	module_name(rel, name, sizeof name);
	snprintf(path, sizeof path, "%s/%s", ld->dir, rel);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return sk_fail(err, errno, "open %s", path);
	if (syscall(SYS_finit_module, fd, "", flags) == 0)
		logmsg("loaded module %s", name);
	else if (errno == EEXIST)
		logmsg("module %s already loaded", name);
	else
		return sk_fail(err, errno, "finit_module %s", path);
	return 0;
}

/* Appends NAME and its dependencies to the load list. */
static int resolve_module(struct loader *ld, const char *name, struct sk_err *err)
{
	if (moddep_is_builtin(ld->md, name)) {
		logmsg("module %s is built in", name);
		return 0;
	}
	return moddep_resolve(ld->md, name, ld->paths, &ld->n_paths, MODULE_PATHS_MAX, err);
}

static int load_paths(struct loader *ld, size_t first, struct sk_err *err)
{
	for (size_t i = first; i < ld->n_paths; i++)
		if (load_file(ld, ld->paths[i], err) < 0)
			return -1;
	return 0;
}

static int optional_done;

static void load_optional(struct loader *ld)
{
	struct sk_err err;

	optional_done = 1;
	for (size_t i = 0; ld->md && i < sizeof optional_modules / sizeof *optional_modules; i++) {
		const char *name = optional_modules[i];
		const char *probe[MODULE_PATHS_MAX];
		size_t n = 0, first = ld->n_paths;
		if (moddep_is_builtin(ld->md, name) ||
		    moddep_resolve(ld->md, name, probe, &n, MODULE_PATHS_MAX, &err) < 0)
			continue;
		if (resolve_module(ld, name, &err) < 0 || load_paths(ld, first, &err) < 0)
			logwarn("loading module %s: %s", name, err.msg);
	}
}

static int open_moddep(struct loader *ld, const char *want_kernel, struct sk_err *err)
{
	struct utsname u;

	uname(&u);
	if (want_kernel && want_kernel[0] && strcmp(want_kernel, u.release) != 0)
		logwarn("config is for kernel %s but %s is running", want_kernel, u.release);
	snprintf(ld->dir, sizeof ld->dir, "/lib/modules/%s", u.release);
	if (moddep_load(ld->dir, &ld->md, err) < 0) {
		ld->md = NULL;
		return -1;
	}
	return 0;
}

int modules_load(const struct node_config *cfg, struct sk_err *err)
{
	struct loader ld = {0};
	int rc = 0;

	if (open_moddep(&ld, cfg->kernel, err) < 0 && cfg->n_modules > 0)
		return sk_wrap(err, "loading modules");
	for (size_t i = 0; i < cfg->n_modules && rc == 0; i++)
		if (resolve_module(&ld, cfg->modules[i], err) < 0)
			rc = sk_wrap(err, "loading module %s", cfg->modules[i]);
	if (rc == 0 && load_paths(&ld, 0, err) < 0)
		rc = sk_wrap(err, "loading modules");
	/* Even after a failure: the power button is how a fatal boot ends. */
	load_optional(&ld);
	if (ld.md)
		moddep_free(ld.md);
	return rc;
}

void modules_load_power_button(void)
{
	struct loader ld = {0};
	struct sk_err err;

	if (optional_done || open_moddep(&ld, NULL, &err) < 0)
		return;
	load_optional(&ld);
	moddep_free(ld.md);
}
