/* The roles of the node binary `skiff` (node/main.c picks one by the name
 * it was run as): each part's main.c defines its role's entry point. */
#ifndef SK_NODE_ROLES_H
#define SK_NODE_ROLES_H

int init_main(int argc, char **argv);	 /* init/main.c: PID 1 */
int agent_main(int argc, char **argv);	 /* agent/main.c: the cluster agent */
int runtime_main(int argc, char **argv); /* runtime/main.c: the OCI runtime */
int netcfg_main(int argc, char **argv);	 /* netcfg/main.c: the node network */
/* agent/container_init.c: PID 1 inside a container with
 * initProcessEnabled (the agent bind-mounts the binary there as
 * skiff-init-process): runs argv[1..] (after an optional "--") and exits
 * as it does. */
int container_init_main(int argc, char **argv);

#endif
