/* config.json "linux": namespaces, id mappings, devices, resources,
 * sysctl, seccomp (validated later by seccomp_build), paths. */
#define _GNU_SOURCE
#include "json_get.h"
#include "oci_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
    {"pid", CLONE_NEWPID},	 {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},	 {"uts", CLONE_NEWUTS},	    {"user", CLONE_NEWUSER},
    {"cgroup", CLONE_NEWCGROUP},
};
#define NTYPES (int)(sizeof ns_types / sizeof ns_types[0])

int oci_ns_flag(const char *name)
{
	for (int i = 0; i < NTYPES; i++)
		if (strcmp(ns_types[i].name, name) == 0)
			return ns_types[i].flag;
	return 0;
}

const char *oci_ns_name(int flag)
{
	for (int i = 0; i < NTYPES; i++)
		if (ns_types[i].flag == flag)
			return ns_types[i].name;
	return "?";
}

const struct oci_ns *oci_spec_ns(const struct oci_spec *s, int flag)
{
	for (int i = 0; i < s->nns; i++)
		if (s->ns[i].type == flag)
			return &s->ns[i];
	return NULL;
}

uint64_t oci_shares_to_weight(uint64_t shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

static int parse_ns(cJSON *o, const char *path, struct oci_spec *s, struct sk_err *err)
{
	static const char *const keys[] = {"type", "path", NULL};
	const char *type = NULL, *nspath = NULL;

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_known_keys(o, path, keys, err) < 0 ||
	    json_string(o, "type", path, &type, err) < 0 ||
	    json_string(o, "path", path, &nspath, err) < 0)
		return -1;
	int flag = type ? oci_ns_flag(type) : 0;
	if (!flag)
		return sk_fail(err, 0, "%s.type: unknown namespace \"%s\"", path, type ? type : "");
	if (oci_spec_ns(s, flag))
		return sk_fail(err, 0, "%s.type: namespace \"%s\" given twice", path, type);
	if (nspath && nspath[0] != '/')
		return sk_fail(err, 0, "%s.path: must be absolute", path);
	s->ns[s->nns].type = flag;
	s->ns[s->nns++].path = nspath && *nspath ? nspath : NULL;
	return 0;
}

