/* The agent's settings: defaults, the "cluster" object of node.json, then
 * command-line overrides (main.c parses those). */
#ifndef SK_AGENT_CONFIG_H
#define SK_AGENT_CONFIG_H

#include <stddef.h>

#include "err.h"

typedef struct cJSON cJSON;

#define AGENT_MAX_ENDPOINTS  8
#define AGENT_MAX_LABELS     16
#define AGENT_ID_MAX	     128
#define AGENT_MAX_REGISTRIES 8

struct agent_label {
	char key[64];
	char value[128];
};

/* The node API (docs/node-api.md); off without a certificate. */
struct agent_api_config {
	int port;
	char ca_file[256]; /* the cluster CA: clients must chain to it */
	char cert_file[256];
	char key_file[256];
	char name[128]; /* the certificate's common name, published in the node record */
};

/* Forwarding the node's log (and, if asked, every container's) to a
 * syslog collector (docs/logging.md); per-task destinations come from
 * the task definition's logConfiguration. */
struct agent_syslog_config {
	char address[256]; /* tcp://HOST:PORT or tcp+tls://HOST:PORT; "": off */
	char ca_file[256]; /* tcp+tls: CA bundle (default: the system's) */
	char tag[49];	   /* APP-NAME of node log messages */
	int containers;	   /* also every container's output */
	int buffer_kib;	   /* per destination, while the collector is away */
};

struct agent_config {
	char cluster[64];
	char node_id[AGENT_ID_MAX];
	char endpoints[AGENT_MAX_ENDPOINTS][256];
	size_t n_endpoints;
	char ca_file[256];   /* "": the system CA bundle */
	char cert_file[256]; /* "": no TLS client certificate */
	char key_file[256];
	/* etcd password auth: the node's own user (docs/cluster.md) */
	char user[256];		 /* "": skiff:<cluster>:node:<node_id> */
	char password_file[256]; /* "": no password auth */
	char join_token[64];	 /* bootstrap token: join at first start */
	struct agent_label labels[AGENT_MAX_LABELS];
	size_t n_labels;
	char data_dir[256]; /* images, bundles (persistent) */
	char run_dir[256];  /* runtime state, agent state (tmpfs on a node) */
	/* -1: what the node uses, measured when the agent starts (nodeinfo.c) */
	int reserved_memory_mib;
	int lease_ttl_s;
	int update_health_timeout_s; /* a new OS version's bound to become healthy */
	int os_updates_off;	     /* --no-os-updates: updates/<node> is not watched */
	int cpu_units;		     /* 0: 1024 per online CPU */
	int memory_mib;		     /* 0: MemTotal less the reservation */
	int stop_timeout_s;	     /* default SIGTERM grace when a container sets none */
	int reconcile_ms;
	int log_retention_s; /* logs of tasks this node forgot are removed after */
	char insecure_registries[AGENT_MAX_REGISTRIES][256]; /* "host:port" over plain HTTP */
	size_t n_registries;
	char bridge_name[16];	/* "": netcfg's default */
	char bridge_subnet[64]; /* "" : netcfg's default */
	struct agent_api_config api;
	struct agent_syslog_config syslog;
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
/* config_ops.c: the "api" and "syslog" objects of the cluster object, and
 * their defaults and checks (the API certificate's name is read here). */
void agent_config_ops_defaults(struct agent_config *cfg);
int agent_config_parse_ops(struct agent_config *cfg, const cJSON *cluster, const char *name,
			   struct sk_err *err);
int agent_config_finish_ops(struct agent_config *cfg, struct sk_err *err);
/* Fills node_id when unset: hostname + "-" + the first 8 characters of the boot id. */
int agent_config_finish(struct agent_config *cfg, struct sk_err *err);

#endif
