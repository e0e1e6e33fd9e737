/* The image spec: YAML text -> struct spec, each value checked where it
 * is read so that every error names its line and key path. */
#include "spec.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "cleanup.h"
#include "file.h"
#include "yaml_walk.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const restart_names[] = {
    [SPEC_RESTART_ALWAYS] = "always",
    [SPEC_RESTART_ON_FAILURE] = "on-failure",
    [SPEC_RESTART_NEVER] = "never",
};

const char *spec_restart_name(enum spec_restart r)
{
	return restart_names[r];
}

static const char *const profile_names[] = {
    [SPEC_KERNEL_CLOUD] = "cloud",
    [SPEC_KERNEL_MICRO] = "micro",
};

const char *spec_kernel_profile_name(enum spec_kernel_profile p)
{
	return profile_names[p];
}

static int only_chars(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr(extra, *s))
			return 0;
	return 1;
}

/* Module names compare as the kernel does, '-' and '_' alike. */
static int same_module(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !(strchr("-_", *a) && strchr("-_", *b)))
			return 0;
	return *a == *b;
}

/* --- top level --------------------------------------------------------- */

static int parse_hostname(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;

	if (yw_string(y, n, path, &spec->hostname) < 0)
		return -1;
	if (!only_chars(spec->hostname, SPEC_MAX_HOSTNAME, "-.") || strchr("-.", spec->hostname[0]))
		return yw_fail(y, n, path,
			       "invalid hostname \"%s\" (letters, digits, '-' and '.', at most %d)",
			       spec->hostname, SPEC_MAX_HOSTNAME);
	return 0;
}

static int parse_debug(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_bool(y, n, path, &((struct spec *)target)->debug);
}

static int parse_version(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;

	if (yw_string(y, n, path, &spec->kernel_version) < 0)
		return -1;
	if (!only_chars(spec->kernel_version, SPEC_MAX_NAME, "._+-") ||
	    spec->kernel_version[0] == '.')
		return yw_fail(y, n, path, "invalid kernel version \"%s\"", spec->kernel_version);
	spec->kernel_version_line = yw_line(n);
	return 0;
}

static int parse_profile(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;
	SK_AUTOFREE char *s = NULL;

	if (yw_string(y, n, path, &s) < 0)
		return -1;
	spec->kernel_profile_line = yw_line(n);
	for (size_t i = 0; i < ARRAY_LEN(profile_names); i++)
		if (strcmp(s, profile_names[i]) == 0) {
			spec->kernel_profile = (enum spec_kernel_profile)i;
			return 0;
		}
	return yw_fail(y, n, path, "expected cloud or micro, got \"%s\"", s);
}

static int parse_compression(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;
	SK_AUTOFREE char *s = NULL;

	if (yw_string(y, n, path, &s) < 0)
		return -1;
	if (strcmp(s, "gzip") == 0)
		spec->compression = SPEC_COMPRESSION_GZIP;
	else if (strcmp(s, "none") == 0)
		spec->compression = SPEC_COMPRESSION_NONE;
	else
		return yw_fail(y, n, path, "expected gzip or none, got \"%s\"", s);
	return 0;
}

int spec_gzip(const struct spec *spec)
{
	if (spec->compression != SPEC_COMPRESSION_DEFAULT)
		return spec->compression == SPEC_COMPRESSION_GZIP;
	return spec->kernel_profile != SPEC_KERNEL_MICRO;
}

static int parse_module(struct yw *y, yaml_node_t *n, const char *path, struct spec *spec)
{
	struct spec_module *m = &spec->modules[spec->n_modules];

	if (yw_string(y, n, path, &m->name) < 0)
		return -1;
	spec->n_modules++;
	m->line = yw_line(n);
	if (!only_chars(m->name, SPEC_MAX_NAME, "_-"))
		return yw_fail(y, n, path, "invalid module name \"%s\"", m->name);
	for (size_t i = 0; i + 1 < spec->n_modules; i++)
		if (same_module(spec->modules[i].name, m->name))
			return yw_fail(y, n, path, "duplicate module \"%s\" (first on line %d)",
				       m->name, spec->modules[i].line);
	return 0;
}

static int parse_modules(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;
	yaml_node_item_t *items;
	size_t count;

	if (yw_sequence(y, n, path, &items, &count) < 0)
		return -1;
	if (count > SPEC_MAX_MODULES)
		return yw_fail(y, n, path, "more than %d modules", SPEC_MAX_MODULES);
	if (!(spec->modules = calloc(count + 1, sizeof *spec->modules)))
		return sk_fail(y->err, ENOMEM, "%s", path);
	for (size_t i = 0; i < count; i++) {
		char child[YW_PATH_MAX];
		yw_index_path(child, path, i);
		if (parse_module(y, yw_item(y, items[i]), child, spec) < 0)
			return -1;
	}
	return 0;
}

