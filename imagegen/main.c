/* skiff-imagegen: the command line. Parses arguments and the environment,
 * calls image_build, and turns its result into a summary or an exit. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "err.h"
#include "imagegen.h"
#include "manifest.h"

#ifndef SKIFF_VERSION
#include "version.h"
#endif

static const char usage_text[] =
    "usage: skiff-imagegen build SPEC.yaml -o DIR [--bin DIR] [--kernels DIR] [--rootfs DIR]\n"
    "                            [--quiet]\n"
    "       skiff-imagegen --help | --version\n";

static const char build_help[] =
    "usage: skiff-imagegen build SPEC.yaml -o DIR [--bin DIR] [--kernels DIR] [--rootfs DIR]\n"
    "                            [--quiet]\n"
    "\n"
    "Builds the image SPEC.yaml describes (docs/spec.md) into DIR: vmlinuz,\n"
    "initramfs.img, cmdline and manifest.json; with disk: also disk.raw,\n"
    "disk.qcow2 and disk.json, and with update.signing_key the signed update\n"
    "(update/, an OCI layout for skopeo, update.json, update.sig; docs/disk.md).\n"
    "DIR is replaced only when the build succeeds. SOURCE_DATE_EPOCH (default 0)\n"
    "stamps every file, so the same spec gives byte-identical outputs.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR  the image directory to write\n"
    "  --bin DIR         where skiff (the node binary) and the busybox builds\n"
    "                    are (default: the directory of skiff-imagegen)\n"
    "  --kernels DIR     where Skiff's own kernels are (kernel.profile: micro is\n"
    "                    DIR/micro; default: ../kernel from the --bin default)\n"
    "  --rootfs DIR      the root filesystem skeleton (default: rootfs/ of the\n"
    "                    source tree skiff-imagegen was built in)\n"
    "  -q, --quiet       print nothing on success\n"
    "  -h, --help        this text\n"
    "\n"
    "exit status: 0 built, 1 the build failed, 2 bad spec or usage\n";

static uint32_t source_date_epoch(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno || v > UINT32_MAX || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		sk_fatalf(SK_ERR_USAGE,
			  "SOURCE_DATE_EPOCH: expected seconds since 1970 (0 to 4294967295), "
			  "got \"%s\"",
			  s);
	return (uint32_t)v;
}

/* The directory of the running executable, for the default --bin and
 * --rootfs. */
static void exe_dir(char out[PATH_MAX])
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);

	if (n < 0)
		sk_fatalf(SK_ERR_FAIL, "readlink /proc/self/exe: %s", strerror(errno));
	path[n] = '\0';
	snprintf(out, PATH_MAX, "%s", dirname(path));
}

static void print_summary(const struct image_opts *o, const struct image_summary *s)
{
	printf("skiff-imagegen: built %s (kernel %s, %zu modules, %zu entries)\n", o->out_dir,
	       s->kernel, s->n_modules, s->n_entries);
	for (size_t i = 0; i == 0 || manifest_outputs[i - 1]; i++) {
		const char *name = manifest_outputs[i] ? manifest_outputs[i] : MANIFEST_NAME;
		char path[PATH_MAX + 64];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", o->out_dir, name);
		if (stat(path, &st) == 0)
			printf("  %-15s %10lld bytes\n", name, (long long)st.st_size);
	}
}

static int cmd_build(int argc, char **argv)
{
	static char dir[PATH_MAX], rootfs[PATH_MAX + 16], kernels[PATH_MAX + 16];
	struct image_opts o = {.boot_dir = "/boot", .modules_dir = "/lib/modules"};
	struct image_summary summary = {0};
	struct sk_err err = {0};
	int quiet = 0;
	const struct arg_opt opts[] = {
	    {"-o", ARG_STR, &o.out_dir, NULL},
	    {"--output", ARG_STR, &o.out_dir, NULL},
	    {"--bin", ARG_STR, &o.bin_dir, NULL},
	    {"--rootfs", ARG_STR, &o.rootfs_dir, NULL},
	    {"--kernels", ARG_STR, &o.kernels_dir, NULL},
	    {"-q", ARG_FLAG, &quiet, NULL},
	    {"--quiet", ARG_FLAG, &quiet, NULL},
	    {NULL, ARG_FLAG, NULL, NULL},
	};

	if (sk_args_help(argc, argv, 1, 0)) {
		fputs(build_help, stdout);
		return 0;
	}
	if (sk_args(argc, argv, 1, "build", opts, NULL, &o.spec_path, 1, &err) < 0)
		sk_usage_fatal(usage_text, "%s", err.msg);
	if (!o.spec_path)
		sk_usage_fatal(usage_text, "build: expected one SPEC.yaml");
	if (!o.out_dir)
		sk_usage_fatal(usage_text, "build: -o DIR is required");
	o.epoch = source_date_epoch();
	exe_dir(dir);
	snprintf(rootfs, sizeof rootfs, "%s/../../rootfs", dir);
	snprintf(kernels, sizeof kernels, "%s/../kernel", dir);
	o.bin_dir = o.bin_dir ? o.bin_dir : dir;
	o.rootfs_dir = o.rootfs_dir ? o.rootfs_dir : rootfs;
	o.kernels_dir = o.kernels_dir ? o.kernels_dir : kernels;
	if (image_build(&o, &summary, &err) < 0)
		sk_fatal(&err);
	if (!quiet)
		print_summary(&o, &summary);
	return 0;
}

int main(int argc, char **argv)
{
	sk_progname = "skiff-imagegen";
	if (argc < 2)
		sk_usage_fatal(usage_text, "missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		fputs("\ncommands:\n  build   build an image directory (build --help for more)\n",
		      stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("skiff-imagegen %s\n", SKIFF_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "build") == 0)
		return cmd_build(argc - 1, argv + 1);
	sk_usage_fatal(usage_text, "unknown command \"%s\"", argv[1]);
}
