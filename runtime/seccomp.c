/* Compiles linux.seccomp with libseccomp (see seccomp.h). Unknown syscall
 * names are skipped, as runc does, so one profile serves several kernels. */
#define _GNU_SOURCE
#include "seccomp.h"
#include "json_get.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static int parse_action(const cJSON *o, const char *key, const char *path, uint32_t *out,
			struct sk_err *err)
{
	const char *a = NULL;
	int64_t ret = EPERM;
	char buf[256];

	if (json_string(o, key, path, &a, err) < 0 ||
	    json_int(o, strcmp(key, "action") == 0 ? "errnoRet" : "defaultErrnoRet", path, 0, 4095,
		     &ret, err) < 0)
		return -1;
	json_path(buf, sizeof buf, path, key);
	if (!a)
		return sk_fail(err, 0, "%s: missing", buf);
	if (strcmp(a, "SCMP_ACT_ALLOW") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(a, "SCMP_ACT_ERRNO") == 0)
		*out = SCMP_ACT_ERRNO((uint32_t)ret);
	else if (strcmp(a, "SCMP_ACT_KILL") == 0 || strcmp(a, "SCMP_ACT_KILL_THREAD") == 0)
		*out = SCMP_ACT_KILL_THREAD;
	else if (strcmp(a, "SCMP_ACT_KILL_PROCESS") == 0)
		*out = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(a, "SCMP_ACT_TRAP") == 0)
		*out = SCMP_ACT_TRAP;
	else if (strcmp(a, "SCMP_ACT_TRACE") == 0)
		*out = SCMP_ACT_TRACE((uint32_t)ret);
	else if (strcmp(a, "SCMP_ACT_LOG") == 0)
		*out = SCMP_ACT_LOG;
	else
		return sk_fail(err, 0, "%s: action \"%s\" is not supported", buf, a);
	return 0;
}

static int parse_arg(const cJSON *o, const char *path, struct scmp_arg_cmp *c, struct sk_err *err)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
	int64_t index = -1;
	uint64_t value = 0, two = 0;
	const char *op = NULL;

	if (!cJSON_IsObject(o))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_known_keys(o, path, keys, err) < 0 ||
	    json_int(o, "index", path, 0, 5, &index, err) < 0 ||
	    json_u64(o, "value", path, &value, err) < 0 ||
	    json_u64(o, "valueTwo", path, &two, err) < 0 ||
	    json_string(o, "op", path, &op, err) < 0)
		return -1;
	if (index < 0)
		return sk_fail(err, 0, "%s.index: missing", path);
	for (size_t i = 0; op && i < sizeof ops / sizeof ops[0]; i++)
		if (strcmp(ops[i].name, op) == 0) {
			*c = (struct scmp_arg_cmp){(unsigned)index, ops[i].op, value, two};
			return 0;
		}
	return sk_fail(err, 0, "%s.op: unknown operator \"%s\"", path, op ? op : "");
}

static int parse_args(const cJSON *rule, const char *path, struct scmp_arg_cmp *args, int *nargs,
		      int *distinct, struct sk_err *err)
{
	cJSON *arr = NULL, *it;
	char base[256], p[300];
	unsigned seen = 0;

	*nargs = 0;
	*distinct = 1;
	if (json_array(rule, "args", path, &arr, err) < 0)
		return -1;
	json_path(base, sizeof base, path, "args");
	cJSON_ArrayForEach(it, arr)
	{
		if (*nargs >= 6)
			return sk_fail(err, 0, "%s: at most 6 arguments", base);
		if (parse_arg(it, json_index(p, sizeof p, base, *nargs), &args[*nargs], err) < 0)
			return -1;
		if (seen & (1u << args[*nargs].arg))
			*distinct = 0;
		seen |= 1u << args[(*nargs)++].arg;
	}
	return 0;
}

/* Arguments on distinct indexes must all match; repeated indexes are
 * alternatives, each its own rule (as runc does). */
