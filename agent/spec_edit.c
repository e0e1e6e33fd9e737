/* Edits of a bundle's config.json (see spec_edit.h): annotations, the
 * namespaces a task's containers share or take from the node, host name,
 * read-only root and cgroup v2 resources. */
#include "spec_edit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/monitor.h"
#include "cleanup.h"
#include "file.h"
#include "spec_json.h"

/* Drops namespace TYPE, then adds one joining PATH (when PATH is set). */
static void set_namespace(cJSON *linux_obj, const char *type, const char *path)
{
	cJSON *ns = spec_child_array(linux_obj, "namespaces"), *e;

	spec_remove_where(ns, "type", type);
	if (!path || !(e = cJSON_CreateObject()))
		return;
	cJSON_AddStringToObject(e, "type", type);
	if (*path)
		cJSON_AddStringToObject(e, "path", path);
	cJSON_AddItemToArray(ns, e);
}

static void edit_namespaces(cJSON *root, cJSON *lin, const struct spec_edit *ed)
{
	const struct taskdef *td = ed->td;

	if (ed->host_network || ed->netns_path)
		set_namespace(lin, "network", ed->host_network ? NULL : ed->netns_path);
	if (td->pid_mode == TD_NS_HOST)
		set_namespace(lin, "pid", NULL);
	else if (td->pid_mode == TD_NS_TASK && ed->pid_ns_path)
		set_namespace(lin, "pid", ed->pid_ns_path);
	if (td->ipc_mode == TD_NS_HOST)
		set_namespace(lin, "ipc", NULL);
	else if (td->ipc_mode == TD_NS_TASK && ed->ipc_ns_path)
		set_namespace(lin, "ipc", ed->ipc_ns_path);
	/* The node's host name comes with its UTS namespace, as with Docker's
	 * --network host. */
	if (!ed->hostname) {
		set_namespace(lin, "uts", NULL);
		cJSON_DeleteItemFromObjectCaseSensitive(root, "hostname");
	} else {
		spec_set_string(root, "hostname", ed->hostname);
	}
}

static void edit_resources(cJSON *lin, const struct spec_edit *ed)
{
	const struct td_container *c = ed->def;
	const struct td_linux_parameters *lp = c->linux_parameters;
	cJSON *res, *mem;

	if (!ed->limits)
		return;
	if (ed->cgroups_path)
		spec_set_string(lin, "cgroupsPath", ed->cgroups_path);
	if (c->memory == TD_UNSET && c->memory_reservation == TD_UNSET && c->cpu == TD_UNSET)
		return;
	res = spec_child_object(lin, "resources");
	mem = spec_child_object(res, "memory");
	if (c->memory != TD_UNSET)
		spec_set_number(mem, "limit", (double)c->memory * 1024 * 1024);
	if (c->memory_reservation != TD_UNSET)
		spec_set_number(mem, "reservation", (double)c->memory_reservation * 1024 * 1024);
	if (c->memory != TD_UNSET && lp && lp->max_swap != TD_UNSET) /* OCI: memory + swap */
		spec_set_number(mem, "swap", (double)(c->memory + lp->max_swap) * 1024 * 1024);
	if (c->cpu != TD_UNSET && c->cpu > 0)
		spec_set_number(spec_child_object(res, "cpu"), "shares", c->cpu < 2 ? 2 : c->cpu);
}

static void edit_annotations(cJSON *root, const struct spec_edit *ed)
{
	cJSON *ann = spec_child_object(root, "annotations");

	for (size_t i = 0; i < ed->def->n_docker_labels; i++)
		spec_set_string(ann, ed->def->docker_labels[i].name,
				ed->def->docker_labels[i].value);
	spec_set_string(ann, "skiff.task", ed->task);
	spec_set_string(ann, "skiff.container", ed->container);
	if (ed->log_dir)
		spec_set_string(ann, LOG_DIR_ANNOTATION, ed->log_dir);
}

int spec_edit_json(void *config_json, const struct spec_edit *ed, struct sk_err *err)
{
	cJSON *root = config_json, *proc, *lin;

	if (!cJSON_IsObject(root))
		return sk_fail(err, 0, "config.json: not an object");
	edit_annotations(root, ed);
	if ((proc = cJSON_GetObjectItemCaseSensitive(root, "process")))
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "terminal");
	lin = spec_child_object(root, "linux");
	edit_namespaces(root, lin, ed);
	edit_resources(lin, ed);
	if (ed->def->readonly_root_filesystem == 1) {
		cJSON *r = spec_child_object(root, "root");
		cJSON_DeleteItemFromObjectCaseSensitive(r, "readonly");
		cJSON_AddTrueToObject(r, "readonly");
	}
	if (spec_edit_mounts(root, ed, err) < 0 || spec_edit_security(root, ed, err) < 0)
		return -1;
	return 0;
}

int spec_edit_apply(const char *bundle, const struct spec_edit *ed, struct sk_err *err)
{
	char path[PATH_MAX + 16];
	SK_AUTOFREE char *text = NULL, *out = NULL;
	cJSON *root;
	int rc;

	if ((size_t)snprintf(path, sizeof path, "%s/config.json", bundle) >= sizeof path)
		return sk_fail(err, ENAMETOOLONG, "%s/config.json", bundle);
	if (sk_read_file(path, 4 << 20, &text, NULL, err) < 0)
		return -1;
	if (!(root = cJSON_Parse(text)))
		return sk_fail(err, 0, "%s: not valid JSON", path);
	rc = spec_edit_json(root, ed, err);
	if (rc == 0 && !(out = cJSON_Print(root)))
		rc = sk_fail(err, ENOMEM, "%s", path);
	cJSON_Delete(root);
	if (rc < 0)
		return sk_wrap(err, "%s", path);
	return sk_write_atomic(path, out, strlen(out), err);
}
