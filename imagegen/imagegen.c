/* "skiff-imagegen build" (see imagegen.h): check the spec against the host,
 * collect the root filesystem, then write vmlinuz, initramfs.img, cmdline
 * and manifest.json into a temporary directory that replaces the output
 * directory at the end. Nothing is written before every check passed. */
#include "imagegen.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "disk_image.h"
#include "fsutil.h"
#include "image_rootfs.h"
#include "initramfs.h"
#include "kernel.h"
#include "manifest.h"
#include "moddep.h"
#include "outdir.h"
#include "rootfs.h"
#include "spec.h"
#include "update_key.h"

#define MODULE_NAME_MAX 64

/* Modules init loads for itself (the ACPI power button), packed when the
 * kernel has them but not listed in node.json. */
static const char *const init_modules[] = {"evdev", "button"};

static void spec_cleanup(struct spec *s)
{
	spec_free(s);
}
static void kernel_cleanup(struct kernel *k)
{
	kernel_close(k);
}
static void rootfs_cleanup(struct rootfs *fs)
{
	rootfs_free(fs);
}
static void outdir_cleanup(struct outdir *o)
{
	outdir_abort(o);
}
static void key_cleanup(struct update_key *k)
{
	update_key_wipe(k);
}

/* The cloud profile is Debian's kernel as installed on the build host;
 * the micro profile is the one `make kernel` builds under build/kernel. */
static int open_kernel(const struct spec *spec, const struct image_opts *opts, struct kernel *k,
		       struct sk_err *err)
{
	char boot[PATH_MAX], modules[PATH_MAX];
	struct kernel_place place = {opts->boot_dir, opts->modules_dir, "-cloud-amd64",
				     "install linux-image-cloud-amd64 or set kernel.version"};

	if (spec->kernel_profile == SPEC_KERNEL_MICRO) {
		snprintf(boot, sizeof boot, "%s/micro/boot", opts->kernels_dir);
		snprintf(modules, sizeof modules, "%s/micro/lib/modules", opts->kernels_dir);
		place =
		    (struct kernel_place){boot, modules, "-skiff-micro",
					  "build it with `make kernel` (or give --kernels DIR)"};
	}
	if (kernel_open(&place, spec->kernel_version, k, err) == 0)
		return 0;
	if (spec->kernel_version)
		sk_wrap(err, "%s:%d: kernel.version", spec->name, spec->kernel_version_line);
	else if (spec->kernel_profile != SPEC_KERNEL_CLOUD)
		sk_wrap(err, "%s:%d: kernel.profile", spec->name, spec->kernel_profile_line);
	else
		return -1;
	return sk_class(err, SK_ERR_USAGE);
}

static int add_modules(const struct spec *spec, struct kernel *k, struct sk_err *err)
{
	for (size_t i = 0; i < spec->n_modules; i++)
		if (kernel_add_module(k, spec->modules[i].name, err) < 0) {
			sk_wrap(err, "%s:%d: kernel.modules[%zu]", spec->name,
				spec->modules[i].line, i);
			return sk_class(err, SK_ERR_USAGE);
		}
	for (size_t i = 0; i < sizeof init_modules / sizeof init_modules[0]; i++)
		if (kernel_has_module(k, init_modules[i]) &&
		    kernel_add_module(k, init_modules[i], err) < 0)
			return -1;
	if (spec->disk.enabled && disk_add_modules(k, spec->update.enabled, err) < 0)
		return -1;
	return 0;
}

static int write_cmdline(const char *dir, const struct spec *spec, struct sk_err *err)
{
	char path[PATH_MAX + 16], line[SPEC_MAX_CMDLINE + 2];
	int len = snprintf(line, sizeof line, "%s\n", spec->cmdline);

	snprintf(path, sizeof path, "%s/cmdline", dir);
	return fs_write_file(path, line, (size_t)len, err);
}

static int write_manifest(const char *dir, const struct kernel *k, const struct rootfs *fs,
			  uint32_t epoch, struct sk_err *err)
{
	char names[KERNEL_MAX_MODULES][MODULE_NAME_MAX];
	const char *list[KERNEL_MAX_MODULES];

	for (size_t i = 0; i < k->n_paths; i++) {
		moddep_name(k->paths[i], names[i], sizeof names[i]);
		list[i] = names[i];
	}
	return manifest_write(dir, k->version, list, k->n_paths, fs, epoch, err);
}

static int write_disk(const char *dir, const struct spec *spec, const struct kernel *k,
		      const struct update_key *key, const struct rootfs *fs, uint32_t epoch,
		      struct sk_err *err)
{
	char initrd[PATH_MAX + 16];
	struct disk_input in = {
	    .dir = dir,
	    .spec_path = spec->name,
	    .disk = &spec->disk,
	    .cmdline = spec->cmdline,
	    .kernel_path = k->image,
	    .kernel_version = k->version,
	    .version = spec->version,
	    .updates = spec->update.enabled,
	    .key = key->can_sign ? key : NULL,
	    .initramfs_path = initrd,
	    .fs = fs,
	    .epoch = epoch,
	};

	snprintf(initrd, sizeof initrd, "%s/initramfs.img", dir);
	return disk_build(&in, err);
}

static int write_outputs(const char *dir, const struct spec *spec, const struct kernel *k,
			 const struct update_key *key, const struct rootfs *fs, uint32_t epoch,
			 struct sk_err *err)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/vmlinuz", dir);
	if (fs_copy_file(k->image, path, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/initramfs.img", dir);
	if (initramfs_write(fs, path, spec_gzip(spec), epoch, err) < 0 ||
	    write_cmdline(dir, spec, err) < 0)
		return -1;
	if (spec->disk.enabled && write_disk(dir, spec, k, key, fs, epoch, err) < 0)
		return -1;
	return write_manifest(dir, k, fs, epoch, err);
}

int image_build(const struct image_opts *opts, struct image_summary *summary, struct sk_err *err)
{
	__attribute__((cleanup(spec_cleanup))) struct spec spec = {0};
	__attribute__((cleanup(kernel_cleanup))) struct kernel k = {0};
	__attribute__((cleanup(rootfs_cleanup))) struct rootfs fs = {0};
	__attribute__((cleanup(outdir_cleanup))) struct outdir out = {0};
	__attribute__((cleanup(key_cleanup))) struct update_key key = {0};
	int rc;

	if (spec_load(opts->spec_path, &spec, err) < 0 || update_key_load(&spec, &key, err) < 0)
		return sk_class(err, SK_ERR_USAGE);
	if ((rc = open_kernel(&spec, opts, &k, err)) < 0 ||
	    (rc = add_modules(&spec, &k, err)) < 0 ||
	    (rc = image_rootfs(&spec, &k, &key, opts, &fs, err)) < 0)
		return rc;
	if (outdir_begin(&out, opts->out_dir, err) < 0 ||
	    write_outputs(out.tmp, &spec, &k, &key, &fs, opts->epoch, err) < 0 ||
	    outdir_commit(&out, err) < 0)
		return -1;
	snprintf(summary->kernel, sizeof summary->kernel, "%s", k.version);
	summary->n_modules = k.n_paths;
	summary->n_entries = fs.n;
	return 0;
}
