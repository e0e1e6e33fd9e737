/* Node network at boot through the netcfg library: whatever part of the
 * configuration works is applied, and each problem is logged by key; a
 * broken network is a warning, not a reason to power the node off. */
#include "network.h"

#include <fcntl.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "netcfg/netcfg.h"

#define CONFIG_PATH "/etc/skiff/node.json"

static void net_log(void *ctx, const char *msg)
{
	logmsg("network: %s", msg);
}

static void net_report(void *ctx, const char *msg)
{
	logwarn("network: %s", msg);
}

/* The raw command line: netcfg parses ip= and skiff.net.* itself. */
static const char *read_cmdline(char *buf, size_t len)
{
	return sk_read_small("/proc/cmdline", buf, len) < 0 ? NULL : buf;
}

void network_up(void)
{
	static char cmdline[4096];
	struct netcfg_opts opts = {
	    .log = net_log,
	    .report = net_report,
	};
	struct sk_err err = {0};

	if (netcfg_node_up(CONFIG_PATH, read_cmdline(cmdline, sizeof cmdline), &opts, &err) < 0)
		logwarn("network: %s", err.msg);
	else
		logmsg("network up");
}
