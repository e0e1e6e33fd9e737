/* A container definition turned into config.json edits (agent/spec_*.c):
 * namespaces, mounts, resources, capabilities, rlimits, devices, sysctls,
 * init, privileged. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/spec_edit.h"
#include "check.h"

/* What the image library writes (runtime/bundle_gen.c), trimmed. */
static const char *base =
    "{\"process\":{\"terminal\":false,\"args\":[\"/bin/app\",\"-x\"],\"capabilities\":"
    "{\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_RAW\",\"CAP_KILL\"],\"effective\":[\"CAP_CHOWN\","
    "\"CAP_NET_RAW\",\"CAP_KILL\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_NET_RAW\",\"CAP_KILL\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    "\"noNewPrivileges\":true},\"root\":{\"path\":\"rootfs\",\"readonly\":false},"
    "\"hostname\":\"skiff\",\"mounts\":[{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\","
    "\"source\":\"shm\",\"options\":[\"nosuid\",\"size=65536k\"]},{\"destination\":\"/sys\","
    "\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"ro\"]}],\"linux\":"
    "{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
    "{\"type\":\"uts\"},{\"type\":\"mount\"}],\"maskedPaths\":[\"/proc/kcore\"],"
    "\"readonlyPaths\":[\"/proc/sys\"]}}";

static struct taskdef *def(const char *json)
{
	struct taskdef *td = NULL;
	struct sk_err err = {0};

	if (taskdef_parse(json, strlen(json), &td, NULL, &err) < 0)
		printf("  %s\n", err.msg);
	return td;
}

