/* The process `exec` runs: the --process file, or the container's own
 * process with the command, environment, cwd, user, groups,
 * capabilities and no_new_privs of the exec options (as runc builds it). */
#define _GNU_SOURCE
#include "caps.h"
#include "cleanup.h"
#include "exec_process.h"
#include "util.h"
#include "file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count(char **v)
{
	int n = 0;
	while (v && v[n])
		n++;
	return n;
}

static char **merge_env(char **base, char **extra)
{
	int n = count(base), m = count(extra);
	char **env = calloc((size_t)(n + m + 1), sizeof *env);

	if (!env)
		return NULL;
	if (n)
		memcpy(env, base, sizeof *env * (size_t)n);
	if (m)
		memcpy(env + n, extra, sizeof *env * (size_t)m);
	return env;
}

static int parse_id(const char *s, const char *what, unsigned *out, struct sk_err *err)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || (*end && *end != ':') || v >= 0xffffffffUL || s[0] == '-')
		return sk_fail(err, 0, "%s: expected a number, not \"%s\"", what, s);
	*out = (unsigned)v;
	return 0;
}

static int apply_user(const struct rt_exec_opts *o, struct oci_process *p, struct sk_err *err)
{
	unsigned uid, gid = 0;
	int n = count(o->additional_gids), base = p->ngids;

	if (o->user) {
		const char *colon = strchr(o->user, ':');
		if (parse_id(o->user, "--user", &uid, err) < 0 ||
		    (colon && parse_id(colon + 1, "--user", &gid, err) < 0))
			return -1;
		p->uid = uid;
		p->gid = gid;
	}
	gid_t *gids = calloc((size_t)(base + n + 1), sizeof *gids);
	if (!gids)
		return sk_fail(err, ENOMEM, "exec");
	if (base)
		memcpy(gids, p->gids, sizeof *gids * (size_t)base);
	for (int i = 0; i < n; i++)
		if (parse_id(o->additional_gids[i], "--additional-gids", &gids[base + i], err) <
		    0) {
			free(gids);
			return -1;
		}
	p->gids = gids;
	p->ngids = base + n;
	return 0;
}

/* runc's exec --cap: bounding, effective and permitted; ambient too when
 * the process has inheritable capabilities (else it could not hold it). */
static int apply_caps(char **names, struct oci_caps *c, struct sk_err *err)
{
	for (int i = 0; names && names[i]; i++) {
		int cap = cap_from_name(names[i]);
		if (cap < 0)
			return sk_fail(err, 0, "--cap: unknown capability \"%s\"", names[i]);
		uint64_t bit = 1ULL << cap;
		c->set = 1;
		c->bounding |= bit;
		c->effective |= bit;
		c->permitted |= bit;
		if (c->inheritable)
			c->ambient |= bit;
	}
	return 0;
}

static int load_process_file(const char *file, cJSON **json, struct oci_process *p,
			     struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;

	if (sk_read_file(file, 1 << 20, &text, NULL, err) < 0)
		return -1;
	*json = cJSON_Parse(text);
	if (!*json)
		return sk_fail(err, 0, "%s: not valid JSON", file);
	if (oci_process_parse(*json, "process", p, err) < 0)
		return sk_wrap(err, "%s", file);
	return 0;
}

int exec_process_build(const struct oci_spec *spec, const struct rt_exec_opts *o,
		       struct exec_process *x, struct sk_err *err)
{
	struct oci_process *p = &x->p;

	memset(x, 0, sizeof *x);
	if (o->process_file) {
		if (load_process_file(o->process_file, &x->json, p, err) < 0)
			return -1;
		x->owned = 1;
	} else {
		if (!o->args || !o->args[0])
			return sk_fail(err, 0, "exec: no command");
		*p = spec->process;
		p->args = o->args;
		p->terminal = 0;
		p->exe = NULL;
		if (o->cwd)
			p->cwd = o->cwd;
	}
	x->env_base = p->env;
	x->env = merge_env(p->env, o->env);
	x->gids_base = p->gids;
	if (!x->env)
		return sk_fail(err, ENOMEM, "exec");
	p->env = x->env;
	if (apply_user(o, p, err) < 0 || apply_caps(o->caps, &p->caps, err) < 0)
		return -1;
	x->gids = p->gids;
	p->no_new_privs |= o->no_new_privs;
	p->terminal |= o->tty;
	p->preserve_fds = o->preserve_fds;
	return 0;
}

void exec_process_free(struct exec_process *x)
{
	free(x->env);
	free(x->gids);
	if (x->owned) {
		x->p.env = x->env_base;
		x->p.gids = x->gids_base;
		oci_process_free(&x->p);
	}
	cJSON_Delete(x->json);
	memset(x, 0, sizeof *x);
}
