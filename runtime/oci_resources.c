/* config.json "linux.resources": the parts cgroup v2 can apply. */
#define _GNU_SOURCE
#include "json_get.h"
#include "oci_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_memory(cJSON *res, struct oci_resources *r, struct sk_err *err)
{
	static const char *const keys[] = {"limit", "reservation", "swap", NULL};
	const char *path = "linux.resources.memory";
	cJSON *m = NULL;

	if (json_object(res, "memory", "linux.resources", &m, err) < 0)
		return -1;
	if (!m)
		return 0;
	if (json_known_keys(m, path, keys, err) < 0 ||
	    json_int(m, "limit", path, -1, INT64_MAX, &r->mem_limit, err) < 0 ||
	    json_int(m, "reservation", path, -1, INT64_MAX, &r->mem_reservation, err) < 0 ||
	    json_int(m, "swap", path, -1, INT64_MAX, &r->mem_swap, err) < 0)
		return -1;
	/* OCI's -1 means unlimited; keep -1 for "unset" and use -2 for "max". */
	if (cJSON_GetObjectItem(m, "limit") && r->mem_limit == -1)
		r->mem_limit = -2;
	if (cJSON_GetObjectItem(m, "swap") && r->mem_swap == -1)
		r->mem_swap = -2;
	if (r->mem_swap >= 0 && r->mem_limit >= 0 && r->mem_swap < r->mem_limit)
		return sk_fail(err, 0, "%s.swap: must be at least the limit (memory plus swap)",
			       path);
	if (r->mem_swap >= 0 && r->mem_limit < 0)
		return sk_fail(err, 0, "%s.swap: needs a memory limit", path);
	return 0;
}

static int parse_cpu(cJSON *res, struct oci_resources *r, struct sk_err *err)
{
	static const char *const keys[] = {"shares", "quota", "period", "cpus", "mems", NULL};
	const char *path = "linux.resources.cpu";
	cJSON *c = NULL;

	if (json_object(res, "cpu", "linux.resources", &c, err) < 0)
		return -1;
	if (!c)
		return 0;
	if (json_known_keys(c, path, keys, err) < 0 ||
	    json_int(c, "shares", path, 0, 262144, &r->cpu_shares, err) < 0 ||
	    json_int(c, "quota", path, -1, INT64_MAX, &r->cpu_quota, err) < 0 ||
	    json_int(c, "period", path, 0, 1000000, &r->cpu_period, err) < 0 ||
	    json_string(c, "cpus", path, &r->cpuset_cpus, err) < 0 ||
	    json_string(c, "mems", path, &r->cpuset_mems, err) < 0)
		return -1;
	if (cJSON_GetObjectItem(c, "quota") && r->cpu_quota == -1)
		r->cpu_quota = -2;
	if (r->cpu_period >= 0 && r->cpu_period < 1000)
		return sk_fail(err, 0, "%s.period: must be at least 1000", path);
	return 0;
}

static int parse_pids(cJSON *res, struct oci_resources *r, struct sk_err *err)
{
	static const char *const keys[] = {"limit", NULL};
	cJSON *p = NULL;

	if (json_object(res, "pids", "linux.resources", &p, err) < 0)
		return -1;
	if (!p)
		return 0;
	if (json_known_keys(p, "linux.resources.pids", keys, err) < 0 ||
	    json_int(p, "limit", "linux.resources.pids", -1, INT64_MAX, &r->pids_limit, err) < 0)
		return -1;
	if (r->pids_limit == 0 || r->pids_limit == -1)
		r->pids_limit = cJSON_GetObjectItem(p, "limit") ? -2 : -1;
	return 0;
}

static int parse_unified(cJSON *res, struct oci_resources *r, struct sk_err *err)
{
	cJSON *it;

	if (json_object(res, "unified", "linux.resources", &r->unified, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, r->unified)
	{
		if (!cJSON_IsString(it))
			return sk_fail(err, 0, "linux.resources.unified.%s: expected a string",
				       it->string);
		if (strchr(it->string, '/') || it->string[0] == '.')
			return sk_fail(err, 0, "linux.resources.unified.%s: not a cgroup file",
				       it->string);
	}
	return 0;
}

static int parse_access(const char *s, const char *path, unsigned *out, struct sk_err *err)
{
	*out = 0;
	for (const char *p = s ? s : "rwm"; *p; p++) {
		const char *at = strchr("mrw", *p);
		if (!at)
			return sk_fail(err, 0, "%s.access: \"%s\" is not made of r, w and m", path,
				       s);
		*out |= 1u << (at - "mrw");
	}
	return 0;
}

static int parse_dev_rule(const cJSON *o, const char *path, void *out, struct sk_err *err)
{
	struct oci_dev_rule *r = out;
	static const char *const keys[] = {"allow", "type", "major", "minor", "access", NULL};
	const char *type = NULL, *access = NULL;

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: expected an object", path);
	r->major = r->minor = -1;
	if (json_known_keys(o, path, keys, err) < 0 ||
	    json_bool(o, "allow", path, &r->allow, err) < 0 ||
	    json_string(o, "type", path, &type, err) < 0 ||
	    json_int(o, "major", path, -1, 0xfff, &r->major, err) < 0 ||
	    json_int(o, "minor", path, -1, 0xfffff, &r->minor, err) < 0 ||
	    json_string(o, "access", path, &access, err) < 0 ||
	    parse_access(access, path, &r->access, err) < 0)
		return -1;
	if (!cJSON_IsBool(cJSON_GetObjectItem(o, "allow")))
		return sk_fail(err, 0, "%s.allow: missing", path);
	if (type && (strlen(type) != 1 || !strchr("acb", type[0])))
		return sk_fail(err, 0, "%s.type: expected one of a, c, b", path);
	r->type = type ? type[0] : 'a';
	return 0;
}

static int parse_devices(cJSON *res, struct oci_resources *r, struct sk_err *err)
{
	return json_array_parse(res, "devices", "linux.resources", sizeof *r->dev_rules,
				parse_dev_rule, (void **)&r->dev_rules, &r->ndev_rules, err);
}

/* With LINUX_ NULL, only resets R to "nothing set". */
int oci_parse_resources(cJSON *linux_, struct oci_resources *r, struct sk_err *err)
{
	static const char *const keys[] = {"devices", "memory", "cpu", "pids", "unified", NULL};
	cJSON *res = NULL;

	if (!linux_) {
		*r = (struct oci_resources){0,	-1,   -1,   -1,	  -1,	-1, -1,
					    -1, NULL, NULL, NULL, NULL, 0,  0};
		return 0;
	}
	if (json_object(linux_, "resources", "linux", &res, err) < 0)
		return -1;
	if (!res)
		return 0;
	r->present = 1;
	if (json_known_keys(res, "linux.resources", keys, err) < 0 ||
	    parse_memory(res, r, err) < 0 || parse_cpu(res, r, err) < 0 ||
	    parse_pids(res, r, err) < 0 || parse_unified(res, r, err) < 0 ||
	    parse_devices(res, r, err) < 0)
		return -1;
	for (cJSON *it = res->child; it; it = it->next)
		if (strcmp(it->string, "devices") != 0)
			r->has_limits = 1;
	return 0;
}
