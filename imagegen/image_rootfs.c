/* An image's root filesystem (see image_rootfs.h). The order of the steps
 * matters: the skeleton is weak (the spec's files replace it), the spec's
 * files come after everything Skiff generates so that a conflict names
 * the spec's line, and busybox comes last so its applets yield to all. */
#include "image_rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "busybox.h"
#include "cleanup.h"
#include "elf.h"
#include "fsutil.h"
#include "node_json.h"
#include "os_release.h"

#define GENERATED    "skiff-imagegen"
#define SYMLINK_HOPS 8

/* The node binary (all of Skiff's node roles, node/main.c) and the links
 * that pick its roles: /sbin/init always, /usr/bin/skiff-ROLE for the
 * roles the image uses. Symlinks, because every writer here carries them
 * (cpio, squashfs, ext4) and a hard link would need cpio's shared-inode
 * rules; the binary picks the role from the name it is run as. */
#define NODE_BINARY "skiff"
#define NODE_PATH   "/usr/bin/skiff"
static const char *const node_roles[] = {"skiff-runtime", "skiff-netcfg", "skiff-agent"};

static const char *const directories[] = {
    "/proc",	 "/sys",       "/dev", "/dev/pts", "/dev/shm",	     "/run",  "/tmp",
    "/etc",	 "/etc/skiff", "/var", "/var/lib", "/var/lib/skiff", "/usr",  "/usr/bin",
    "/usr/sbin", "/sbin",      "/bin", "/lib",	   "/lib/modules",   "/root",
};

static int add_skeleton_dirs(struct rootfs *fs, const struct kernel *k, struct sk_err *err)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof directories / sizeof directories[0]; i++) {
		unsigned mode = strcmp(directories[i], "/tmp") == 0    ? 01777
				: strcmp(directories[i], "/root") == 0 ? 0700
								       : 0755;
		if (rootfs_add_dir(fs, directories[i], mode, GENERATED, err) < 0)
			return -1;
	}
	snprintf(path, sizeof path, "/lib/modules/%s", k->version);
	if (rootfs_add_dir(fs, path, 0755, GENERATED, err) < 0)
		return -1;
	/* The kernel opens the console before anything mounts devtmpfs. */
	return rootfs_add_chardev(fs, "/dev/console", 0600, 5, 1, GENERATED, err);
}

/* An image carries only the node binaries it uses: a cluster node needs
 * the agent, the runtime and netcfg (the agent drives containers, netcfg
 * is udhcpc's script), a networked node netcfg, a debug image everything
 * for poking around; a service may name any of them. */
static int wanted(const struct spec *spec, const char *name)
{
	char path[PATH_MAX];

	if (spec->debug || spec->cluster)
		return 1;
	if (spec->network && strcmp(name, "skiff-netcfg") == 0)
		return 1;
	snprintf(path, sizeof path, "/usr/bin/%s", name);
	for (size_t i = 0; i < spec->n_services; i++)
		if (spec->services[i].n_exec && strcmp(spec->services[i].exec[0], path) == 0)
			return 1;
	return 0;
}

