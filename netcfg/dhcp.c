/* DHCPv4 through busybox udhcpc: udhcpc speaks the protocol and runs
 * skiff-netcfg as its script; this file applies each event (the lease
 * address with the lease as its kernel lifetime, the default route with
 * the lease address as source so that it goes when the address expires,
 * and the lease's DNS) and forks udhcpc at boot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mkdir_p.h"
#include "internal.h"
#include "scan.h"

extern char **environ;

static const char *const events[] = {"deconfig", "bound", "renew", "leasefail", "nak", NULL};

bool netcfg_is_dhcp_event(const char *word)
{
	for (size_t i = 0; word && events[i]; i++)
		if (!strcmp(word, events[i]))
			return true;
	return false;
}

/* NAME's value in ENVP ("NAME=value" strings), NULL if absent or empty. */
static const char *env(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (!strncmp(*envp, name, n) && (*envp)[n] == '=')
			return (*envp)[n + 1] ? *envp + n + 1 : NULL;
	return NULL;
}

/* The lease's name servers (addresses only) and search domains. */
static void lease_dns_parse(char *const *envp, struct nc_dns *dns)
{
	char buf[512], *save, *w;
	struct netcfg_prefix p;
	const char *search = env(envp, "search") ? env(envp, "search") : env(envp, "domain");

	memset(dns, 0, sizeof *dns);
	snprintf(buf, sizeof buf, "%s", env(envp, "dns") ? env(envp, "dns") : "");
	for (w = strtok_r(buf, " ", &save); w && dns->n_ns < NETCFG_MAX_NS;
	     w = strtok_r(NULL, " ", &save))
		if (netcfg_prefix_parse(w, false, &p) == 0 && !strchr(w, '/'))
			snprintf(dns->ns[dns->n_ns++], sizeof dns->ns[0], "%s", w);
	snprintf(buf, sizeof buf, "%s", search ? search : "");
	for (w = strtok_r(buf, " ", &save); w && dns->n_search < NETCFG_MAX_SEARCH;
	     w = strtok_r(NULL, " ", &save))
		if (strlen(w) < sizeof dns->search[0])
			snprintf(dns->search[dns->n_search++], sizeof dns->search[0], "%s", w);
}

/* DNS is NULL to drop the interface's lease DNS. */
static int lease_dns(const struct netcfg_opts *opts, const char *ifname, const struct nc_dns *dns,
		     struct sk_err *err)
{
	char source[48];

	snprintf(source, sizeof source, "1-dhcp-%s", ifname);
	return nc_dns_set(opts, source, dns, err);
}

static int deconfig(struct nc_sock *s, int idx, const char *ifname, const struct netcfg_opts *opts,
		    struct sk_err *err)
{
	if (nc_addr_flush_leases(s, idx, NULL, err) < 0 ||
	    nc_route_flush_proto(s, idx, NC_RTPROT_DHCP, err) < 0 ||
	    lease_dns(opts, ifname, NULL, err) < 0 || nc_link_set(s, idx, 0, true, err) < 0)
		return -1;
	nc_log(opts, "%s: lease removed", ifname);
	return 0;
}

int nc_lease_parse(char *const *envp, struct nc_lease *l, struct sk_err *err)
{
	const char *ip = env(envp, "ip"), *mask = env(envp, "mask"), *secs = env(envp, "lease");
	const char *routers = env(envp, "router");
	char cidr[64], *end, router[64] = "";

	memset(l, 0, sizeof *l);
	snprintf(cidr, sizeof cidr, "%s/%s", ip ? ip : "", mask ? mask : "32");
	if (!ip || netcfg_prefix_parse(cidr, true, &l->addr) < 0 || l->addr.family != AF_INET)
		return sk_fail(err, 0, "lease: malformed ip=\"%s\" mask=\"%s\"", ip ? ip : "",
			       mask ? mask : "");
	l->seconds = secs ? strtoul(secs, &end, 10) : 0;
	if (secs && (*end || l->seconds > 0x7fffffffUL))
		return sk_fail(err, 0, "lease: malformed lease=\"%s\"", secs);
	if (routers) /* udhcpc lists every router; the first is the gateway */
		sk_scan_word(&routers, router, sizeof router);
	if (*router &&
	    (netcfg_prefix_parse(router, false, &l->gw.via) < 0 || l->gw.via.family != AF_INET))
		return sk_fail(err, 0, "lease: malformed router=\"%s\"", router);
	l->gw.to.family = AF_INET;
	l->mtu = env(envp, "mtu") ? atoi(env(envp, "mtu")) : 0;
	if (l->mtu && (l->mtu < 576 || l->mtu > 65535))
		l->mtu = 0; /* ignore a nonsensical server value */
	lease_dns_parse(envp, &l->dns);
	return 0;
}

static int bound(struct nc_sock *s, int idx, const char *ifname, const char *event,
		 const struct netcfg_opts *opts, struct sk_err *err)
{
	struct nc_lease l;
	char a[64];

	if (nc_lease_parse(environ, &l, err) < 0)
		return -1;
	if (l.mtu && nc_link_set(s, idx, l.mtu, false, err) < 0)
		return -1;
	if (nc_addr_flush_leases(s, idx, &l.addr, err) < 0 ||
	    nc_addr_add(s, idx, &l.addr, (uint32_t)l.seconds, err) < 0)
		return -1;
	if (l.gw.via.family && nc_route_add(s, idx, &l.gw, NC_RTPROT_DHCP, &l.addr, err) < 0)
		return -1;
	if (lease_dns(opts, ifname, &l.dns, err) < 0)
		return -1;
	netcfg_prefix_format(&l.addr, true, a, sizeof a);
	nc_log(opts, "%s: %s lease %s for %lu s, router %s, dns %s", ifname, event, a, l.seconds,
	       env(environ, "router") ? env(environ, "router") : "none",
	       env(environ, "dns") ? env(environ, "dns") : "none");
	return 0;
}

