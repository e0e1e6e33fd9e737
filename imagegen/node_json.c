/* /etc/skiff/node.json (see node_json.h). cJSON keeps keys in insertion
 * order, which makes the output deterministic. */
#include "node_json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "update_key.h"

static cJSON *string_array(char **v, size_t n)
{
	return cJSON_CreateStringArray((const char *const *)v, (int)n);
}

static cJSON *service_json(const struct spec_service *svc)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", svc->name);
	cJSON_AddItemToObject(o, "exec", string_array(svc->exec, svc->n_exec));
	cJSON_AddItemToObject(o, "env",
			      svc->env ? string_array(svc->env, svc->n_env) : cJSON_CreateArray());
	cJSON_AddStringToObject(o, "restart", spec_restart_name(svc->restart));
	return o;
}

/* What the agent needs to accept updates: the trusted key (the image
 * always carries it at one path) and the new version's health bound. */
static cJSON *update_object(const struct update_spec *u)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "public_key", UPDATE_PUB_PATH);
	cJSON_AddNumberToObject(o, "health_timeout_s", u->health_timeout_s);
	return o;
}

static cJSON *node_object(const struct spec *spec, const char *kernel_version)
{
	cJSON *o = cJSON_CreateObject(), *modules = cJSON_CreateArray();
	cJSON *services = cJSON_CreateArray();

	if (!o || !modules || !services) {
		cJSON_Delete(o);
		cJSON_Delete(modules);
		cJSON_Delete(services);
		return NULL;
	}
	cJSON_AddStringToObject(o, "hostname", spec->hostname);
	cJSON_AddStringToObject(o, "version", spec->version);
	cJSON_AddBoolToObject(o, "debug", spec->debug);
	cJSON_AddStringToObject(o, "kernel", kernel_version);
	for (size_t i = 0; i < spec->n_modules; i++)
		cJSON_AddItemToArray(modules, cJSON_CreateString(spec->modules[i].name));
	cJSON_AddItemToObject(o, "modules", modules);
	cJSON_AddNumberToObject(o, "shutdown_grace_ms", spec->grace_ms);
	for (size_t i = 0; i < spec->n_services; i++)
		cJSON_AddItemToArray(services, service_json(&spec->services[i]));
	cJSON_AddItemToObject(o, "services", services);
	if (spec->cluster)
		cJSON_AddItemToObject(o, "cluster", cJSON_Duplicate(spec->cluster, 1));
	if (spec->network)
		cJSON_AddItemToObject(o, "network", cJSON_Duplicate(spec->network, 1));
	if (spec->update.enabled)
		cJSON_AddItemToObject(o, "update", update_object(&spec->update));
	return o;
}

int node_json_render(const struct spec *spec, const char *kernel_version, char **out, size_t *len,
		     struct sk_err *err)
{
	cJSON *o = node_object(spec, kernel_version);
	char *text = o ? cJSON_Print(o) : NULL;
	char *nl;

	cJSON_Delete(o);
	if (!text || !(nl = realloc(text, strlen(text) + 2))) {
		free(text);
		return sk_fail(err, ENOMEM, "%s", NODE_JSON_PATH);
	}
	*len = strlen(nl);
	memcpy(nl + *len, "\n", 2);
	*len += 1;
	*out = nl;
	return 0;
}
