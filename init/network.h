/* The node's network (links, addresses, routes, DNS, DHCP) at boot. */
#ifndef SK_INIT_NETWORK_H
#define SK_INIT_NETWORK_H

/* Applies node.json's "network" and ip=/skiff.net.* from the command line;
 * problems are logged, never fatal. */
void network_up(void);

#endif
