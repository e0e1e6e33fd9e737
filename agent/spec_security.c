/* What a container may do: capabilities (Docker's default set, with the
 * definition's add and drop), no_new_privs (off, as with Docker, unless
 * dockerSecurityOptions asks), rlimits from ulimits, device nodes,
 * namespaced sysctls, and privileged: every capability, the node's
 * devices and no masked or read-only paths. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../runtime/caps.h"
#include "spec_edit.h"
#include "spec_json.h"

/* -1 (unlimited) as a number the runtime's JSON reader takes: 2^62. */
#define RLIMIT_UNLIMITED 4611686018427387904.0

static const char *const cap_sets[] = {"bounding", "effective", "permitted", NULL};

static int has(const cJSON *arr, const char *s)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, arr) if (cJSON_IsString(e) && !strcmp(e->valuestring, s)) return 1;
	return 0;
}

static int listed(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static void cap_add(cJSON *caps, const char *name)
{
	for (int i = 0; cap_sets[i]; i++) {
		cJSON *set = spec_child_array(caps, cap_sets[i]);
		if (!has(set, name))
			cJSON_AddItemToArray(set, cJSON_CreateString(name));
	}
}

static void cap_drop(cJSON *caps, const char *name)
{
	for (int i = 0; cap_sets[i]; i++) {
		cJSON *set = spec_child_array(caps, cap_sets[i]), *e, *next;
		for (e = set->child; e; e = next) {
			next = e->next;
			if (cJSON_IsString(e) && (!name || !strcmp(e->valuestring, name)))
				cJSON_Delete(cJSON_DetachItemViaPointer(set, e));
		}
	}
}

static void cap_all(cJSON *caps)
{
	for (int c = 0; c <= cap_last(); c++)
		if (cap_name(c))
			cap_add(caps, cap_name(c));
}

/* As Docker: add ALL starts from every capability, drop ALL from none;
 * then the named drops, then the named adds. */
static void edit_caps(cJSON *proc, const struct spec_edit *ed)
{
	const struct td_capabilities *k =
	    ed->def->linux_parameters ? ed->def->linux_parameters->capabilities : NULL;
	cJSON *caps = spec_child_object(proc, "capabilities");
	char name[64];

	if (ed->def->privileged == 1) {
		cap_all(caps);
		return;
	}
	if (!k)
		return;
	if (listed(k->add, k->n_add, "ALL"))
		cap_all(caps);
	if (listed(k->drop, k->n_drop, "ALL"))
		cap_drop(caps, NULL);
	for (size_t i = 0; i < k->n_drop; i++) {
		snprintf(name, sizeof name, "CAP_%s", k->drop[i]);
		cap_drop(caps, name);
	}
	for (size_t i = 0; i < k->n_add; i++)
		if (strcmp(k->add[i], "ALL")) {
			snprintf(name, sizeof name, "CAP_%s", k->add[i]);
			cap_add(caps, name);
		}
}

static void edit_rlimits(cJSON *proc, const struct spec_edit *ed)
{
	cJSON *rl;
	char type[40];

	if (!ed->def->n_ulimits)
		return;
	rl = spec_child_array(proc, "rlimits");
	for (size_t i = 0; i < ed->def->n_ulimits; i++) {
		const struct td_ulimit_entry *u = &ed->def->ulimits[i];
		cJSON *e = cJSON_CreateObject();
		snprintf(type, sizeof type, "RLIMIT_%s", td_ulimit_names[u->name]);
		for (char *p = type; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		spec_remove_where(rl, "type", type);
		cJSON_AddStringToObject(e, "type", type);
		cJSON_AddNumberToObject(
		    e, "soft", u->soft_limit < 0 ? RLIMIT_UNLIMITED : (double)u->soft_limit);
		cJSON_AddNumberToObject(
		    e, "hard", u->hard_limit < 0 ? RLIMIT_UNLIMITED : (double)u->hard_limit);
		cJSON_AddItemToArray(rl, e);
	}
}

static void edit_devices(cJSON *lin, const struct spec_edit *ed)
{
	cJSON *devs;
	char type[2] = "c";

	if (!ed->n_devices)
		return;
	devs = spec_child_array(lin, "devices");
	for (size_t i = 0; i < ed->n_devices; i++) {
		const struct spec_device *d = &ed->devices[i];
		cJSON *e = cJSON_CreateObject();
		type[0] = d->type;
		spec_remove_where(devs, "path", d->path);
		cJSON_AddStringToObject(e, "path", d->path);
		cJSON_AddStringToObject(e, "type", type);
		cJSON_AddNumberToObject(e, "major", d->major);
		cJSON_AddNumberToObject(e, "minor", d->minor);
		cJSON_AddNumberToObject(e, "fileMode", d->mode & 07777);
		cJSON_AddItemToArray(devs, e);
	}
}

static void edit_sysctls(cJSON *lin, const struct spec_edit *ed)
{
	cJSON *sys;

	if (!ed->def->n_system_controls)
		return;
	sys = spec_child_object(lin, "sysctl");
	for (size_t i = 0; i < ed->def->n_system_controls; i++)
		spec_set_string(sys, ed->def->system_controls[i].namespace_,
				ed->def->system_controls[i].value);
}

int spec_edit_security(cJSON *root, const struct spec_edit *ed, struct sk_err *err)
{
	cJSON *proc = spec_child_object(root, "process"), *lin = spec_child_object(root, "linux");
	const struct td_container *c = ed->def;

	edit_caps(proc, ed);
	edit_rlimits(proc, ed);
	cJSON_DeleteItemFromObjectCaseSensitive(proc, "noNewPrivileges");
	cJSON_AddBoolToObject(
	    proc, "noNewPrivileges",
	    listed(c->docker_security_options, c->n_docker_security_options, "no-new-privileges"));
	edit_devices(lin, ed);
	edit_sysctls(lin, ed);
	if (c->privileged == 1) {
		cJSON_DeleteItemFromObjectCaseSensitive(lin, "maskedPaths");
		cJSON_DeleteItemFromObjectCaseSensitive(lin, "readonlyPaths");
		cJSON_DeleteItemFromObjectCaseSensitive(lin, "seccomp");
	}
	return 0;
}
