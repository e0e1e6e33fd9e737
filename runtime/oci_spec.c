/* config.json: top level, process, root, mounts and hooks. The linux
 * section is in oci_linux.c. Every key not listed here is rejected by name. */
#define _GNU_SOURCE
#include "oci_spec.h"
#include "caps.h"
#include "cleanup.h"
#include "json_get.h"
#include "oci_internal.h"
#include "file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",	   [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",	   [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",	   [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",	   [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",	   [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",	   [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

/* Names not known are skipped and counted (runc warns and skips them, so
 * that one config serves older and newer kernels). */
static int parse_capset(cJSON *obj, const char *key, const char *path, struct oci_caps *caps,
			uint64_t *out, struct sk_err *err)
{
	SK_AUTOFREE char **names = NULL;

	if (json_strings(obj, key, path, &names, err) < 0)
		return -1;
	for (int i = 0; names && names[i]; i++) {
		int c = cap_from_name(names[i]);
		if (c >= 0 && c < 64) {
			*out |= 1ULL << c;
		} else if (!caps->nunknown++) {
			caps->unknown = names[i];
		}
	}
	return 0;
}

static int parse_caps(cJSON *proc, struct oci_caps *caps, struct sk_err *err)
{
	static const char *const keys[] = {"bounding",	"effective", "inheritable",
					   "permitted", "ambient",   NULL};
	const char *path = "process.capabilities";
	cJSON *c = NULL;

	if (json_object(proc, "capabilities", "process", &c, err) < 0)
		return -1;
	if (!c)
		return 0;
	caps->set = 1;
	if (json_known_keys(c, path, keys, err) < 0 ||
	    parse_capset(c, "bounding", path, caps, &caps->bounding, err) < 0 ||
	    parse_capset(c, "effective", path, caps, &caps->effective, err) < 0 ||
	    parse_capset(c, "inheritable", path, caps, &caps->inheritable, err) < 0 ||
	    parse_capset(c, "permitted", path, caps, &caps->permitted, err) < 0 ||
	    parse_capset(c, "ambient", path, caps, &caps->ambient, err) < 0)
		return -1;
	return 0;
}

static int rlimit_type(const char *name)
{
	for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
		if (rlimit_names[i] && strcmp(rlimit_names[i], name) == 0)
			return (int)i;
	return -1;
}

static int parse_rlimit(const cJSON *o, const char *path, void *out, struct sk_err *err)
{
	struct oci_rlimit *r = out;
	static const char *const keys[] = {"type", "soft", "hard", NULL};
	const char *type = NULL;

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_known_keys(o, path, keys, err) < 0 ||
	    json_string(o, "type", path, &type, err) < 0 ||
	    json_u64(o, "soft", path, &r->soft, err) < 0 ||
	    json_u64(o, "hard", path, &r->hard, err) < 0)
		return -1;
	if (!type)
		return sk_fail(err, 0, "%s.type: missing", path);
	r->type = rlimit_type(type);
	if (r->type < 0)
		return sk_fail(err, 0, "%s.type: unknown rlimit \"%s\"", path, type);
	return 0;
}

static int parse_rlimits(cJSON *proc, struct oci_process *p, struct sk_err *err)
{
	return json_array_parse(proc, "rlimits", "process", sizeof *p->rlimits, parse_rlimit,
				(void **)&p->rlimits, &p->nrlimits, err);
}

static int parse_gid(const cJSON *it, const char *path, void *out, struct sk_err *err)
{
	if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble >= UINT32_MAX)
		return sk_fail(err, 0, "%s: expected a group id", path);
	*(gid_t *)out = (gid_t)it->valuedouble;
	return 0;
}

