/* Facts about the machine for the node record. */
#include "nodeinfo.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "clock.h"

int nodeinfo_boot_id(char *buf, size_t size, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;

	if (sk_read_file("/proc/sys/kernel/random/boot_id", 128, &text, NULL, err) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, size, "%s", text);
	return 0;
}

/* A /proc/meminfo field ("MemTotal:") in MiB, or -1. */
static long meminfo_mib(const char *text, const char *field)
{
	const char *p = strstr(text, field);

	return p ? strtol(p + strlen(field), NULL, 10) / 1024 : -1;
}

int nodeinfo_mem_total_mib(long *out, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL;

	if (sk_read_file("/proc/meminfo", 64 * 1024, &text, NULL, err) < 0)
		return -1;
	if ((*out = meminfo_mib(text, "MemTotal:")) < 0)
		return sk_fail(err, 0, "/proc/meminfo: no MemTotal");
	return 0;
}

/* What the node itself uses, measured: MemTotal less MemAvailable, less
 * what the tasks' cgroups hold (an agent restarting finds its tasks
 * running), plus room for what tasks cost outside their cgroups (image
 * layers on the node's file system, veths, the runtime's processes). */
static int measure_reservation(long *out, struct sk_err *err)
{
	SK_AUTOFREE char *text = NULL, *tasks = NULL;
	long total, avail, in_tasks = 0;
	struct sk_err ignored;

	if (sk_read_file("/proc/meminfo", 64 * 1024, &text, NULL, err) < 0)
		return -1;
	total = meminfo_mib(text, "MemTotal:");
	avail = meminfo_mib(text, "MemAvailable:");
	if (total < 0 || avail < 0)
		return sk_fail(err, 0, "/proc/meminfo: no MemTotal or MemAvailable");
	if (sk_read_file("/sys/fs/cgroup/skiff/memory.current", 64, &tasks, NULL, &ignored) == 0)
		in_tasks = strtol(tasks, NULL, 10) >> 20;
	*out = total - avail - in_tasks + RESERVE_HEADROOM_MIB;
	if (*out < RESERVE_HEADROOM_MIB)
		*out = RESERVE_HEADROOM_MIB;
	return 0;
}

/* Global IPv4 and IPv6 addresses of up, non-loopback interfaces, except
 * the container bridge's. */
static void add_addresses(cJSON *arr)
{
	struct ifaddrs *ifa = NULL, *i;
	char buf[INET6_ADDRSTRLEN];

	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		const void *a;
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		if (!strncmp(i->ifa_name, "skiff", 5) || !strncmp(i->ifa_name, "veth", 4))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6 &&
			 !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(i->ifa_addr->sa_family, a, buf, sizeof buf))
			cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
	}
	freeifaddrs(ifa);
}

void nodeinfo_addresses(char *buf, size_t size)
{
	cJSON *arr = cJSON_CreateArray();
	char *s;

	buf[0] = '\0';
	if (!arr)
		return;
	add_addresses(arr);
	if ((s = cJSON_PrintUnformatted(arr))) {
		snprintf(buf, size, "%s", s);
		cJSON_free(s);
	}
	cJSON_Delete(arr);
}

static int resources(const struct agent_config *cfg, int *cpu, long *mem, struct sk_err *err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	*cpu = cfg->cpu_units ? cfg->cpu_units : (int)(ncpu > 0 ? ncpu : 1) * 1024;
	if (cfg->memory_mib) {
		*mem = cfg->memory_mib;
		return 0;
	}
	/* Measured once, so that the offer stays put while tasks come and go. */
	static long measured = -1;
	long reserved = cfg->reserved_memory_mib;
	if (reserved < 0 && measured < 0 && measure_reservation(&measured, err) < 0)
		return -1;
	if (reserved < 0)
		reserved = measured;
	if (nodeinfo_mem_total_mib(mem, err) < 0)
		return -1;
	*mem -= reserved;
	if (*mem < 0)
		*mem = 0;
	return 0;
}

/* Built-in attributes, named as ECS names them, for placement constraints
 * and a task definition's runtimePlatform. */
static void add_attributes(cJSON *o, const struct utsname *un)
{
	const char *arch = un->machine;

	if (!strcmp(arch, "aarch64"))
		arch = "arm64";
	cJSON_AddStringToObject(o, "ecs.os-type", "linux");
	cJSON_AddStringToObject(o, "ecs.cpu-architecture", arch);
}

int nodeinfo_record(const struct agent_config *cfg, cJSON *os, char **out, struct sk_err *err)
{
	char host[65] = "", boot[40], now[40];
	struct utsname un;
	cJSON *o, *labels, *versions;
	int cpu;
	long mem;

	if (resources(cfg, &cpu, &mem, err) < 0 || nodeinfo_boot_id(boot, sizeof boot, err) < 0) {
		cJSON_Delete(os);
		return -1;
	}
	gethostname(host, sizeof host - 1);
	uname(&un);
	sk_now_rfc3339(now, sizeof now, 0);
	if (!(o = cJSON_CreateObject())) {
		cJSON_Delete(os);
		return sk_fail(err, ENOMEM, "node record");
	}
	cJSON_AddStringToObject(o, "id", cfg->node_id);
	cJSON_AddStringToObject(o, "hostname", host);
	add_addresses(cJSON_AddArrayToObject(o, "addresses"));
	cJSON_AddNumberToObject(o, "cpu", cpu);
	cJSON_AddNumberToObject(o, "memory", (double)mem);
	labels = cJSON_AddObjectToObject(o, "labels");
	for (size_t i = 0; i < cfg->n_labels; i++)
		cJSON_AddStringToObject(labels, cfg->labels[i].key, cfg->labels[i].value);
	versions = cJSON_AddObjectToObject(o, "versions");
	cJSON_AddStringToObject(versions, "skiff", SKIFF_VERSION);
	cJSON_AddStringToObject(versions, "kernel", un.release);
	add_attributes(cJSON_AddObjectToObject(o, "attributes"), &un);
	cJSON_AddStringToObject(o, "boot_id", boot);
	cJSON_AddStringToObject(o, "registered_at", now);
	if (cfg->api.cert_file[0]) {
		cJSON *api = cJSON_AddObjectToObject(o, "api");
		cJSON_AddNumberToObject(api, "port", cfg->api.port);
		cJSON_AddStringToObject(api, "name", cfg->api.name);
	}
	if (os)
		cJSON_AddItemToObject(o, "os", os);
	*out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!*out)
		return sk_fail(err, ENOMEM, "node record");
	return 0;
}
