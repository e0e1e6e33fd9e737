/* The image spec: a YAML file describing one node image (docs/spec.md).
 * Parsing only checks the document itself; what depends on the build host
 * (the kernel, its modules, source files) is checked by the build, which
 * still reports the line each item came from. */
#ifndef SK_IMAGEGEN_SPEC_H
#define SK_IMAGEGEN_SPEC_H

#include <stddef.h>

#include "disk_spec.h"
#include "err.h"
#include "update_spec.h"

struct cJSON;

#define SPEC_DEFAULT_HOSTNAME "skiff"
/* rcupdate.rcu_expedited=1: the kernel expedites RCU grace periods only
 * until init starts; a node's own start (udhcpc's packet sockets, netlink
 * changes, a task's namespaces and veths) waits on many more, each several
 * ticks long otherwise (measured under TCG: DHCP 290 -> 200 ms). */
#define SPEC_DEFAULT_CMDLINE  "console=ttyS0 quiet panic=-1 rcupdate.rcu_expedited=1"
#define SPEC_DEFAULT_GRACE_MS 5000
#define SPEC_MAX_GRACE_MS     600000
/* Limits of skiff-init's fixed tables (init/init_config.h). */
#define SPEC_MAX_MODULES  62
#define SPEC_MAX_SERVICES 32
#define SPEC_MAX_ARGS	  32
#define SPEC_MAX_ENV	  32
#define SPEC_MAX_NAME	  63
#define SPEC_MAX_HOSTNAME 64
#define SPEC_MAX_CMDLINE  2047
#define SPEC_MAX_FILES	  1024
#define SPEC_MAX_BYTES	  (1 << 20)

enum spec_restart { SPEC_RESTART_ALWAYS, SPEC_RESTART_ON_FAILURE, SPEC_RESTART_NEVER };

/* Where the kernel comes from: Debian's cloud kernel installed on the
 * build host, or Skiff's micro kernel built by `make kernel`. */
enum spec_kernel_profile { SPEC_KERNEL_CLOUD, SPEC_KERNEL_MICRO };
/* How initramfs.img is stored; DEFAULT follows the profile (spec_gzip). */
enum spec_compression { SPEC_COMPRESSION_DEFAULT, SPEC_COMPRESSION_GZIP, SPEC_COMPRESSION_NONE };

struct spec_module {
	char *name;
	int line;
};

struct spec_service {
	char *name;
	char **exec; /* NULL-terminated */
	size_t n_exec;
	int exec_line;
	char **env; /* NULL-terminated */
	size_t n_env;
	enum spec_restart restart;
	int line;
};

struct spec_file {
	char *path;    /* absolute, normalised */
	char *source;  /* as written, or NULL */
	char *content; /* or NULL */
	size_t content_len;
	unsigned mode;
	int line, path_line, source_line;
};

struct spec {
	char *name; /* file name used in messages */
	char *dir;  /* directory that file sources are relative to */
	char *hostname;
	int debug;
	enum spec_kernel_profile kernel_profile;
	int kernel_profile_line;
	enum spec_compression compression;
	char *kernel_version; /* NULL: pick the newest of the profile */
	int kernel_version_line;
	struct spec_module *modules;
	size_t n_modules;
	char *cmdline;
	struct spec_service *services;
	size_t n_services;
	struct spec_file *files;
	size_t n_files;
	struct cJSON *cluster; /* object or NULL */
	struct cJSON *network; /* object or NULL, validated by netcfg at boot */
	unsigned grace_ms;
	struct disk_spec disk;	   /* "disk:", see docs/disk.md */
	char *version;		   /* the image's version, SPEC_DEFAULT_VERSION by default */
	struct update_spec update; /* "update:", see docs/disk.md */
};

/* Parses TEXT (LEN bytes); NAME is used in messages and as the file name.
 * Errors read "NAME:LINE: KEY.PATH: what is wrong". On failure OUT is left
 * empty (spec_free is still safe). */
int spec_parse(const char *name, const char *text, size_t len, struct spec *out,
	       struct sk_err *err);
/* Reads and parses PATH; file sources become relative to its directory. */
int spec_load(const char *path, struct spec *out, struct sk_err *err);
void spec_free(struct spec *spec);

const char *spec_restart_name(enum spec_restart r);
const char *spec_kernel_profile_name(enum spec_kernel_profile p);
/* Whether initramfs.img is gzip-compressed: as the spec says, else yes for
 * Debian's kernel (its modules shrink to a third) and no for the micro
 * kernel (unpacking gzip is 40% of its boot in guest time). */
int spec_gzip(const struct spec *spec);

#endif
