/* What a task-definition parse found: errors, warnings and notes, each
 * with its key path (and its line in the source text when there is one),
 * printed all at once. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_locate.h"
#include "taskdef_internal.h"

#define REPORT_MAX 200 /* past this, one more message says how many were left out */

void td_path_key(char out[TD_PATH_MAX], const char *path, const char *key)
{
	int plain = *key != '\0';

	for (const char *p = key; *p; p++)
		plain &= isalnum((unsigned char)*p) || *p == '_' || *p == '-';
	if (plain)
		snprintf(out, TD_PATH_MAX, "%s%s%s", path, *path ? "." : "", key);
	else /* map keys such as dockerLabels["com.example.x"] */
		snprintf(out, TD_PATH_MAX, "%s[\"%.200s\"]", path, key);
}

void td_path_index(char out[TD_PATH_MAX], const char *path, size_t i)
{
	snprintf(out, TD_PATH_MAX, "%s[%zu]", path, i);
}

static struct td_msg *add(struct td_walk *w, enum td_level level, const char *path, const char *fmt,
			  va_list ap)
{
	struct td_report *r = w->rep;
	char text[600];

	if (!r)
		return NULL;
	if (r->n >= REPORT_MAX) {
		r->dropped++;
		r->errors += level == TD_ERROR;
		return NULL;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct td_msg *m = realloc(r->msgs, cap * sizeof *m);
		if (!m)
			return NULL;
		r->msgs = m;
		r->cap = cap;
	}
	vsnprintf(text, sizeof text, fmt, ap);
	struct td_msg *m = &r->msgs[r->n];
	*m = (struct td_msg){.level = level, .path = strdup(path), .text = strdup(text)};
	if (!m->path || !m->text) {
		free(m->path);
		free(m->text);
		return NULL;
	}
	m->line = w->text ? json_line_of(w->text, path) : 0;
	r->n++;
	r->errors += level == TD_ERROR;
	r->warnings += level == TD_WARNING;
	return m;
}

void td_report_add(struct td_report *rep, const char *text, enum td_level level, const char *path,
		   const char *fmt, ...)
{
	struct td_walk w = {.rep = rep, .text = text};
	va_list ap;

	va_start(ap, fmt);
	add(&w, level, path, fmt, ap);
	va_end(ap);
}

void td_error(struct td_walk *w, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add(w, TD_ERROR, path, fmt, ap);
	va_end(ap);
}

void td_warning(struct td_walk *w, const char *path, const char *fmt, ...)
{
	va_list ap;
	if (w->quiet)
		return;
	va_start(ap, fmt);
	add(w, TD_WARNING, path, fmt, ap);
	va_end(ap);
}

void td_note(struct td_walk *w, const char *path, const char *fmt, ...)
{
	va_list ap;
	if (w->quiet)
		return;
	va_start(ap, fmt);
	add(w, TD_NOTE, path, fmt, ap);
	va_end(ap);
}

static struct td_msg *warn_once(struct td_walk *w, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct td_msg *m = add(w, TD_WARNING, path, fmt, ap);
	va_end(ap);
	return m;
}

/* Console exports repeat Service Connect fields on every port: one
 * warning per field, "(and N more)". The message is remembered by its
 * index: a later message may move the array (realloc). */
void td_warn_field(struct td_walk *w, const struct td_field *f, const char *path)
{
	if (w->quiet)
		return;
	for (size_t i = 0; i < w->n_warned; i++)
		if (w->warned[i] == f) {
			if (w->warned_msg[i] >= 0)
				w->rep->msgs[w->warned_msg[i]].more++;
			return;
		}
	struct td_msg *m = warn_once(w, path, "accepted and ignored: %s", f->note);
	if (w->n_warned < sizeof w->warned / sizeof w->warned[0]) {
		w->warned[w->n_warned] = f;
		w->warned_msg[w->n_warned++] = m ? (long)(m - w->rep->msgs) : -1;
	}
}

void td_report_free(struct td_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->msgs[i].path);
		free(rep->msgs[i].text);
	}
	free(rep->msgs);
	memset(rep, 0, sizeof *rep);
}

static void print_line(const struct td_report *rep, FILE *f, const char *source,
		       enum td_level level, int line, const char *tag)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct td_msg *m = &rep->msgs[i];
		if (m->level != level || m->line != line)
			continue;
		fprintf(f, "%s", source);
		if (m->line)
			fprintf(f, ":%d", m->line);
		fprintf(f, ": %s%s%s%s", tag, m->path, *m->path ? ": " : "", m->text);
		if (m->more)
			fprintf(f, " (and %u more like it)", m->more);
		fputc('\n', f);
	}
}

/* In the order of the source's lines (stable: same line, order found). */
static void print_level(const struct td_report *rep, FILE *f, const char *source,
			enum td_level level)
{
	static const char *const tag[] = {"", "warning: ", "note: "};
	int line = -1;

	for (;;) {
		int next = INT32_MAX;
		for (size_t i = 0; i < rep->n; i++)
			if (rep->msgs[i].level == level && rep->msgs[i].line > line &&
			    rep->msgs[i].line < next)
				next = rep->msgs[i].line;
		if (next == INT32_MAX)
			break;
		line = next;
		print_line(rep, f, source, level, line, tag[level]);
	}
}

void td_report_print(const struct td_report *rep, FILE *f, const char *source)
{
	print_level(rep, f, source, TD_ERROR);
	print_level(rep, f, source, TD_WARNING);
	print_level(rep, f, source, TD_NOTE);
	if (rep->dropped)
		fprintf(f, "%s: %zu more problems not shown\n", source, rep->dropped);
}