static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const struct scmp_arg_cmp *args,
		    int nargs, int distinct)
{
	if (distinct || nargs == 0)
		return seccomp_rule_add_array(ctx, action, nr, (unsigned)nargs, args);
	for (int i = 0; i < nargs; i++) {
		int rc = seccomp_rule_add_array(ctx, action, nr, 1, &args[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_syscall(scmp_filter_ctx ctx, uint32_t def, const cJSON *rule, const char *path,
			 struct sk_err *err)
{
	static const char *const keys[] = {"names", "action", "errnoRet", "args", NULL};
	struct scmp_arg_cmp args[6];
	int nargs, distinct;
	uint32_t action;
	cJSON *names = NULL, *it;

	if (!cJSON_IsObject(rule))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_known_keys(rule, path, keys, err) < 0 ||
	    parse_action(rule, "action", path, &action, err) < 0 ||
	    parse_args(rule, path, args, &nargs, &distinct, err) < 0 ||
	    json_array(rule, "names", path, &names, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, names)
	{
		if (!cJSON_IsString(it))
			return sk_fail(err, 0, "%s.names: expected strings", path);
		int nr = seccomp_syscall_resolve_name(it->valuestring);
		if (nr == __NR_SCMP_ERROR || action == def)
			continue;
		int rc = add_rule(ctx, action, nr, args, nargs, distinct);
		if (rc < 0)
			return sk_fail(err, -rc, "%s: add rule for %s", path, it->valuestring);
	}
	return 0;
}

/* Architectures a profile may name for other hosts (libseccomp's names).
 * The node runs x86_64 only and its libseccomp keeps only the x86 family
 * (mk/thirdparty.sh), so these are accepted and skipped: an x86_64 kernel
 * never reports them, so the filter behaves as if they had been added. */
static const char *const foreign_arches[] = {
    "arm",    "aarch64",  "mips", "mipsel", "mips64",  "mipsel64", "mips64n32", "mipsel64n32",
    "parisc", "parisc64", "ppc",  "ppc64",  "ppc64le", "riscv64",  "s390",	"s390x",
};

static int foreign_arch(const char *name)
{
	for (size_t i = 0; i < sizeof foreign_arches / sizeof *foreign_arches; i++)
		if (strcmp(name, foreign_arches[i]) == 0)
			return 1;
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, const cJSON *sc, struct sk_err *err)
{
	cJSON *arr = NULL, *it;
	char name[32];

	if (json_array(sc, "architectures", "linux.seccomp", &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		const char *a = cJSON_IsString(it) ? it->valuestring : "";
		if (strncmp(a, "SCMP_ARCH_", 10) != 0 || strlen(a + 10) >= sizeof name)
			return sk_fail(err, 0, "linux.seccomp.architectures: bad \"%s\"", a);
		size_t i = 0;
		for (; a[10 + i]; i++)
			name[i] = (char)tolower((unsigned char)a[10 + i]);
		name[i] = '\0';
		uint32_t arch = seccomp_arch_resolve_name(name);
		if (!arch && foreign_arch(name))
			continue;
		if (!arch)
			return sk_fail(err, 0, "linux.seccomp.architectures: unknown \"%s\"", a);
		int rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			return sk_fail(err, -rc, "linux.seccomp: add architecture %s", a);
	}
	return 0;
}

static int build_rules(scmp_filter_ctx ctx, uint32_t def, const cJSON *sc, struct sk_err *err)
{
	cJSON *arr = NULL, *it;
	char path[64];
	int i = 0;

	if (add_arches(ctx, sc, err) < 0 ||
	    json_array(sc, "syscalls", "linux.seccomp", &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr)
	{
		json_index(path, sizeof path, "linux.seccomp.syscalls", i++);
		if (parse_syscall(ctx, def, it, path, err) < 0)
			return -1;
	}
	return 0;
}

int seccomp_build(const cJSON *sc, void **out, struct sk_err *err)
{
	static const char *const keys[] = {"defaultAction", "defaultErrnoRet", "architectures",
					   "syscalls",	    "flags",	       NULL};
	uint32_t def;
	cJSON *flags = NULL;

	if (json_known_keys(sc, "linux.seccomp", keys, err) < 0 ||
	    parse_action(sc, "defaultAction", "linux.seccomp", &def, err) < 0 ||
	    json_array(sc, "flags", "linux.seccomp", &flags, err) < 0)
		return -1;
	if (cJSON_GetArraySize(flags) > 0)
		return sk_fail(err, 0, "linux.seccomp.flags: not supported");
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return sk_fail(err, EINVAL, "linux.seccomp: seccomp_init");
	/* no_new_privs comes from process.noNewPrivileges, not from libseccomp. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (build_rules(ctx, def, sc, err) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

int seccomp_filter_load(void *ctx, struct sk_err *err)
{
	int rc = seccomp_load(ctx);
	return rc < 0 ? sk_fail(err, -rc, "load the seccomp filter") : 0;
}

void seccomp_filter_free(void *ctx)
{
	if (ctx)
		seccomp_release(ctx);
}
