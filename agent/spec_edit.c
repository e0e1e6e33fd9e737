/* Edits of a bundle's config.json (see spec_edit.h). */
#include "runtime/util.h"
#include "spec_edit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "nodeinfo.h"

static cJSON *child_object(cJSON *parent, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);

	if (cJSON_IsObject(o))
		return o;
	cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
	return cJSON_AddObjectToObject(parent, key);
}

static void set_number(cJSON *o, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddNumberToObject(o, key, v);
}

static void set_string(cJSON *o, const char *key, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, v);
}

/* Removes the "network" namespace entry, then adds one joining PATH (when
 * PATH is set). */
static int set_netns(cJSON *linux_obj, const char *path, struct sk_err *err)
{
	cJSON *ns = cJSON_GetObjectItemCaseSensitive(linux_obj, "namespaces"), *e, *next;

	if (!cJSON_IsArray(ns)) {
		cJSON_DeleteItemFromObjectCaseSensitive(linux_obj, "namespaces");
		ns = cJSON_AddArrayToObject(linux_obj, "namespaces");
	}
	for (e = ns ? ns->child : NULL; e; e = next) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "type");
		next = e->next;
		if (cJSON_IsString(t) && !strcmp(t->valuestring, "network"))
			cJSON_Delete(cJSON_DetachItemViaPointer(ns, e));
	}
	if (!path)
		return 0;
	if (!(e = cJSON_CreateObject()))
		return sk_fail(err, ENOMEM, "config.json");
	cJSON_AddStringToObject(e, "type", "network");
	cJSON_AddStringToObject(e, "path", path);
	cJSON_AddItemToArray(ns, e);
	return 0;
}

static void add_resolv_mount(cJSON *root, const char *src)
{
	cJSON *mounts = cJSON_GetObjectItemCaseSensitive(root, "mounts"), *m, *opts;

	if (!cJSON_IsArray(mounts)) {
		cJSON_DeleteItemFromObjectCaseSensitive(root, "mounts");
		mounts = cJSON_AddArrayToObject(root, "mounts");
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", "/etc/resolv.conf");
	cJSON_AddStringToObject(m, "type", "bind");
	cJSON_AddStringToObject(m, "source", src);
	opts = cJSON_AddArrayToObject(m, "options");
	cJSON_AddItemToArray(opts, cJSON_CreateString("rbind"));
	cJSON_AddItemToArray(opts, cJSON_CreateString("ro"));
	cJSON_AddItemToArray(mounts, m);
}

int spec_edit_json(void *config_json, const struct spec_edit *ed, struct sk_err *err)
{
	cJSON *root = config_json, *ann, *lin, *res, *proc;

	if (!cJSON_IsObject(root))
		return sk_fail(err, 0, "config.json: not an object");
	ann = child_object(root, "annotations");
	set_string(ann, "skiff.task", ed->task);
	set_string(ann, "skiff.container", ed->container);
	if ((proc = cJSON_GetObjectItemCaseSensitive(root, "process")))
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "terminal");
	lin = child_object(root, "linux");
	if ((ed->host_network || ed->netns_path) &&
	    set_netns(lin, ed->host_network ? NULL : ed->netns_path, err) < 0)
		return -1;
	if (ed->resolv_path[0])
		add_resolv_mount(root, ed->resolv_path);
	if (ed->memory_mib || ed->cpu) {
		res = child_object(lin, "resources");
		if (ed->memory_mib)
			set_number(child_object(res, "memory"), "limit",
				   (double)ed->memory_mib * 1024 * 1024);
		if (ed->cpu)
			set_number(child_object(res, "cpu"), "shares", ed->cpu < 2 ? 2 : ed->cpu);
	}
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
	if (rt_read_file(path, 4 << 20, &text, err) < 0)
		return -1;
	if (!(root = cJSON_Parse(text)))
		return sk_fail(err, 0, "%s: not valid JSON", path);
	rc = spec_edit_json(root, ed, err);
	if (rc == 0 && !(out = cJSON_Print(root)))
		rc = sk_fail(err, ENOMEM, "%s", path);
	cJSON_Delete(root);
	if (rc < 0)
		return sk_wrap(err, "%s", path);
	return rt_write_atomic(path, out, err);
}