static int parse_cmdline(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;

	if (yw_string(y, n, path, &spec->cmdline) < 0)
		return -1;
	if (strlen(spec->cmdline) > SPEC_MAX_CMDLINE)
		return yw_fail(y, n, path, "longer than %d characters", SPEC_MAX_CMDLINE);
	for (const char *c = spec->cmdline; *c; c++)
		if ((unsigned char)*c < ' ')
			return yw_fail(y, n, path,
				       "must be a single line without control characters");
	return 0;
}

static const struct yw_field kernel_fields[] = {
    {"profile", parse_profile}, {"version", parse_version},	    {"modules", parse_modules},
    {"cmdline", parse_cmdline}, {"compression", parse_compression},
};

static int parse_kernel(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_mapping(y, n, path, kernel_fields, ARRAY_LEN(kernel_fields), target);
}

static int parse_grace(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_uint(y, n, path, SPEC_MAX_GRACE_MS, &((struct spec *)target)->grace_ms);
}

static const struct yw_field shutdown_fields[] = {
    {"grace_ms", parse_grace},
};

static int parse_shutdown(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return yw_mapping(y, n, path, shutdown_fields, ARRAY_LEN(shutdown_fields), target);
}

static int parse_cluster(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;

	if (n->type != YAML_MAPPING_NODE)
		return yw_fail(y, n, path, "expected a mapping");
	return yw_to_json(y, n, path, &spec->cluster);
}

static int parse_network(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;

	if (n->type != YAML_MAPPING_NODE)
		return yw_fail(y, n, path, "expected a mapping");
	return yw_to_json(y, n, path, &spec->network);
}

/* --- services ---------------------------------------------------------- */

