/* The node's init configuration: /etc/skiff/node.json, then kernel
 * command-line overrides. Everything is copied into fixed tables at boot so
 * that the main loop never allocates. */
#ifndef SK_INIT_CONFIG_H
#define SK_INIT_CONFIG_H

#include <stddef.h>

#include "cmdline.h"
#include "err.h"

#define CONFIG_PATH	    "/etc/skiff/node.json"
#define CONFIG_MAX_SERVICES 32
#define CONFIG_MAX_MODULES  64
#define CONFIG_MAX_ARGS	    32
#define CONFIG_MAX_ENV	    32
#define CONFIG_NAME_MAX	    64
#define CONFIG_HOSTNAME_MAX 64
#define CONFIG_POOL_SIZE    16384
#define CONFIG_GRACE_MAX_MS 600000
#define CONFIG_VERSION_MAX  32

enum restart_policy { RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_NEVER };

struct service_config {
	char name[CONFIG_NAME_MAX];
	/* NULL-terminated; strings live in node_config.pool. envp gets room
	 * for the default PATH. */
	char *argv[CONFIG_MAX_ARGS + 1];
	char *envp[CONFIG_MAX_ENV + 2];
	enum restart_policy restart;
	int disabled; /* skiff.service.NAME=off */
};

struct node_config {
	char hostname[CONFIG_HOSTNAME_MAX + 1];
	char kernel[CONFIG_NAME_MAX];	      /* release the image was built for, "" if unset */
	char version[CONFIG_VERSION_MAX + 1]; /* the image's ("version:" of the spec) */
	int debug;
	int fatal_reboot; /* skiff.fatal=reboot: a fatal boot error reboots */
	unsigned grace_ms;
	const char *modules[CONFIG_MAX_MODULES];
	size_t n_modules;
	struct service_config services[CONFIG_MAX_SERVICES];
	size_t n_services;
	char pool[CONFIG_POOL_SIZE];
	size_t pool_used;
};

void config_defaults(struct node_config *cfg);
/* Reads PATH; a missing file leaves the defaults. Errors name the file and
 * the key path (e.g. "/etc/skiff/node.json: services[1].exec: ..."). */
int config_load(struct node_config *cfg, const char *path, struct sk_err *err);
/* Parses JSON text; NAME is used in messages. */
int config_parse(struct node_config *cfg, const char *name, const char *text, size_t len,
		 struct sk_err *err);
/* Applies skiff.* overrides from the kernel command line, logging each. */
int config_apply_cmdline(struct node_config *cfg, const struct cmdline_arg *args, size_t n,
			 struct sk_err *err);

const char *restart_policy_name(enum restart_policy p);

#endif
