/* The agent's settings: defaults, the "cluster" object of node.json, then
 * command-line overrides (main.c parses those). */
#ifndef SK_AGENT_CONFIG_H
#define SK_AGENT_CONFIG_H

#include <stddef.h>

#include "err.h"

#define AGENT_MAX_ENDPOINTS  8
#define AGENT_MAX_LABELS     16
#define AGENT_ID_MAX	     128
#define AGENT_MAX_REGISTRIES 8

struct agent_label {
	char key[64];
	char value[128];
};

struct agent_config {
	char cluster[64];
	char node_id[AGENT_ID_MAX];
	char endpoints[AGENT_MAX_ENDPOINTS][256];
	size_t n_endpoints;
	char ca_file[256];   /* "": the system CA bundle */
	char cert_file[256]; /* "": no TLS client certificate */
	char key_file[256];
	struct agent_label labels[AGENT_MAX_LABELS];
	size_t n_labels;
	char data_dir[256]; /* images, bundles (persistent) */
	char run_dir[256];  /* runtime state, agent state (tmpfs on a node) */
	int reserved_memory_mib;
	int lease_ttl_s;
	int cpu_units;	    /* 0: 1024 per online CPU */
	int memory_mib;	    /* 0: MemTotal less the reservation */
	int stop_timeout_s; /* default SIGTERM grace when a container sets none */
	int reconcile_ms;
	int log_retention_s; /* logs of tasks this node forgot are removed after */
	char insecure_registries[AGENT_MAX_REGISTRIES][256]; /* "host:port" over plain HTTP */
	size_t n_registries;
	char bridge_name[16];	/* "": netcfg's default */
	char bridge_subnet[64]; /* "" : netcfg's default */
};

void agent_config_defaults(struct agent_config *cfg);
/* Reads the "cluster" object of node.json at PATH; a missing file is an
 * error only when `required`. Errors name the file and the key. */
int agent_config_load(struct agent_config *cfg, const char *path, int required, struct sk_err *err);
/* Parses JSON text (the whole node.json); NAME is used in messages. */
int agent_config_parse(struct agent_config *cfg, const char *name, const char *text,
		       struct sk_err *err);
/* Adds "k=v" (replacing an existing key). */
int agent_config_add_label(struct agent_config *cfg, const char *kv, struct sk_err *err);
/* Replaces the endpoints with a comma-separated list. */
int agent_config_set_endpoints(struct agent_config *cfg, const char *list, struct sk_err *err);
/* Adds a registry spoken to over plain HTTP ("host:port"). */
int agent_config_add_registry(struct agent_config *cfg, const char *hostport, struct sk_err *err);
/* Fills node_id when unset: hostname + "-" + the first 8 characters of the boot id. */
int agent_config_finish(struct agent_config *cfg, struct sk_err *err);

#endif
