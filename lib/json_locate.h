/* Line numbers for key paths in JSON text, so that messages about a value
 * can say where it is (cJSON keeps no positions). */
#ifndef SK_JSON_LOCATE_H
#define SK_JSON_LOCATE_H

/* The 1-based line of the value at PATH ("a.b[2].c", map keys as
 * a["x.y"]) in TEXT, which must be valid JSON; for a path that is not
 * there, the line of the deepest part that is. 0 if TEXT is NULL. */
int json_line_of(const char *text, const char *path);

#endif
