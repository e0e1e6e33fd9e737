/* The kernel an image is built for (see kernel.h). */
#define _GNU_SOURCE
#include "kernel.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "moddep.h"
#include "file.h"

#define MODULES_DEP_MAX (64 << 20)

static const char image_prefix[] = "vmlinuz-";

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int usable(const char *modules, const char *version)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s/modules.dep", modules, version);
	return fs_exists(path);
}

static int find_default(const struct kernel_place *p, char *out, size_t cap, struct sk_err *err)
{
	DIR *d = opendir(p->boot);
	struct dirent *e;

	out[0] = '\0';
	while (d && (e = readdir(d))) {
		const char *version = e->d_name + strlen(image_prefix);
		if (strncmp(e->d_name, image_prefix, strlen(image_prefix)) != 0 ||
		    !has_suffix(e->d_name, p->suffix) || strlen(version) >= cap ||
		    !usable(p->modules, version))
			continue;
		if (!out[0] || strverscmp(version, out) > 0)
			snprintf(out, cap, "%s", version);
	}
	if (d)
		closedir(d);
	if (!out[0])
		return sk_fail(err, 0,
			       "no kernel found (%s/vmlinuz-*%s with %s/VERSION/modules.dep); %s",
			       p->boot, p->suffix, p->modules, p->hint);
	return 0;
}

int kernel_open(const struct kernel_place *place, const char *version, struct kernel *k,
		struct sk_err *err)
{
	memset(k, 0, sizeof *k);
	if (!version && find_default(place, k->version, sizeof k->version, err) < 0)
		return -1;
	if (version)
		snprintf(k->version, sizeof k->version, "%s", version);
	snprintf(k->image, sizeof k->image, "%s/vmlinuz-%s", place->boot, k->version);
	snprintf(k->modules, sizeof k->modules, "%s/%s", place->modules, k->version);
	if (!fs_exists(k->image))
		return sk_fail(err, 0, "kernel %s is not installed (no %s)", k->version, k->image);
	if (!fs_is_dir(k->modules))
		return sk_fail(err, 0, "kernel %s has no modules (no %s)", k->version, k->modules);
	char dep[PATH_MAX + 16];
	snprintf(dep, sizeof dep, "%s/modules.dep", k->modules);
	if (sk_read_file(dep, MODULES_DEP_MAX, &k->dep_text, &k->dep_len, err) < 0 ||
	    moddep_load(k->modules, &k->md, err) < 0) {
		kernel_close(k);
		return -1;
	}
	return 0;
}

void kernel_close(struct kernel *k)
{
	moddep_free(k->md);
	free(k->dep_text);
	k->md = NULL;
	k->dep_text = NULL;
	k->n_paths = 0;
}

int kernel_add_module(struct kernel *k, const char *name, struct sk_err *err)
{
	char why[sizeof err->msg];

	if (moddep_resolve(k->md, name, k->paths, &k->n_paths, KERNEL_MAX_MODULES, err) == 0)
		return 0;
	snprintf(why, sizeof why, "%s", err->msg);
	return sk_fail(err, 0, "%s in %s", why, k->version);
}

int kernel_has_module(const struct kernel *k, const char *name)
{
	const char *paths[KERNEL_MAX_MODULES];
	size_t n = 0;
	struct sk_err ignored;

	return moddep_resolve(k->md, name, paths, &n, KERNEL_MAX_MODULES, &ignored) == 0 && n > 0;
}

/* The line of modules.dep that describes PATH, without its newline. */
static const char *dep_line(const struct kernel *k, const char *path, size_t *len)
{
	size_t plen = strlen(path);

	for (const char *line = k->dep_text; *line;) {
		size_t n = strcspn(line, "\n");
		if (n > plen && strncmp(line, path, plen) == 0 && line[plen] == ':') {
			*len = n;
			return line;
		}
		line += n + (line[n] == '\n');
	}
	return NULL;
}

struct span {
	const char *s;
	size_t n;
};

static int compare_spans(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

int kernel_packed_moddep(const struct kernel *k, char **out, size_t *len, struct sk_err *err)
{
	SK_AUTOFREE struct span *lines = calloc(k->n_paths + 1, sizeof *lines);
	char *text = NULL;
	size_t used = 0, n = 0;
	FILE *f;

	if (!lines)
		return sk_fail(err, ENOMEM, "modules.dep");
	for (size_t i = 0; i < k->n_paths; i++)
		if ((lines[n].s = dep_line(k, k->paths[i], &lines[n].n)))
			n++;
	qsort(lines, n, sizeof *lines, compare_spans);
	if (!(f = open_memstream(&text, &used)))
		return sk_fail(err, errno, "modules.dep");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%.*s\n", (int)lines[i].n, lines[i].s);
	if (fclose(f) != 0) {
		free(text);
		return sk_fail(err, ENOMEM, "modules.dep");
	}
	*out = text;
	*len = used;
	return 0;
}
