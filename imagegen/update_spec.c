/* "version:" and "update:" in the spec (see update_spec.h). Key files are
 * read by the build (imagegen/update_key.c), which names these lines. */
#include "update_spec.h"

#include <stdlib.h>
#include <string.h>

int update_version_parse(struct yw *y, yaml_node_t *n, const char *path, char **target)
{
	char *v = NULL;
	size_t len;

	if (yw_string(y, n, path, &v) < 0)
		return -1;
	free(*target);
	*target = v;
	len = strlen(v);
	if (len == 0 || len > SPEC_MAX_VERSION ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+~-") != len)
		return yw_fail(y, n, path,
			       "invalid version \"%s\" (1 to %d of A-Z a-z 0-9 . _ + ~ -)", v,
			       SPEC_MAX_VERSION);
	return 0;
}

static int parse_key_path(struct yw *y, yaml_node_t *n, const char *path, char **out, int *line)
{
	if (yw_string(y, n, path, out) < 0)
		return -1;
	*line = yw_line(n);
	if (!**out)
		return yw_fail(y, n, path, "must not be empty");
	return 0;
}

static int parse_signing_key(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct update_spec *u = target;
	return parse_key_path(y, n, path, &u->signing_key, &u->signing_key_line);
}

static int parse_public_key(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct update_spec *u = target;
	return parse_key_path(y, n, path, &u->public_key, &u->public_key_line);
}

static int parse_health_timeout(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct update_spec *u = target;

	if (yw_uint(y, n, path, UPDATE_MAX_HEALTH_TIMEOUT, &u->health_timeout_s) < 0)
		return -1;
	if (u->health_timeout_s < UPDATE_MIN_HEALTH_TIMEOUT)
		return yw_fail(y, n, path, "at least %d s (a boot and the agent's registration)",
			       UPDATE_MIN_HEALTH_TIMEOUT);
	return 0;
}

static const struct yw_field update_fields[] = {
    {"signing_key", parse_signing_key},
    {"public_key", parse_public_key},
    {"health_timeout_s", parse_health_timeout},
};

int update_spec_parse(struct yw *y, yaml_node_t *n, const char *path, void *target)
{
	struct update_spec *u = target;

	update_spec_free(u);
	u->enabled = 1, u->line = yw_line(n);
	u->health_timeout_s = UPDATE_DEFAULT_HEALTH_TIMEOUT;
	if (yw_mapping(y, n, path, update_fields, sizeof update_fields / sizeof *update_fields, u) <
	    0)
		return -1;
	/* Without a key the node would refuse every update: say so now. */
	if (!u->signing_key && !u->public_key)
		return yw_fail(y, n, path,
			       "expected signing_key (to sign updates) or public_key (to accept "
			       "them)");
	return 0;
}

void update_spec_free(struct update_spec *u)
{
	free(u->signing_key);
	free(u->public_key);
	memset(u, 0, sizeof *u);
}
