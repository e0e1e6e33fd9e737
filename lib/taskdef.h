/* The Amazon ECS task definition, as Skiff reads, checks, stores and runs
 * it: one model for skiffctl, the scheduler and the agent.
 *
 *   JSON text -> taskdef_parse -> struct taskdef (checked, normalised)
 *   struct taskdef -> taskdef_to_json -> the stored record (canonical JSON)
 *
 * Every field of RegisterTaskDefinition and of the TaskDefinition that
 * DescribeTaskDefinition returns is known (lib/taskdef_fields.c), each
 * with what Skiff does with it: runs it, maps it onto what a node has, or
 * accepts and ignores it with a warning (docs/taskdefs.md is the table).
 * A field outside the API or a value the API forbids is an error naming
 * its key path; all problems of a document are reported in one pass.
 * `null` and empty arrays mean "not set"; integers may be given as strings
 * ("512") and booleans as "true"/"false", as the AWS CLI and
 * CloudFormation accept them. */
#ifndef SK_TASKDEF_H
#define SK_TASKDEF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct cJSON cJSON;

/* One set of limits, used by everyone (ECS's own where it has one). */
#define TD_MAX_BYTES	   (64 * 1024) /* ECS: a task definition is at most 64 KiB */
#define TD_MAX_CONTAINERS  10	       /* ECS: containers per task definition */
#define TD_NAME_MAX	   255	       /* family, container and volume names */
#define TD_MAX_PORTS	   100	       /* port mappings per container (after ranges) */
#define TD_MAX_CONSTRAINTS 10
#define TD_MAX_ENV_FILES   10
#define TD_MAX_LIST	   1024	 /* any other list */
#define TD_DEFAULT_START_S 180	 /* ECS_CONTAINER_START_TIMEOUT default */
#define TD_EPHEMERAL_LOW   32768 /* dynamic host ports, as the ECS agent picks them */
#define TD_EPHEMERAL_HIGH  61000

/* Integers and booleans that were not given. */
#define TD_UNSET  INT64_MIN
#define TD_NOBOOL (-1)

/* Enumerations: the values are the API's strings, in this order. -1 is unset. */
enum td_network { TD_NET_BRIDGE, TD_NET_HOST, TD_NET_AWSVPC, TD_NET_NONE };
enum td_ns_mode { TD_NS_HOST, TD_NS_TASK, TD_NS_NONE };
enum td_protocol { TD_TCP, TD_UDP };
enum td_condition { TD_DEP_START, TD_DEP_COMPLETE, TD_DEP_SUCCESS, TD_DEP_HEALTHY };
enum td_scope { TD_SCOPE_TASK, TD_SCOPE_SHARED };
enum td_ulimit {
	TD_UL_CORE,
	TD_UL_CPU,
	TD_UL_DATA,
	TD_UL_FSIZE,
	TD_UL_LOCKS,
	TD_UL_MEMLOCK,
	TD_UL_MSGQUEUE,
	TD_UL_NICE,
	TD_UL_NOFILE,
	TD_UL_NPROC,
	TD_UL_RSS,
	TD_UL_RTPRIO,
	TD_UL_RTTIME,
	TD_UL_SIGPENDING,
	TD_UL_STACK
};
enum td_log_driver {
	TD_LOG_JSON_FILE,
	TD_LOG_SYSLOG,
	TD_LOG_JOURNALD,
	TD_LOG_GELF,
	TD_LOG_FLUENTD,
	TD_LOG_AWSLOGS,
	TD_LOG_SPLUNK,
	TD_LOG_AWSFIRELENS,
	TD_LOG_LOCAL /* Docker's, not ECS's */
};
enum td_arch { TD_ARCH_X86_64, TD_ARCH_ARM64 };

/* The value names of an enumeration field ("bridge", ...); NULL-terminated. */
extern const char *const td_network_names[],
    *const td_ns_mode_names[], *const td_condition_names[], *const td_ulimit_names[],
								*const td_log_driver_names[],
								    *const td_arch_names[],
									*const td_protocol_names[];

struct td_kv { /* KeyValuePair, and the entries of string maps */
	char *name, *value;
};

struct td_port_mapping {
	int64_t container_port;
	int64_t host_port; /* TD_UNSET or 0: a dynamic port in bridge mode */
	int protocol;	   /* enum td_protocol, -1: tcp */
	char *name;	   /* Service Connect: kept, not used */
	int app_protocol;
	char *container_port_range;	 /* "8000-8010" */
	int64_t range_first, range_last; /* parsed from it, else TD_UNSET */
};

struct td_environment_file {
	char *value; /* an absolute path on the node */
	int type;
};

struct td_mount_point {
	char *source_volume, *container_path;
	int read_only;
};

struct td_volume_from {
	char *source_container;
	int read_only;
};

