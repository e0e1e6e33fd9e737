/* The spec's top-level "version:" and its optional "update:" section
 * (docs/spec.md, docs/disk.md "Updates"). */
#ifndef SK_IMAGEGEN_UPDATE_SPEC_H
#define SK_IMAGEGEN_UPDATE_SPEC_H

#include <yaml.h>

#include "yaml_walk.h"

#define SPEC_DEFAULT_VERSION	      "0"
#define SPEC_MAX_VERSION	      32
#define UPDATE_DEFAULT_HEALTH_TIMEOUT 300
#define UPDATE_MAX_HEALTH_TIMEOUT     86400
#define UPDATE_MIN_HEALTH_TIMEOUT     10

struct update_spec {
	int enabled; /* the section is present */
	int line;
	char *signing_key; /* PEM EC P-256 private key: write the update artifact */
	int signing_key_line;
	char *public_key; /* PEM SubjectPublicKeyInfo, when only that is given */
	int public_key_line;
	unsigned health_timeout_s; /* the new version's bound to report healthy */
};

/* Parses "version:" into *TARGET (a char *): what systemd-boot and the
 * node compare (strverscmp order), so only characters both handle alike. */
int update_version_parse(struct yw *y, yaml_node_t *n, const char *path, char **target);
/* Parses the "update" mapping into TARGET (a struct update_spec). */
int update_spec_parse(struct yw *y, yaml_node_t *n, const char *path, void *target);
void update_spec_free(struct update_spec *u);

#endif