static int parse_service_name(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_service *svc = target;

	if (yw_string(y, n, path, &svc->name) < 0)
		return -1;
	for (const char *c = svc->name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", *c))
			return yw_fail(y, n, path,
				       "invalid service name \"%s\" (a-z, 0-9, '_', '-')",
				       svc->name);
	if (!*svc->name || strlen(svc->name) > SPEC_MAX_NAME)
		return yw_fail(y, n, path, "a service name has 1 to %d characters", SPEC_MAX_NAME);
	return 0;
}

static int parse_exec(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_service *svc = target;

	if (yw_strings(y, n, path, SPEC_MAX_ARGS, &svc->exec, &svc->n_exec) < 0)
		return -1;
	svc->exec_line = yw_line(n);
	if (svc->n_exec == 0)
		return yw_fail(y, n, path, "must not be empty");
	if (svc->exec[0][0] != '/')
		return yw_fail(y, n, path, "\"%s\" is not an absolute path", svc->exec[0]);
	return 0;
}

static int parse_env(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_service *svc = target;

	if (yw_strings(y, n, path, SPEC_MAX_ENV, &svc->env, &svc->n_env) < 0)
		return -1;
	for (size_t i = 0; i < svc->n_env; i++) {
		const char *eq = strchr(svc->env[i], '=');
		if (!eq || eq == svc->env[i]) {
			char child[YW_PATH_MAX];
			yw_index_path(child, path, i);
			return yw_fail(y, yw_item(y, n->data.sequence.items.start[i]), child,
				       "\"%s\" is not NAME=VALUE", svc->env[i]);
		}
	}
	return 0;
}

static int parse_restart(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_service *svc = target;
	SK_AUTOFREE char *s = NULL;

	if (yw_string(y, n, path, &s) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(restart_names); i++)
		if (strcmp(s, restart_names[i]) == 0) {
			svc->restart = (enum spec_restart)i;
			return 0;
		}
	return yw_fail(y, n, path, "expected always, on-failure or never, got \"%s\"", s);
}

static const struct yw_field service_fields[] = {
    {"name", parse_service_name},
    {"exec", parse_exec},
    {"env", parse_env},
    {"restart", parse_restart},
};

static int parse_service(struct yw *y, yaml_node_t *n, const char *path, struct spec *spec)
{
	struct spec_service *svc = &spec->services[spec->n_services++];
	char child[YW_PATH_MAX];

	svc->line = yw_line(n);
	if (yw_mapping(y, n, path, service_fields, ARRAY_LEN(service_fields), svc) < 0)
		return -1;
	if (!svc->name || !svc->exec) {
		yw_key_path(child, path, svc->name ? "exec" : "name");
		return yw_fail(y, n, child, "missing");
	}
	for (size_t i = 0; i + 1 < spec->n_services; i++)
		if (strcmp(spec->services[i].name, svc->name) == 0) {
			yw_key_path(child, path, "name");
			return yw_fail(y, yw_get(y, n, "name"), child,
				       "duplicate service name \"%s\" (first on line %d)",
				       svc->name, spec->services[i].line);
		}
	return 0;
}

static int parse_services(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;
	yaml_node_item_t *items;
	size_t count;

	if (yw_sequence(y, n, path, &items, &count) < 0)
		return -1;
	if (count > SPEC_MAX_SERVICES)
		return yw_fail(y, n, path, "more than %d services", SPEC_MAX_SERVICES);
	if (!(spec->services = calloc(count + 1, sizeof *spec->services)))
		return sk_fail(y->err, ENOMEM, "%s", path);
	for (size_t i = 0; i < count; i++) {
		char child[YW_PATH_MAX];
		yw_index_path(child, path, i);
		if (parse_service(y, yw_item(y, items[i]), child, spec) < 0)
			return -1;
	}
	return 0;
}

/* --- files ------------------------------------------------------------- */

/* An absolute path of plain components: no "", "." or "..". */
static int valid_image_path(const char *p)
{
	if (p[0] != '/' || strlen(p) > 255)
		return 0;
	while (*p == '/') {
		size_t len = strcspn(++p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += len;
	}
	return 1;
}

static int parse_file_path(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_file *f = target;

	if (yw_string(y, n, path, &f->path) < 0)
		return -1;
	f->path_line = yw_line(n);
	if (!valid_image_path(f->path))
		return yw_fail(y, n, path,
			       "\"%s\" is not an absolute path of plain components (no \"..\", "
			       "\".\" or \"//\")",
			       f->path);
	return 0;
}

static int parse_file_source(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_file *f = target;

	f->source_line = yw_line(n);
	if (yw_string(y, n, path, &f->source) < 0)
		return -1;
	if (!*f->source)
		return yw_fail(y, n, path, "must not be empty");
	return 0;
}

static int parse_file_content(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_file *f = target;

	if (yw_string(y, n, path, &f->content) < 0)
		return -1;
	f->content_len = strlen(f->content);
	return 0;
}

static int parse_file_mode(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec_file *f = target;
	const char *s = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
	size_t len = strlen(s);

	if (len == 0 || len > 5 || strspn(s, "01234567") != len || strtoul(s, NULL, 8) > 07777)
		return yw_fail(y, n, path, "expected an octal mode such as \"0644\"");
	f->mode = (unsigned)strtoul(s, NULL, 8);
	return 0;
}

static const struct yw_field file_fields[] = {
    {"path", parse_file_path},
    {"source", parse_file_source},
    {"content", parse_file_content},
    {"mode", parse_file_mode},
};

static int parse_file(struct yw *y, yaml_node_t *n, const char *path, struct spec *spec)
{
	struct spec_file *f = &spec->files[spec->n_files++];
	char child[YW_PATH_MAX];

	f->line = yw_line(n);
	f->mode = 0644;
	if (yw_mapping(y, n, path, file_fields, ARRAY_LEN(file_fields), f) < 0)
		return -1;
	if (!f->path) {
		yw_key_path(child, path, "path");
		return yw_fail(y, n, child, "missing");
	}
	if (!f->source == !f->content)
		return yw_fail(y, n, path, "expected exactly one of source and content");
	for (size_t i = 0; i + 1 < spec->n_files; i++)
		if (strcmp(spec->files[i].path, f->path) == 0) {
			yw_key_path(child, path, "path");
			return yw_fail(y, yw_get(y, n, "path"), child,
				       "duplicate path \"%s\" (first on line %d)", f->path,
				       spec->files[i].path_line);
		}
	return 0;
}

static int parse_files(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct spec *spec = target;
	yaml_node_item_t *items;
	size_t count;

	if (yw_sequence(y, n, path, &items, &count) < 0)
		return -1;
	if (count > SPEC_MAX_FILES)
		return yw_fail(y, n, path, "more than %d files", SPEC_MAX_FILES);
	if (!(spec->files = calloc(count + 1, sizeof *spec->files)))
		return sk_fail(y->err, ENOMEM, "%s", path);
	for (size_t i = 0; i < count; i++) {
		char child[YW_PATH_MAX];
		yw_index_path(child, path, i);
		if (parse_file(y, yw_item(y, items[i]), child, spec) < 0)
			return -1;
	}
	return 0;
}

static int parse_disk(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return disk_spec_parse(y, n, path, &((struct spec *)target)->disk);
}

static int parse_image_version(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return update_version_parse(y, n, path, &((struct spec *)target)->version);
}

static int parse_update(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	return update_spec_parse(y, n, path, &((struct spec *)target)->update);
}

/* --- document ---------------------------------------------------------- */

static const struct yw_field top_fields[] = {
    {"hostname", parse_hostname},     {"debug", parse_debug},	    {"kernel", parse_kernel},
    {"services", parse_services},     {"files", parse_files},	    {"cluster", parse_cluster},
    {"network", parse_network},	      {"shutdown", parse_shutdown}, {"disk", parse_disk},
    {"version", parse_image_version}, {"update", parse_update},
};

/* An update replaces a disk's root slot and UKI: it needs a disk image. */
static int check_sections(struct yw *y, yaml_node_t *root, const struct spec *spec)
{
	if (spec->update.enabled && !spec->disk.enabled)
		return yw_fail(y, yw_get(y, root, "update"), "update",
			       "needs a disk: section (an update replaces a disk's root slot and "
			       "kernel image)");
	return 0;
}

static int set_defaults(struct spec *spec, const char *name, struct sk_err *err)
{
	memset(spec, 0, sizeof *spec);
	spec->name = strdup(name);
	spec->dir = strdup(".");
	spec->hostname = strdup(SPEC_DEFAULT_HOSTNAME);
	spec->cmdline = strdup(SPEC_DEFAULT_CMDLINE);
	spec->version = strdup(SPEC_DEFAULT_VERSION);
	spec->grace_ms = SPEC_DEFAULT_GRACE_MS;
	if (!spec->name || !spec->dir || !spec->hostname || !spec->cmdline || !spec->version)
		return sk_fail(err, ENOMEM, "%s", name);
	return 0;
}

static int syntax_error(const yaml_parser_t *p, const char *name, struct sk_err *err)
{
	if (p->error == YAML_MEMORY_ERROR)
		return sk_fail(err, ENOMEM, "%s", name);
	if (p->context)
		return sk_fail(err, 0, "%s:%zu: %s (%s at line %zu)", name,
			       p->problem_mark.line + 1, p->problem, p->context,
			       p->context_mark.line + 1);
	return sk_fail(err, 0, "%s:%zu: %s", name, p->problem_mark.line + 1,
		       p->problem ? p->problem : "invalid YAML");
}

/* Loads the one document of TEXT into DOC. */
static int load_document(const char *name, const char *text, size_t len, yaml_document_t *doc,
			 struct sk_err *err)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	int rc = 0;

	if (!yaml_parser_initialize(&parser))
		return sk_fail(err, ENOMEM, "%s", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc)) {
		rc = syntax_error(&parser, name, err);
		yaml_parser_delete(&parser);
		return rc;
	}
	if (!yaml_parser_load(&parser, &extra)) {
		rc = syntax_error(&parser, name, err);
	} else {
		yaml_node_t *root = yaml_document_get_root_node(&extra);
		if (root)
			rc = sk_fail(err, 0, "%s:%zu: only one YAML document is allowed", name,
				     root->start_mark.line + 1);
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&parser);
	if (rc < 0)
		yaml_document_delete(doc);
	return rc;
}