static int parse_namespaces(cJSON *linux_, struct oci_spec *s, struct sk_err *err)
{
	cJSON *arr = NULL, *it;
	char path[64];

	if (json_array(linux_, "namespaces", "linux", &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		json_index(path, sizeof path, "linux.namespaces", s->nns);
		if (s->nns >= (int)(sizeof s->ns / sizeof s->ns[0]))
			return sk_fail(err, 0, "%s: too many namespaces", path);
		if (parse_ns(it, path, s, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_idmaps(cJSON *linux_, const char *key, struct oci_idmap *v, int *n,
			struct sk_err *err)
{
	static const char *const keys[] = {"containerID", "hostID", "size", NULL};
	cJSON *arr = NULL, *it;
	char base[64], path[96];
	int64_t c, h, sz;

	json_path(base, sizeof base, "linux", key);
	if (json_array(linux_, key, "linux", &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		json_index(path, sizeof path, base, *n);
		c = h = sz = -1;
		if (*n >= 16)
			return sk_fail(err, 0, "%s: at most 16 mappings", path);
		if (!cJSON_IsObject(it))
			return sk_fail(err, 0, "%s: expected an object", path);
		if (json_known_keys(it, path, keys, err) < 0 ||
		    json_int(it, "containerID", path, 0, UINT32_MAX, &c, err) < 0 ||
		    json_int(it, "hostID", path, 0, UINT32_MAX, &h, err) < 0 ||
		    json_int(it, "size", path, 1, UINT32_MAX, &sz, err) < 0)
			return -1;
		if (c < 0 || h < 0 || sz < 0)
			return sk_fail(err, 0, "%s: containerID, hostID and size are required",
				       path);
		v[(*n)++] = (struct oci_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)sz};
	}
	return 0;
}

static int parse_device(const cJSON *o, const char *path, void *out, struct sk_err *err)
{
	struct oci_device *d = out;
	static const char *const keys[] = {"type",     "path", "major", "minor",
					   "fileMode", "uid",  "gid",	NULL};
	const char *type = NULL;
	int64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_known_keys(o, path, keys, err) < 0 ||
	    json_string(o, "type", path, &type, err) < 0 ||
	    json_string(o, "path", path, &d->path, err) < 0 ||
	    json_int(o, "major", path, 0, 0xfff, &major, err) < 0 ||
	    json_int(o, "minor", path, 0, 0xfffff, &minor, err) < 0 ||
	    json_int(o, "fileMode", path, 0, 07777, &mode, err) < 0 ||
	    json_int(o, "uid", path, 0, UINT32_MAX - 1, &uid, err) < 0 ||
	    json_int(o, "gid", path, 0, UINT32_MAX - 1, &gid, err) < 0)
		return -1;
	if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
		return sk_fail(err, 0, "%s.type: expected one of c, b, u, p", path);
	if (!d->path || d->path[0] != '/' || strstr(d->path, ".."))
		return sk_fail(err, 0, "%s.path: must be an absolute path without \"..\"", path);
	*d = (struct oci_device){d->path,      type[0],	   (uint32_t)major, (uint32_t)minor,
				 (mode_t)mode, (uid_t)uid, (gid_t)gid};
	return 0;
}

static int parse_devices(cJSON *linux_, struct oci_spec *s, struct sk_err *err)
{
	return json_array_parse(linux_, "devices", "linux", sizeof *s->devices, parse_device,
				(void **)&s->devices, &s->ndevices, err);
}

static int parse_sysctl(cJSON *linux_, struct oci_spec *s, struct sk_err *err)
{
	cJSON *obj = NULL, *it;

	if (json_object(linux_, "sysctl", "linux", &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	s->sysctl = calloc(cJSON_GetArraySize(obj) + 1, sizeof *s->sysctl);
	if (!s->sysctl)
		return sk_fail(err, ENOMEM, "allocate");
	cJSON_ArrayForEach(it, obj)
	{
		if (!cJSON_IsString(it))
			return sk_fail(err, 0, "linux.sysctl.%s: expected a string", it->string);
		if (strstr(it->string, "..") || strchr(it->string, '/'))
			return sk_fail(err, 0, "linux.sysctl.%s: not a sysctl name", it->string);
		s->sysctl[s->nsysctl++] = (struct oci_sysctl){it->string, it->valuestring};
	}
	return 0;
}

static int parse_propagation(cJSON *linux_, struct oci_spec *s, struct sk_err *err)
{
	const char *p = NULL;

	if (json_string(linux_, "rootfsPropagation", "linux", &p, err) < 0)
		return -1;
	if (!p)
		return 0;
	s->rootfs_propagation = oci_propagation_flag(p);
	if (!s->rootfs_propagation)
		return sk_fail(err, 0, "linux.rootfsPropagation: unknown value \"%s\"", p);
	return 0;
}

int oci_parse_linux(cJSON *json, struct oci_spec *s, struct sk_err *err)
{
	static const char *const keys[] = {"namespaces",  "uidMappings",   "gidMappings",
					   "devices",	  "cgroupsPath",   "resources",
					   "sysctl",	  "seccomp",	   "rootfsPropagation",
					   "maskedPaths", "readonlyPaths", NULL};
	cJSON *l = NULL;

	if (oci_parse_resources(NULL, &s->res, err) < 0 ||
	    json_object(json, "linux", "", &l, err) < 0)
		return -1;
	if (!l)
		return 0;
	if (json_known_keys(l, "linux", keys, err) < 0 || parse_namespaces(l, s, err) < 0 ||
	    parse_idmaps(l, "uidMappings", s->uid_maps, &s->nuid_maps, err) < 0 ||
	    parse_idmaps(l, "gidMappings", s->gid_maps, &s->ngid_maps, err) < 0 ||
	    parse_devices(l, s, err) < 0 ||
	    json_string(l, "cgroupsPath", "linux", &s->cgroups_path, err) < 0 ||
	    oci_parse_resources(l, &s->res, err) < 0 || parse_sysctl(l, s, err) < 0 ||
	    json_object(l, "seccomp", "linux", &s->seccomp, err) < 0 ||
	    parse_propagation(l, s, err) < 0 ||
	    json_strings(l, "maskedPaths", "linux", &s->masked, err) < 0 ||
	    json_strings(l, "readonlyPaths", "linux", &s->readonly, err) < 0)
		return -1;
	if ((s->nuid_maps || s->ngid_maps) && !oci_spec_ns(s, CLONE_NEWUSER))
		return sk_fail(err, 0, "linux.uidMappings: given without a user namespace");
	if (s->cgroups_path && strchr(s->cgroups_path, ':'))
		return sk_fail(err, 0, "linux.cgroupsPath: systemd form \"%s\" is not supported",
			       s->cgroups_path);
	if (s->cgroups_path && strstr(s->cgroups_path, ".."))
		return sk_fail(err, 0, "linux.cgroupsPath: \"..\" is not allowed");
	return 0;
}
