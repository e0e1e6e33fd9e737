/* config.json "linux.resources": the parts cgroup v2 can apply. */
#define _GNU_SOURCE
#include "json_get.h"
#include "oci_internal.h"

#include <cjson/cJSON.h>
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

/* With LINUX_ NULL, only resets R to "nothing set". */
int oci_parse_resources(cJSON *linux_, struct oci_resources *r, struct sk_err *err)
{
	static const char *const keys[] = {"memory", "cpu", "pids", "unified", NULL};
	cJSON *res = NULL;

	if (!linux_) {
		*r = (struct oci_resources){0, -1, -1, -1, -1, -1, -1, -1, NULL, NULL, NULL};
		return 0;
	}
	if (json_object(linux_, "resources", "linux", &res, err) < 0)
		return -1;
	if (!res)
		return 0;
	r->present = 1;
	if (json_known_keys(res, "linux.resources", keys, err) < 0 ||
	    parse_memory(res, r, err) < 0 || parse_cpu(res, r, err) < 0 ||
	    parse_pids(res, r, err) < 0 || parse_unified(res, r, err) < 0)
		return -1;
	return 0;
}