int netcfg_dhcp_event(const char *event, const struct netcfg_opts *opts, struct sk_err *err)
{
	const char *ifname = env(environ, "interface");
	struct nc_sock s;
	int idx, r = 0;

	if (!netcfg_is_dhcp_event(event))
		return sk_fail(err, 0, "unknown DHCP event \"%s\"", event ? event : "");
	if (!ifname || strlen(ifname) >= 16)
		return sk_fail(err, 0, "%s: no interface= in the environment", event);
	if (!strcmp(event, "leasefail") || !strcmp(event, "nak")) {
		nc_log(opts, "%s: DHCP %s", ifname, event);
		return 0;
	}
	if (nc_sock_open(&s, NETLINK_ROUTE, err) < 0)
		return -1;
	if ((idx = nc_link_index(&s, ifname, err)) < 0)
		r = -1;
	else if (!strcmp(event, "deconfig"))
		r = deconfig(&s, idx, ifname, opts, err);
	else
		r = bound(&s, idx, ifname, event, opts, err);
	nc_sock_close(&s);
	return r < 0 ? sk_wrap(err, "dhcp %s %s", event, ifname) : 0;
}

static int find_udhcpc(const struct netcfg_opts *opts, struct netcfg_dhcp_cmd *c,
		       struct sk_err *err)
{
	static const char *const paths[] = {"/sbin/udhcpc",    "/bin/udhcpc",  "/usr/sbin/udhcpc",
					    "/usr/bin/udhcpc", "/bin/busybox", NULL};
	const char *want = opts->udhcpc ? opts->udhcpc : env(environ, "SKIFF_NETCFG_UDHCPC");

	for (size_t i = 0; !want && paths[i]; i++)
		if (access(paths[i], X_OK) == 0)
			want = paths[i];
	if (!want)
		return sk_fail(err, 0, "no udhcpc (the image needs busybox with udhcpc for DHCP)");
	snprintf(c->bin, sizeof c->bin, "%s", want);
	return 0;
}

static void find_script(const struct netcfg_opts *opts, struct netcfg_dhcp_cmd *c)
{
	ssize_t n;

	if (opts->dhcp_script) {
		snprintf(c->script, sizeof c->script, "%s", opts->dhcp_script);
		return;
	}
	/* udhcpc runs the script by its path, so it must be netcfg's link
	 * (the multi-call binary picks its role by name): the one beside this
	 * executable when there is one (a build tree), else the image's. */
	char self[sizeof c->script];
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = '\0';
	const char *slash = strrchr(self, '/');
	int len = slash ? (int)(slash - self) : 0;
	if (!slash ||
	    snprintf(c->script, sizeof c->script, "%.*s/skiff-netcfg", len, self) >=
		(int)sizeof c->script ||
	    access(c->script, X_OK) < 0)
		snprintf(c->script, sizeof c->script, "/usr/bin/skiff-netcfg");
}

int netcfg_dhcp_cmd(const char *ifname, bool foreground, const struct netcfg_opts *opts,
		    struct netcfg_dhcp_cmd *c, struct sk_err *err)
{
	size_t n = 0;
	const char *base;

	memset(c, 0, sizeof *c);
	if (find_udhcpc(opts, c, err) < 0)
		return -1;
	find_script(opts, c);
	snprintf(c->ifname, sizeof c->ifname, "%s", ifname);
	snprintf(c->pidfile, sizeof c->pidfile, "%s/udhcpc.%s.pid", nc_state_dir(opts), ifname);
	base = strrchr(c->bin, '/') ? strrchr(c->bin, '/') + 1 : c->bin;
	c->argv[n++] = c->bin;
	if (!strcmp(base, "busybox"))
		c->argv[n++] = "udhcpc";
	const char *rest[] = {"-i",
			      c->ifname,
			      "-s",
			      c->script,
			      "-p",
			      c->pidfile,
			      "-t",
			      "5",
			      "-T",
			      "2",
			      "-A",
			      "5",
			      "-O",
			      "mtu",
			      "-O",
			      "search",
			      foreground ? "-f" : "-b",
			      NULL};
	for (size_t i = 0; rest[i]; i++)
		c->argv[n++] = rest[i];
	c->argv[n] = NULL;
	return 0;
}

/* Waits for udhcpc's first process: it exits once the daemon it forks has
 * a lease (or has given up for now and keeps trying in the background). */
int nc_dhcp_start(const char *ifname, const struct netcfg_opts *opts, struct sk_err *err)
{
	struct netcfg_dhcp_cmd c;
	int status;
	pid_t pid;

	if (netcfg_dhcp_cmd(ifname, false, opts, &c, err) < 0 ||
	    sk_mkdir_p(nc_state_dir(opts), 0755, err) < 0)
		return -1;
	if ((pid = fork()) < 0)
		return sk_fail(err, errno, "fork");
	if (pid == 0) {
		if (opts->resolv_path)
			setenv("SKIFF_NETCFG_RESOLV", opts->resolv_path, 1);
		if (opts->state_dir)
			setenv("SKIFF_NETCFG_STATE", opts->state_dir, 1);
		execv(c.bin, (char *const *)c.argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return sk_fail(err, errno, "wait for udhcpc");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sk_fail(err, 0, "%s exited with status %d", c.bin,
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