static int add_binaries(struct rootfs *fs, const struct spec *spec, const char *bin,
			struct sk_err *err)
{
	char path[PATH_MAX], image[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", bin, NODE_BINARY);
	if (!fs_exists(path))
		return sk_fail(err, 0, "no %s in %s (build it with make, or give --bin DIR)",
			       NODE_BINARY, bin);
	if (elf_check_static(path, err) < 0 ||
	    rootfs_add_host_file(fs, NODE_PATH, 0755, path, GENERATED, err) < 0 ||
	    rootfs_add_symlink(fs, "/sbin/init", NODE_PATH, GENERATED, err) < 0 ||
	    rootfs_add_symlink(fs, "/init", "sbin/init", GENERATED, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof node_roles / sizeof node_roles[0]; i++) {
		snprintf(image, sizeof image, "/usr/bin/%s", node_roles[i]);
		if (wanted(spec, node_roles[i]) &&
		    rootfs_add_symlink(fs, image, NODE_BINARY, GENERATED, err) < 0)
			return -1;
	}
	return 0;
}

static int add_modules(struct rootfs *fs, const struct kernel *k, struct sk_err *err)
{
	char host[PATH_MAX * 2], image[PATH_MAX];
	SK_AUTOFREE char *dep = NULL;
	size_t len;

	for (size_t i = 0; i < k->n_paths; i++) {
		snprintf(host, sizeof host, "%s/%s", k->modules, k->paths[i]);
		snprintf(image, sizeof image, "/lib/modules/%s/%s", k->version, k->paths[i]);
		if (rootfs_add_host_file(fs, image, 0644, host, GENERATED, err) < 0)
			return -1;
	}
	if (kernel_packed_moddep(k, &dep, &len, err) < 0)
		return -1;
	snprintf(image, sizeof image, "/lib/modules/%s/modules.dep", k->version);
	if (rootfs_add_data(fs, image, 0644, dep, len, GENERATED, err) < 0)
		return -1;
	snprintf(host, sizeof host, "%s/modules.builtin", k->modules);
	snprintf(image, sizeof image, "/lib/modules/%s/modules.builtin", k->version);
	if (fs_exists(host))
		return rootfs_add_host_file(fs, image, 0644, host, GENERATED, err);
	return 0;
}

static int add_node_json(struct rootfs *fs, const struct spec *spec, const struct kernel *k,
			 struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;
	size_t len;

	if (node_json_render(spec, k->version, &text, &len, err) < 0)
		return -1;
	return rootfs_add_data(fs, NODE_JSON_PATH, 0644, text, len, GENERATED, err);
}

/* The version goes where people and tools look (os-release), and the
 * trusted update key where the agent looks. */
static int add_release(struct rootfs *fs, const struct spec *spec, const struct update_key *key,
		       struct sk_err *err)
{
	char text[OS_RELEASE_MAX], pem[UPDATE_PUB_PEM];
	size_t len = os_release_render(spec->version, text);

	if (rootfs_add_data(fs, "/etc/os-release", 0644, text, len, GENERATED, err) < 0)
		return -1;
	if (!spec->update.enabled)
		return 0;
	len = update_key_pem(key, pem);
	return rootfs_add_data(fs, UPDATE_PUB_PATH, 0644, pem, len, GENERATED, err);
}

static int add_spec_file(struct rootfs *fs, const struct spec *spec, size_t i, struct sk_err *err)
{
	const struct spec_file *f = &spec->files[i];
	char origin[PATH_MAX], host[PATH_MAX * 2];
	struct stat st;

	snprintf(origin, sizeof origin, "%s:%d: files[%zu].path", spec->name, f->path_line, i);
	if (f->content)
		return rootfs_add_data(fs, f->path, f->mode, f->content, f->content_len, origin,
				       err);
	snprintf(host, sizeof host, "%s%s%s", f->source[0] == '/' ? "" : spec->dir,
		 f->source[0] == '/' ? "" : "/", f->source);
	if (stat(host, &st) < 0 || access(host, R_OK) < 0)
		return sk_fail(err, errno, "%s:%d: files[%zu].source: %s", spec->name,
			       f->source_line, i, host);
	if (!S_ISREG(st.st_mode))
		return sk_fail(err, 0, "%s:%d: files[%zu].source: %s is not a regular file",
			       spec->name, f->source_line, i, host);
	return rootfs_add_host_file(fs, f->path, f->mode, host, origin, err);
}

/* Skiff's busybox builds (mk/busybox.sh) live beside the node binaries. */
static int busybox_path(const char *bin, const char *name, char *out, size_t cap,
			struct sk_err *err)
{
	snprintf(out, cap, "%s/%s", bin, name);
	if (!fs_exists(out))
		return sk_fail(err, 0, "no %s in %s (build it with make, or give --bin DIR)", name,
			       bin);
	return elf_check_static(out, err);
}

static int add_busybox(struct rootfs *fs, const char *bin, struct sk_err *err)
{
	char busybox[PATH_MAX];
	char **applets = NULL;
	size_t n = 0;
	int rc = 0;

	if (busybox_path(bin, BUSYBOX_DEBUG, busybox, sizeof busybox, err) < 0 ||
	    busybox_applets(busybox, &applets, &n, err) < 0)
		return sk_wrap(err, "debug: true needs busybox");
	if (rootfs_add_host_file(fs, "/bin/busybox", 0755, busybox, "busybox", err) < 0)
		rc = -1;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!rootfs_find(fs, applets[i]))
			rc = rootfs_add_symlink(fs, applets[i], "/bin/busybox", "busybox", err);
	busybox_applets_free(applets);
	return rc;
}

/* A networked image gets busybox built with udhcpc alone (DHCP, also when
 * the kernel command line asks for it with ip=dhcp), as /bin/udhcpc. */
static int add_udhcpc(struct rootfs *fs, const char *bin, struct sk_err *err)
{
	char udhcpc[PATH_MAX];

	if (busybox_path(bin, BUSYBOX_UDHCPC, udhcpc, sizeof udhcpc, err) < 0)
		return sk_wrap(err, "network: needs udhcpc");
	return rootfs_add_host_file(fs, "/bin/udhcpc", 0755, udhcpc, "busybox", err);
}

/* Follows symbolic links inside the image; NULL if PATH leads nowhere. */
static const struct rootfs_entry *resolve(const struct rootfs *fs, const char *path)
{
	char cur[PATH_MAX];
	const struct rootfs_entry *e;

	snprintf(cur, sizeof cur, "%s", path);
	for (int hops = 0; (e = rootfs_find(fs, cur)) && e->type == ROOTFS_SYMLINK; hops++) {
		char next[PATH_MAX];
		const char *slash = strrchr(e->path, '/');
		if (hops == SYMLINK_HOPS)
			return NULL;
		if (e->data[0] == '/' || !slash)
			snprintf(next, sizeof next, "%s", e->data);
		else
			snprintf(next, sizeof next, "%.*s/%s", (int)(slash - e->path), e->path,
				 e->data);
		memcpy(cur, next, sizeof cur);
	}
	return e;
}

/* A service whose program is not in the image would only fail at boot. */
static int check_services(const struct rootfs *fs, const struct spec *spec, struct sk_err *err)
{
	for (size_t i = 0; i < spec->n_services; i++) {
		const struct spec_service *svc = &spec->services[i];
		const struct rootfs_entry *e = resolve(fs, svc->exec[0]);
		if (!e)
			return sk_fail(err, 0,
				       "%s:%d: services[%zu].exec[0]: %s is not in the image "
				       "(debug: true adds busybox; files: can add programs)",
				       spec->name, svc->exec_line, i, svc->exec[0]);
		if (e->type != ROOTFS_FILE || !(e->mode & 0111))
			return sk_fail(err, 0, "%s:%d: services[%zu].exec[0]: %s is not executable",
				       spec->name, svc->exec_line, i, svc->exec[0]);
	}
	return 0;
}

static int add_generated(struct rootfs *fs, const struct spec *spec, const struct kernel *k,
			 const struct update_key *key, const struct image_opts *opts,
			 struct sk_err *err)
{
	if (add_skeleton_dirs(fs, k, err) < 0 || add_binaries(fs, spec, opts->bin_dir, err) < 0 ||
	    add_modules(fs, k, err) < 0 || add_node_json(fs, spec, k, err) < 0 ||
	    add_release(fs, spec, key, err) < 0)
		return -1;
	if (!fs_is_dir(opts->rootfs_dir))
		return sk_fail(err, 0, "no rootfs skeleton at %s (give --rootfs DIR)",
			       opts->rootfs_dir);
	return rootfs_add_tree(fs, opts->rootfs_dir, "rootfs skeleton", err);
}

int image_rootfs(const struct spec *spec, const struct kernel *k, const struct update_key *key,
		 const struct image_opts *opts, struct rootfs *fs, struct sk_err *err)
{
	if (add_generated(fs, spec, k, key, opts, err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_files; i++)
		if (add_spec_file(fs, spec, i, err) < 0)
			return sk_class(err, SK_ERR_USAGE);
	if (spec->debug && add_busybox(fs, opts->bin_dir, err) < 0)
		return -1;
	if (!spec->debug && spec->network && add_udhcpc(fs, opts->bin_dir, err) < 0)
		return -1;
	if (rootfs_finish(fs, err) < 0 || check_services(fs, spec, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	return 0;
}
