/* modules.dep / modules.builtin parsing and dependency resolution.
 * depmod lists every module's full (transitive) dependency set, so
 * resolving a module means resolving each of its dependencies first;
 * the recursion stops on anything already placed and is depth-bounded
 * against a corrupt file with a cycle. */
#include "moddep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "file.h"

#define NAME_MAX_LEN 64
#define MAX_DEPTH    32
/* modules.dep of a full distribution kernel is well under 1 MiB. */
#define MODDEP_FILE_MAX (64 << 20)

struct module {
	const char *path;
	char name[NAME_MAX_LEN];
	const char **deps;
	size_t ndeps;
};

struct moddep {
	char *dep_text;
	char *builtin_text;
	struct module *mods;
	size_t nmods;
	const char **dep_slots;
	char (*builtin)[NAME_MAX_LEN];
	size_t nbuiltin;
};

void moddep_name(const char *path, char *out, size_t cap)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[n] = '\0';
}

static int name_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return 0;
	return *a == *b;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* Splits S at white space in place into words; returns the count. */
static size_t split_words(char *s, const char **words, size_t cap)
{
	size_t n = 0;
	char *save = NULL;
	for (char *w = strtok_r(s, " \t", &save); w && n < cap; w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	return n;
}

static int parse_dep(struct moddep *md, struct sk_err *err)
{
	size_t lines = count_char(md->dep_text, '\n') + 1;
	size_t words = count_char(md->dep_text, ' ') + lines;
	char *line, *save = NULL;
	size_t lineno = 0;

	md->mods = calloc(lines, sizeof *md->mods);
	md->dep_slots = calloc(words, sizeof *md->dep_slots);
	if (!md->mods || !md->dep_slots)
		return sk_fail(err, ENOMEM, "modules.dep");
	const char **slot = md->dep_slots;
	for (line = strtok_r(md->dep_text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		lineno++;
		if (!colon)
			return sk_fail(err, 0, "modules.dep:%zu: expected \"path: deps\"", lineno);
		*colon = '\0';
		struct module *m = &md->mods[md->nmods++];
		m->path = line;
		moddep_name(line, m->name, sizeof m->name);
		m->deps = slot;
		m->ndeps = split_words(colon + 1, slot, words - (size_t)(slot - md->dep_slots));
		slot += m->ndeps;
	}
	return 0;
}

static int parse_builtin(struct moddep *md, struct sk_err *err)
{
	size_t lines = count_char(md->builtin_text, '\n') + 1;
	char *line, *save = NULL;

	md->builtin = calloc(lines, sizeof *md->builtin);
	if (!md->builtin)
		return sk_fail(err, ENOMEM, "modules.builtin");
	for (line = strtok_r(md->builtin_text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		moddep_name(line, md->builtin[md->nbuiltin++], NAME_MAX_LEN);
	return 0;
}

static int parse_owned(struct moddep *md, struct moddep **out, struct sk_err *err)
{
	if (parse_dep(md, err) < 0 || (md->builtin_text && parse_builtin(md, err) < 0)) {
		moddep_free(md);
		return -1;
	}
	*out = md;
	return 0;
}

int moddep_parse(const char *dep_text, const char *builtin_text, struct moddep **out,
		 struct sk_err *err)
{
	struct moddep *md = calloc(1, sizeof *md);

	if (!md)
		return sk_fail(err, ENOMEM, "modules.dep");
	md->dep_text = strdup(dep_text);
	md->builtin_text = builtin_text ? strdup(builtin_text) : NULL;
	if (!md->dep_text || (builtin_text && !md->builtin_text)) {
		moddep_free(md);
		return sk_fail(err, ENOMEM, "modules.dep");
	}
	return parse_owned(md, out, err);
}

/* Reads a whole file; a missing optional file gives NULL and success. */
static int read_file(const char *path, int optional, char **out, struct sk_err *err)
{
	*out = NULL;
	if (sk_read_file(path, MODDEP_FILE_MAX, out, NULL, err) == 0)
		return 0;
	return optional && err && err->errnum == ENOENT ? 0 : -1;
}

int moddep_load(const char *dir, struct moddep **out, struct sk_err *err)
{
	char path[4096];
	struct moddep *md = calloc(1, sizeof *md);

	if (!md)
		return sk_fail(err, ENOMEM, "modules.dep");
	snprintf(path, sizeof path, "%s/modules.dep", dir);
	if (read_file(path, 0, &md->dep_text, err) < 0) {
		moddep_free(md);
		return -1;
	}
	snprintf(path, sizeof path, "%s/modules.builtin", dir);
	if (read_file(path, 1, &md->builtin_text, err) < 0) {
		moddep_free(md);
		return -1;
	}
	return parse_owned(md, out, err);
}

void moddep_free(struct moddep *md)
{
	if (!md)
		return;
	free(md->dep_text);
	free(md->builtin_text);
	free(md->mods);
	free(md->dep_slots);
	free(md->builtin);
	free(md);
}

int moddep_is_builtin(const struct moddep *md, const char *name)
{
	for (size_t i = 0; i < md->nbuiltin; i++)
		if (name_equal(md->builtin[i], name))
			return 1;
	return 0;
}

static const struct module *find_by_name(const struct moddep *md, const char *name)
{
	for (size_t i = 0; i < md->nmods; i++)
		if (name_equal(md->mods[i].name, name))
			return &md->mods[i];
	return NULL;
}

static const struct module *find_by_path(const struct moddep *md, const char *path)
{
	for (size_t i = 0; i < md->nmods; i++)
		if (strcmp(md->mods[i].path, path) == 0)
			return &md->mods[i];
	return NULL;
}

static int placed(const char **paths, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(paths[i], path) == 0)
			return 1;
	return 0;
}

static int resolve(const struct moddep *md, const struct module *m, const char **paths, size_t *n,
		   size_t cap, int depth, struct sk_err *err)
{
	if (placed(paths, *n, m->path))
		return 0;
	if (depth > MAX_DEPTH)
		return sk_fail(err, 0, "module \"%s\": dependency cycle in modules.dep", m->name);
	/* depmod orders a dependency list so that the last entry loads first. */
	for (size_t i = m->ndeps; i-- > 0;) {
		const struct module *d = find_by_path(md, m->deps[i]);
		if (!d)
			return sk_fail(err, 0, "module \"%s\": dependency %s not in modules.dep",
				       m->name, m->deps[i]);
		if (resolve(md, d, paths, n, cap, depth + 1, err) < 0)
			return -1;
	}
	if (*n >= cap)
		return sk_fail(err, 0, "module \"%s\": too many modules (at most %zu)", m->name,
			       cap);
	paths[(*n)++] = m->path;
	return 0;
}

int moddep_resolve(const struct moddep *md, const char *name, const char **paths, size_t *n,
		   size_t cap, struct sk_err *err)
{
	const struct module *m = find_by_name(md, name);

	if (!m) {
		if (moddep_is_builtin(md, name))
			return 0;
		return sk_fail(err, 0, "no module \"%s\"", name);
	}
	return resolve(md, m, paths, n, cap, 0, err);
}