int spec_parse(const char *name, const char *text, size_t len, struct spec *out, struct sk_err *err)
{
	yaml_document_t doc;
	struct yw y = {.doc = &doc, .name = name, .err = err};
	int rc = 0;

	if (set_defaults(out, name, err) < 0 || load_document(name, text, len, &doc, err) < 0) {
		spec_free(out);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root)
		rc = yw_mapping(&y, root, "", top_fields, ARRAY_LEN(top_fields), out);
	if (root && rc == 0)
		rc = check_sections(&y, root, out);
	yaml_document_delete(&doc);
	if (rc < 0)
		spec_free(out);
	return rc;
}

int spec_load(const char *path, struct spec *out, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;
	SK_AUTOFREE char *copy = strdup(path);
	size_t len = 0;

	if (!copy)
		return sk_fail(err, ENOMEM, "%s", path);
	if (sk_read_file(path, SPEC_MAX_BYTES, &text, &len, err) < 0 ||
	    spec_parse(path, text, len, out, err) < 0)
		return -1;
	free(out->dir);
	if (!(out->dir = strdup(dirname(copy)))) {
		spec_free(out);
		return sk_fail(err, ENOMEM, "%s", path);
	}
	return 0;
}

void spec_free(struct spec *spec)
{
	free(spec->name);
	free(spec->dir);
	free(spec->hostname);
	free(spec->kernel_version);
	free(spec->cmdline);
	for (size_t i = 0; spec->modules && i < spec->n_modules; i++)
		free(spec->modules[i].name);
	free(spec->modules);
	for (size_t i = 0; spec->services && i < spec->n_services; i++) {
		free(spec->services[i].name);
		yw_strings_free(spec->services[i].exec);
		yw_strings_free(spec->services[i].env);
	}
	free(spec->services);
	for (size_t i = 0; spec->files && i < spec->n_files; i++) {
		free(spec->files[i].path);
		free(spec->files[i].source);
		free(spec->files[i].content);
	}
	free(spec->files);
	cJSON_Delete(spec->cluster);
	cJSON_Delete(spec->network);
	free(spec->version);
	update_spec_free(&spec->update);
	memset(spec, 0, sizeof *spec);
}
