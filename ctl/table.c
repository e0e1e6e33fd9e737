/* Aligned text tables for human-readable output. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct table {
	size_t ncols, nrows, cap;
	char **cells; /* row-major, header row first */
};

struct table *table_new(size_t ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->cells = calloc(ncols * 8, sizeof *t->cells);
	t->cap = 8;
	for (size_t i = 0; i < ncols; i++)
		t->cells[i] = strdup(headers[i]);
	t->nrows = 1;
	return t;
}

void table_row(struct table *t, ...)
{
	va_list ap;
	if (!t)
		return;
	if (t->nrows == t->cap) {
		char **c = realloc(t->cells, t->cap * 2 * t->ncols * sizeof *c);
		if (!c)
			return;
		t->cells = c;
		t->cap *= 2;
	}
	va_start(ap, t);
	for (size_t i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] = strdup(s && *s ? s : "-");
	}
	va_end(ap);
	t->nrows++;
}

void table_print(struct table *t, FILE *f)
{
	size_t w[16] = {0};
	if (!t || t->ncols > 16)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			if (s && strlen(s) > w[i])
				w[i] = strlen(s);
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++) {
			const char *s = t->cells[r * t->ncols + i];
			if (i + 1 == t->ncols)
				fprintf(f, "%s\n", s ? s : "");
			else
				fprintf(f, "%-*s  ", (int)w[i], s ? s : "");
		}
	}
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