struct td_capabilities {
	char **add, **drop; /* "NET_ADMIN", "ALL" */
	size_t n_add, n_drop;
};

struct td_device {
	char *host_path, *container_path;
	char **permissions; /* read write mknod */
	size_t n_permissions;
};

struct td_tmpfs {
	char *container_path;
	int64_t size; /* MiB */
	char **mount_options;
	size_t n_mount_options;
};

struct td_linux_parameters {
	struct td_capabilities *capabilities;
	struct td_device *devices;
	size_t n_devices;
	int init_process_enabled;
	int64_t shared_memory_size; /* MiB */
	struct td_tmpfs *tmpfs;
	size_t n_tmpfs;
	int64_t max_swap, swappiness;
};

struct td_secret {
	char *name, *value_from;
};

struct td_dependency {
	char *container_name;
	int condition; /* enum td_condition */
};

struct td_host_entry {
	char *hostname, *ip_address;
};

struct td_ulimit_entry {
	int name; /* enum td_ulimit */
	int64_t soft_limit, hard_limit;
};

struct td_log_configuration {
	int log_driver; /* enum td_log_driver */
	struct td_kv *options;
	size_t n_options;
	struct td_secret *secret_options;
	size_t n_secret_options;
};

struct td_health_check {
	char **command; /* "CMD" or "CMD-SHELL", then the command */
	size_t n_command;
	int64_t interval, timeout, retries, start_period; /* seconds; defaults filled in */
};

struct td_system_control {
	char *namespace_, *value;
};

struct td_repository_credentials {
	char *credentials_parameter;
};

struct td_restart_policy {
	int enabled;
	int64_t *ignored_exit_codes;
	size_t n_ignored_exit_codes;
	int64_t restart_attempt_period; /* seconds */
};

struct td_resource_requirement {
	char *value;
	int type;
};

struct td_firelens_configuration {
	int type;
	struct td_kv *options;
	size_t n_options;
};

struct td_container {
	char *name, *image;
	struct td_repository_credentials *repository_credentials;
	int64_t cpu, memory, memory_reservation;
	char **links; /* "name" or "name:alias" */
	size_t n_links;
	struct td_port_mapping *port_mappings;
	size_t n_port_mappings;
	int essential; /* TD_NOBOOL: true */
	struct td_restart_policy *restart_policy;
	char **entry_point, **command;
	size_t n_entry_point, n_command;
	struct td_kv *environment;
	size_t n_environment;
	struct td_environment_file *environment_files;
	size_t n_environment_files;
	struct td_mount_point *mount_points;
	size_t n_mount_points;
	struct td_volume_from *volumes_from;
	size_t n_volumes_from;
	struct td_linux_parameters *linux_parameters;
	struct td_secret *secrets;
	size_t n_secrets;
	struct td_dependency *depends_on;
	size_t n_depends_on;
	int64_t start_timeout, stop_timeout;
	int version_consistency;
	char *hostname, *user, *working_directory;
	int disable_networking, privileged, readonly_root_filesystem;
	char **dns_servers, **dns_search_domains;
	size_t n_dns_servers, n_dns_search_domains;
	struct td_host_entry *extra_hosts;
	size_t n_extra_hosts;
	char **docker_security_options;
	size_t n_docker_security_options;
	int interactive, pseudo_terminal;
	struct td_kv *docker_labels;
	size_t n_docker_labels;
	struct td_ulimit_entry *ulimits;
	size_t n_ulimits;
	struct td_log_configuration *log_configuration;
	struct td_health_check *health_check;
	struct td_system_control *system_controls;
	size_t n_system_controls;
	struct td_resource_requirement *resource_requirements;
	size_t n_resource_requirements;
	struct td_firelens_configuration *firelens_configuration;
	char **credential_specs;
	size_t n_credential_specs;
};

struct td_host_volume {
	char *source_path; /* NULL: a task-scoped empty directory */
};

struct td_docker_volume {
	int scope;	   /* enum td_scope; -1: task */
	int autoprovision; /* shared volumes: create if missing */
	char *driver;	   /* "local" or unset */
	struct td_kv *driver_opts, *labels;
	size_t n_driver_opts, n_labels;
};

struct td_volume {
	char *name;
	struct td_host_volume *host;
	struct td_docker_volume *docker;
	int configured_at_launch;
};

struct td_placement_constraint {
	int type; /* memberOf */
	char *expression;
};

struct td_runtime_platform {
	int cpu_architecture;	     /* enum td_arch */
	int operating_system_family; /* LINUX or a Windows family (refused) */
};

struct td_tag {
	char *key, *value;
};