static int parse_user(cJSON *proc, const char *ppath, struct oci_process *p, struct sk_err *err)
{
	static const char *const keys[] = {"uid", "gid", "umask", "additionalGids", NULL};
	char path[128];
	cJSON *u = NULL;
	int64_t uid = 0, gid = 0, umask_v = -1;

	json_path(path, sizeof path, ppath, "user");
	if (json_object(proc, "user", ppath, &u, err) < 0)
		return -1;
	if (!u)
		return 0;
	if (json_known_keys(u, path, keys, err) < 0 ||
	    json_int(u, "uid", path, 0, UINT32_MAX - 1, &uid, err) < 0 ||
	    json_int(u, "gid", path, 0, UINT32_MAX - 1, &gid, err) < 0 ||
	    json_int(u, "umask", path, 0, 07777, &umask_v, err) < 0 ||
	    json_array_parse(u, "additionalGids", path, sizeof *p->gids, parse_gid,
			     (void **)&p->gids, &p->ngids, err) < 0)
		return -1;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	p->has_umask = umask_v >= 0;
	p->umask = (mode_t)(umask_v >= 0 ? umask_v : 022);
	return 0;
}

int oci_process_parse(cJSON *proc, const char *path, struct oci_process *p, struct sk_err *err)
{
	static const char *const keys[] = {
	    "terminal",	       "user",	      "args", "env", "cwd", "capabilities", "rlimits",
	    "noNewPrivileges", "oomScoreAdj", NULL};
	int64_t oom = INT64_MIN;

	if (!cJSON_IsObject(proc))
		return sk_fail(err, 0, "%s: expected an object", path);
	p->json = proc;
	p->cwd = "/";
	p->umask = 022;
	if (json_known_keys(proc, path, keys, err) < 0 ||
	    json_bool(proc, "terminal", path, &p->terminal, err) < 0 ||
	    parse_user(proc, path, p, err) < 0 ||
	    json_strings(proc, "args", path, &p->args, err) < 0 ||
	    json_strings(proc, "env", path, &p->env, err) < 0 ||
	    json_string(proc, "cwd", path, &p->cwd, err) < 0 ||
	    parse_caps(proc, &p->caps, err) < 0 || parse_rlimits(proc, p, err) < 0 ||
	    json_bool(proc, "noNewPrivileges", path, &p->no_new_privs, err) < 0 ||
	    json_int(proc, "oomScoreAdj", path, -1000, 1000, &oom, err) < 0)
		return -1;
	if (!p->args || !p->args[0])
		return sk_fail(err, 0, "%s.args: must name a program", path);
	if (p->cwd[0] != '/')
		return sk_fail(err, 0, "%s.cwd: \"%s\" is not absolute", path, p->cwd);
	p->has_oom_score_adj = oom != INT64_MIN;
	p->oom_score_adj = (int)oom;
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	free(p->args);
	free(p->env);
	free(p->gids);
	free(p->rlimits);
	memset(p, 0, sizeof *p);
}

static int parse_root(cJSON *json, struct oci_spec *s, struct sk_err *err)
{
	static const char *const keys[] = {"path", "readonly", NULL};
	cJSON *root = NULL;

	if (json_object(json, "root", "", &root, err) < 0)
		return -1;
	if (!root)
		return sk_fail(err, 0, "root: missing");
	if (json_known_keys(root, "root", keys, err) < 0 ||
	    json_string(root, "path", "root", &s->root_path, err) < 0 ||
	    json_bool(root, "readonly", "root", &s->root_readonly, err) < 0)
		return -1;
	if (!s->root_path || !*s->root_path)
		return sk_fail(err, 0, "root.path: missing");
	return 0;
}

static int parse_hook(const cJSON *o, const char *path, void *out, struct sk_err *err)
{
	struct oci_hook *h = out;
	static const char *const keys[] = {"path", "args", "env", "timeout", NULL};
	int64_t timeout = 0;

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_known_keys(o, path, keys, err) < 0 ||
	    json_string(o, "path", path, &h->path, err) < 0 ||
	    json_strings(o, "args", path, &h->args, err) < 0 ||
	    json_strings(o, "env", path, &h->env, err) < 0 ||
	    json_int(o, "timeout", path, 1, 86400, &timeout, err) < 0)
		return -1;
	if (!h->path || h->path[0] != '/')
		return sk_fail(err, 0, "%s.path: must be an absolute path", path);
	h->timeout = (int)timeout;
	return 0;
}

static const char *const hook_names[HOOK_KINDS] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static int parse_hook_list(cJSON *hooks, int kind, struct oci_hooks *out, struct sk_err *err)
{
	return json_array_parse(hooks, hook_names[kind], "hooks", sizeof *out->v, parse_hook,
				(void **)&out->v, &out->n, err);
}

