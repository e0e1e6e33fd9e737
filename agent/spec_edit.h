/* What the agent changes in a bundle's config.json after the image library
 * wrote it: annotations naming the task and container, the network
 * namespace to join, the container's resolv.conf, memory and CPU limits. */
#ifndef AGENT_SPEC_EDIT_H
#define AGENT_SPEC_EDIT_H

#include <limits.h>

#include "err.h"

struct spec_edit {
	const char *task, *container;
	int host_network;	/* drop the network namespace */
	const char *netns_path; /* join this one (NULL: leave as is) */
	char netns_buf[PATH_MAX];
	char resolv_path[256]; /* bind-mounted at /etc/resolv.conf when set */
	int memory_mib;	       /* 0: no limit */
	int cpu;	       /* CPU units as cpu.shares, 0: none */
};

/* Edits BUNDLE/config.json in place (atomically). */
int spec_edit_apply(const char *bundle, const struct spec_edit *ed, struct sk_err *err);
/* The same on a parsed config (for tests). */
int spec_edit_json(void *config_json, const struct spec_edit *ed, struct sk_err *err);

#endif