struct taskdef {
	char *family;
	char *task_role_arn, *execution_role_arn; /* ignored, kept */
	int network_mode;			  /* enum td_network; -1: bridge */
	struct td_container *containers;
	size_t n_containers;
	struct td_volume *volumes;
	size_t n_volumes;
	struct td_placement_constraint *placement_constraints;
	size_t n_placement_constraints;
	char **requires_compatibilities;
	size_t n_requires_compatibilities;
	int64_t cpu, memory; /* units and MiB; "1 vCPU" and "2 GB" converted */
	struct td_tag *tags;
	size_t n_tags;
	int pid_mode, ipc_mode; /* enum td_ns_mode */
	cJSON *proxy_configuration, *inference_accelerators, *ephemeral_storage;
	struct td_runtime_platform *runtime_platform;
	int enable_fault_injection;
	/* What registration adds. */
	int64_t revision;
	char *status, *registered_at, *registered_by;
};

/* What a parse found: every error, warning and note, each with its key path. */
enum td_level { TD_ERROR, TD_WARNING, TD_NOTE };

struct td_msg {
	enum td_level level;
	int line; /* in the source text, 0 when unknown */
	char *path, *text;
	unsigned more; /* further places with the same message, folded into this one */
};

struct td_report {
	struct td_msg *msgs;
	size_t n, cap;
	size_t errors, warnings;
	size_t dropped; /* messages past the first 200, counted only */
};

/* Parses TEXT (a RegisterTaskDefinition input, a `skiffctl taskdef
 * describe` output, or `aws ecs describe-task-definition` output with its
 * {"taskDefinition": ..., "tags": ...} wrapper). Returns 0 with *OUT set, or
 * -1 with REP holding every problem and ERR summing them up ("3 errors,
 * the first: containerDefinitions[0].memory: ..."). REP may be NULL. */
int taskdef_parse(const char *text, size_t len, struct taskdef **out, struct td_report *rep,
		  struct sk_err *err);
/* The same from JSON already parsed (an assignment's taskDefinition). */
int taskdef_from_json(const cJSON *json, struct taskdef **out, struct td_report *rep,
		      struct sk_err *err);
/* The canonical JSON of a definition (what skiffctl stores and prints). */
cJSON *taskdef_to_json(const struct taskdef *td);
void taskdef_free(struct taskdef *td);

void td_report_free(struct td_report *rep);
/* Adds a message found outside the model (skiffctl checks placement
 * expressions with the scheduler's parser); TEXT, when given, is the
 * source, to find the line of PATH. */
void td_report_add(struct td_report *rep, const char *text, enum td_level level, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* One line per message: "SOURCE:LINE: PATH: text" (":LINE" when known),
 * warnings and notes marked as such; errors first. */
void td_report_print(const struct td_report *rep, FILE *f, const char *source);

/* Effective values. */
enum td_network taskdef_network(const struct taskdef *td);
int taskdef_essential(const struct td_container *c);
const struct td_container *taskdef_container(const struct taskdef *td, const char *name);
const struct td_volume *taskdef_volume(const struct taskdef *td, const char *name);
/* The index of container NAME, -1 if none. */
int taskdef_index(const struct taskdef *td, const char *name);
/* Container I waits for container K to start (dependsOn, links, volumesFrom);
 * it stops before K. */
int taskdef_waits_for(const struct taskdef *td, size_t i, size_t k);

/* What placement needs: task-level cpu/memory when given, else the sum
 * over the containers (memoryReservation, else memory), as ECS reserves. */
void taskdef_resources(const struct taskdef *td, int64_t *cpu, int64_t *memory);
/* The same, read from a stored (canonical) record without a full parse. */
void taskdef_record_resources(const cJSON *record, int64_t *cpu, int64_t *memory);

/* Family and container names: 1-255 letters, digits, '-' and '_'. */
int taskdef_valid_name(const char *s);
/* "family" (rev 0: the latest active) or "family:rev". */
int taskdef_parse_ref(const char *ref, char family[TD_NAME_MAX + 1], long *rev, struct sk_err *err);

/* Secrets. A valueFrom (or credentialsParameter) names a secret of the
 * cluster's own store: its name, or an AWS ARN whose name part is used
 * (arn:aws:secretsmanager:R:A:secret:NAME[:JSON-KEY[:STAGE[:VERSION]]],
 * arn:aws:ssm:R:A:parameter/NAME). */
#define TD_SECRET_NAME_MAX 256
struct td_secret_ref {
	char name[TD_SECRET_NAME_MAX + 1];
	char json_key[TD_SECRET_NAME_MAX + 1]; /* "": the whole value */
};
int taskdef_secret_ref(const char *value_from, struct td_secret_ref *out);
/* Store names: 1-256 of letters, digits and "_.-/", no "//", "..", or
 * leading or trailing "/". */
int taskdef_valid_secret_name(const char *s);
/* Calls FN for each distinct secret the definition references. */
int taskdef_each_secret(const struct taskdef *td,
			int (*fn)(void *ctx, const struct td_secret_ref *ref), void *ctx);

#endif