static int parse_hooks(cJSON *json, struct oci_spec *s, struct sk_err *err)
{
	static const char *const keys[] = {"prestart",
					   "createRuntime",
					   "createContainer",
					   "startContainer",
					   "poststart",
					   "poststop",
					   NULL};
	cJSON *hooks = NULL;

	if (json_object(json, "hooks", "", &hooks, err) < 0)
		return -1;
	if (!hooks)
		return 0;
	if (json_known_keys(hooks, "hooks", keys, err) < 0)
		return -1;
	for (int k = 0; k < HOOK_KINDS; k++)
		if (parse_hook_list(hooks, k, &s->hooks[k], err) < 0)
			return -1;
	return 0;
}

static int parse_annotations(cJSON *json, struct oci_spec *s, struct sk_err *err)
{
	cJSON *it;

	if (json_object(json, "annotations", "", &s->annotations, err) < 0)
		return -1;
	if (!s->annotations)
		return 0;
	cJSON_ArrayForEach(it, s->annotations) if (!cJSON_IsString(it)) return sk_fail(
	    err, 0, "annotations.%s: expected a string", it->string);
	return 0;
}

static int parse_spec(const char *text, struct oci_spec *s, struct sk_err *err)
{
	static const char *const keys[] = {"ociVersion", "process", "root",  "hostname",
					   "domainname", "mounts",  "hooks", "annotations",
					   "linux",	 NULL};
	cJSON *proc = NULL;

	s->json = cJSON_Parse(text);
	if (!s->json)
		return sk_fail(err, 0, "not valid JSON near \"%.20s\"", cJSON_GetErrorPtr());
	if (!cJSON_IsObject(s->json))
		return sk_fail(err, 0, "expected an object");
	if (json_known_keys(s->json, "", keys, err) < 0 ||
	    json_object(s->json, "process", "", &proc, err) < 0)
		return -1;
	if (!proc)
		return sk_fail(err, 0, "process: missing");
	if (oci_process_parse(proc, "process", &s->process, err) < 0 ||
	    parse_root(s->json, s, err) < 0 ||
	    json_string(s->json, "hostname", "", &s->hostname, err) < 0 ||
	    json_string(s->json, "domainname", "", &s->domainname, err) < 0 ||
	    oci_parse_mounts(s->json, s, err) < 0 || parse_hooks(s->json, s, err) < 0 ||
	    parse_annotations(s->json, s, err) < 0 || oci_parse_linux(s->json, s, err) < 0)
		return -1;
	/* An empty name means "leave it alone", as in runc. */
	if (s->hostname && !*s->hostname)
		s->hostname = NULL;
	if (s->domainname && !*s->domainname)
		s->domainname = NULL;
	return 0;
}

int oci_spec_parse(const char *text, struct oci_spec *s, struct sk_err *err)
{
	memset(s, 0, sizeof *s);
	if (parse_spec(text, s, err) < 0) {
		oci_spec_free(s);
		return -1;
	}
	return 0;
}

int oci_spec_load(const char *bundle, struct oci_spec *spec, char **text_out, struct sk_err *err)
{
	char path[4096];
	SK_AUTOFREE char *text = NULL;

	snprintf(path, sizeof path, "%s/config.json", bundle);
	if (sk_read_file(path, 4 << 20, &text, NULL, err) < 0)
		return -1;
	if (oci_spec_parse(text, spec, err) < 0)
		return sk_wrap(err, "config.json");
	if (text_out) {
		*text_out = text;
		text = NULL;
	}
	return 0;
}

void oci_spec_free(struct oci_spec *s)
{
	oci_process_free(&s->process);
	for (int i = 0; i < s->nmounts; i++)
		free(s->mounts[i].data);
	free(s->mounts);
	free(s->devices);
	free(s->masked);
	free(s->readonly);
	free(s->sysctl);
	free(s->res.dev_rules);
	for (int k = 0; k < HOOK_KINDS; k++) {
		for (int i = 0; i < s->hooks[k].n; i++) {
			free(s->hooks[k].v[i].args);
			free(s->hooks[k].v[i].env);
		}
		free(s->hooks[k].v);
	}
	cJSON_Delete(s->json);
	memset(s, 0, sizeof *s);
}