/* Applies ED (its td/def from JSON) to the base config; the result as text. */
static char *edit(struct spec_edit *ed, struct taskdef *td)
{
	cJSON *root = cJSON_Parse(base);
	struct sk_err err = {0};
	char *s = NULL;

	ed->td = td;
	ed->def = &td->containers[0];
	ed->task = "t1";
	ed->container = td->containers[0].name;
	if (spec_edit_json(root, ed, &err) == 0)
		s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

static int has(const char *s, const char *what)
{
	if (s && strstr(s, what))
		return 1;
	printf("  config lacks %s\n", what);
	return 0;
}

TEST(bridge_container_with_limits_and_files)
{
	struct taskdef *td = def(
	    "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"web\",\"image\":\"i\","
	    "\"memory\":64,\"memoryReservation\":32,\"cpu\":512,\"readonlyRootFilesystem\":true,"
	    "\"dockerLabels\":{\"team\":\"a\"},\"linuxParameters\":{\"maxSwap\":16,"
	    "\"sharedMemorySize\":128,\"tmpfs\":[{\"containerPath\":\"/cache\",\"size\":8,"
	    "\"mountOptions\":[\"noexec\"]}]}}]}");
	struct spec_mount vol = {"/var/lib/skiff/volumes/x", "/data", 1};
	struct spec_edit ed = {.netns_path = "/run/n/t1.web",
			       .hosts_path = "/run/t/web.hosts",
			       .resolv_path = "/run/r/t1.web.conf",
			       .hostname = "t1",
			       .log_dir = "/var/lib/skiff/logs/t1/web",
			       .cgroups_path = "skiff/t1/web",
			       .mounts = &vol,
			       .n_mounts = 1,
			       .limits = 1};
	char *s;

	if (!td)
		return;
	s = edit(&ed, td);
	CHECK(has(s, "\"skiff.task\":\"t1\"") && has(s, "\"skiff.container\":\"web\""));
	CHECK(has(s, "\"team\":\"a\"") &&
	      has(s, "\"run.skiff.log-dir\":\"/var/lib/skiff/logs/t1/web\""));
	CHECK(has(s, "{\"type\":\"network\",\"path\":\"/run/n/t1.web\"}"));
	CHECK(has(s, "\"hostname\":\"t1\"") && has(s, "{\"type\":\"uts\"}"));
	CHECK(has(s, "\"limit\":67108864") && has(s, "\"reservation\":33554432"));
	CHECK(has(s, "\"swap\":83886080") && has(s, "\"shares\":512"));
	CHECK(has(s, "\"cgroupsPath\":\"skiff/t1/web\""));
	CHECK(has(s, "\"root\":{\"path\":\"rootfs\",\"readonly\":true}"));
	CHECK(has(s, "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":"
		     "\"/var/lib/skiff/volumes/x\",\"options\":[\"rbind\",\"ro\"]}"));
	CHECK(has(s, "{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":"
		     "\"/run/t/web.hosts\""));
	CHECK(has(s, "\"destination\":\"/etc/resolv.conf\""));
	CHECK(has(s, "{\"destination\":\"/cache\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		     "\"options\":[\"noexec\",\"size=8m\"]}"));
	CHECK(has(s, "\"options\":[\"nosuid\",\"size=128m\"]"));
	CHECK(has(s, "\"noNewPrivileges\":false") && strstr(s, "terminal") == NULL);
	free(s);
	/* no cgroup v2: no resources */
	ed.limits = 0;
	s = edit(&ed, td);
	CHECK(s && strstr(s, "resources") == NULL && strstr(s, "cgroupsPath") == NULL);
	free(s);
	taskdef_free(td);
}

TEST(security_capabilities_rlimits_devices_sysctls)
{
	struct taskdef *td =
	    def("{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"c\",\"image\":\"i\","
		"\"memory\":64,\"dockerSecurityOptions\":[\"no-new-privileges\"],\"ulimits\":["
		"{\"name\":\"nofile\",\"softLimit\":4096,\"hardLimit\":8192},{\"name\":\"core\","
		"\"softLimit\":-1,\"hardLimit\":-1}],\"systemControls\":[{\"namespace\":"
		"\"net.core.somaxconn\",\"value\":\"1024\"}],\"linuxParameters\":{\"capabilities\":"
		"{\"add\":[\"NET_ADMIN\"],\"drop\":[\"NET_RAW\"]},\"initProcessEnabled\":true}}]}");
	struct spec_device dev = {"/dev/fuse", 'c', 10, 229, 0666};
	struct spec_edit ed = {
	    .hostname = "h", .init_path = "/usr/bin/skiff-agent", .devices = &dev, .n_devices = 1};
	char *s;

	if (!td)
		return;
	s = edit(&ed, td);
	CHECK(has(s, "\"noNewPrivileges\":true"));
	CHECK(has(s, "{\"type\":\"RLIMIT_NOFILE\",\"soft\":4096,\"hard\":8192}"));
	CHECK(has(s, "\"type\":\"RLIMIT_CORE\",\"soft\":4.6116860184273879e+18"));
	CHECK(s && !strstr(s, "\"hard\":1024"));
	CHECK(has(s, "\"sysctl\":{\"net.core.somaxconn\":\"1024\"}"));
	CHECK(has(s, "\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_ADMIN\"]"));
	CHECK(has(s, "{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229"));
	CHECK(has(s, "\"args\":[\"/sbin/skiff-init-process\",\"--\",\"/bin/app\",\"-x\"]"));
	CHECK(has(s, "{\"destination\":\"/sbin/skiff-init-process\",\"type\":\"bind\",\"source\":"
		     "\"/usr/bin/skiff-agent\",\"options\":[\"rbind\",\"ro\"]}"));
	free(s);
	taskdef_free(td);
	td = def("{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"c\",\"image\":\"i\","
		 "\"memory\":64,\"linuxParameters\":{\"capabilities\":{\"drop\":[\"ALL\"],\"add\":"
		 "[\"KILL\"]}}}]}");
	s = td ? edit(&ed, td) : NULL;
	CHECK(has(s, "\"bounding\":[\"CAP_KILL\"]"));
	free(s);
	taskdef_free(td);
}

TEST(privileged)
{
	struct taskdef *td = def("{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"c\","
				 "\"image\":\"i\",\"memory\":64,\"privileged\":true}]}");
	struct spec_edit ed = {.hostname = "h"};
	char *s;

	if (!td)
		return;
	s = edit(&ed, td);
	CHECK(has(s, "CAP_SYS_ADMIN") && has(s, "CAP_SYS_MODULE"));
	CHECK(s && !strstr(s, "maskedPaths") && !strstr(s, "readonlyPaths"));
	CHECK(has(s, "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
		     "\"options\":[\"nosuid\"]}"));
	free(s);
	taskdef_free(td);
}

TEST(namespaces_shared_with_the_task_or_the_node)
{
	struct taskdef *td = def("{\"family\":\"f\",\"pidMode\":\"task\",\"ipcMode\":\"task\","
				 "\"networkMode\":\"awsvpc\",\"containerDefinitions\":[{\"name\":"
				 "\"c\",\"image\":\"i\",\"memory\":64}]}");
	struct spec_edit ed = {.netns_path = "/run/n/t1",
			       .pid_ns_path = "/proc/42/ns/pid",
			       .ipc_ns_path = "/run/t/ipc",
			       .shm_dir = "/run/t/shm",
			       .hostname = "t1"};
	char *s;

	if (!td)
		return;
	s = edit(&ed, td);
	CHECK(has(s, "{\"type\":\"pid\",\"path\":\"/proc/42/ns/pid\"}"));
	CHECK(has(s, "{\"type\":\"ipc\",\"path\":\"/run/t/ipc\"}"));
	CHECK(has(s, "{\"destination\":\"/dev/shm\",\"type\":\"bind\",\"source\":\"/run/t/shm\""));
	free(s);
	taskdef_free(td);
	td = def(
	    "{\"family\":\"f\",\"pidMode\":\"host\",\"ipcMode\":\"none\",\"networkMode\":"
	    "\"host\",\"containerDefinitions\":[{\"name\":\"c\",\"image\":\"i\",\"memory\":64}]}");
	struct spec_edit host = {.host_network = 1};
	s = td ? edit(&host, td) : NULL;
	CHECK(s && !strstr(s, "\"pid\"") && !strstr(s, "\"network\"") && !strstr(s, "\"uts\""));
	CHECK(s && !strstr(s, "\"hostname\"") && !strstr(s, "/dev/shm"));
	CHECK(has(s, "{\"type\":\"ipc\"}")); /* none: private, without /dev/shm */
	free(s);
	taskdef_free(td);
}

int main(void)
{
	RUN(bridge_container_with_limits_and_files);
	RUN(security_capabilities_rlimits_devices_sysctls);
	RUN(privileged);
	RUN(namespaces_shared_with_the_task_or_the_node);
	return check_summary();
}
