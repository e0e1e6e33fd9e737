/* Log shipping (docs/logging.md): a process beside the agent that follows
 * the node's log and the container logs that are to be shipped, and sends
 * each line as an RFC 5424 message in an RFC 6587 octet-counted frame to
 * a syslog collector over TCP or TLS. While a collector is away its
 * messages wait in a bounded queue in memory and go out, oldest first,
 * when it is back; when the queue is full the oldest are dropped and
 * counted, and the count is sent as a message of its own.
 *
 * What is shipped where: the node's log to cluster.syslog.address (when
 * set); a container's log to its logConfiguration's syslog-address (the
 * agent writes syslog.json into the container's log directory when it
 * creates the container), or to cluster.syslog.address with
 * "containers": true. */
#ifndef AGENT_LOGSHIP_H
#define AGENT_LOGSHIP_H

#include <sys/types.h>

#include "agent_config.h"
#include "err.h"
#include "taskdef.h"

#define LOGSHIP_SETTINGS "syslog.json"	 /* in a container's log directory */
#define LOGSHIP_POSITION "container.pos" /* how far the shipper read */

pid_t logship_spawn(const struct agent_config *cfg, struct sk_err *err);

/* Writes (or removes) DIR/syslog.json for container C, whose log
 * directory DIR is; a bad logConfiguration is an error naming it. */
int logship_container_config(const char *dir, const struct td_container *c, struct sk_err *err);

#endif
