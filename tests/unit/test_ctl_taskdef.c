#include <string.h>

#include "check.h"
#include "../../ctl/ctl.h"
#include "../../ctl/taskdef.h"

static int validate(const char *json, struct sk_err *err)
{
	cJSON *j = cJSON_Parse(json);
	int rc = taskdef_validate(j, "td.json", err);
	cJSON_Delete(j);
	return rc;
}

#define C0                                                                                         \
	"{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"busybox\","       \
	"\"memory\":64"

TEST(accepts_the_supported_subset)
{
	struct sk_err err = {0};
	CHECK(validate(C0 ",\"cpu\":128,\"essential\":true,\"command\":[\"sh\"],\"entryPoint\":[],"
			  "\"environment\":[{\"name\":\"A\",\"value\":\"1\"}],\"portMappings\":"
			  "[{\"containerPort\":80,\"hostPort\":8080,\"protocol\":\"tcp\"}],"
			  "\"workingDirectory\":\"/\",\"user\":\"1000\"}],\"cpu\":\"1 vCPU\","
			  "\"memory\":\"1 GB\",\"networkMode\":\"host\"}",
		       &err) == 0);
	CHECK_STREQ(err.msg, "");
}

static void expect(const char *json, const char *msg)
{
	struct sk_err err = {0};
	CHECK(validate(json, &err) == CTL_EUSAGE);
	CHECK_STREQ(err.msg, msg);
}

TEST(names_unsupported_fields_and_wrong_types)
{
	expect(C0 ",\"links\":[\"db\"]}]}",
	       "td.json: containerDefinitions[0].links: not supported");
	expect(C0 "}],\"volumes\":[]}", "td.json: volumes: not supported");
	expect(C0 ",\"cpu\":\"x\"}]}",
	       "td.json: containerDefinitions[0].cpu: expected a non-negative integer");
	expect(C0 ",\"essential\":1}]}",
	       "td.json: containerDefinitions[0].essential: expected true or false");
	expect(C0 ",\"command\":[1]}]}",
	       "td.json: containerDefinitions[0].command: expected an array of strings");
	expect(C0 ",\"environment\":[{\"name\":\"A\",\"value\":1}]}]}",
	       "td.json: containerDefinitions[0].environment[0]: value: expected a string");
	expect(C0 ",\"portMappings\":[{\"hostPort\":1}]}]}",
	       "td.json: containerDefinitions[0].portMappings[0].containerPort: required");
	expect(C0 ",\"portMappings\":[{\"containerPort\":80,\"protocol\":\"sctp\"}]}]}",
	       "td.json: containerDefinitions[0].portMappings[0].protocol: expected \"tcp\" or "
	       "\"udp\"");
	expect(C0 "}],\"networkMode\":\"awsvpc\"}",
	       "td.json: networkMode: awsvpc is not supported (none, host or bridge)");
	expect("{\"family\":\"f\"}", "td.json: containerDefinitions: required");
	expect("{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"b\"}]}",
	       "td.json: containerDefinitions[0].memory: required (or memoryReservation, or a "
	       "task-level memory)");
	expect(C0 ",\"essential\":false}]}",
	       "td.json: containerDefinitions: no essential container");
	expect(C0 "},{\"name\":\"a\",\"image\":\"b\",\"memory\":1}]}",
	       "td.json: containerDefinitions[1].name: duplicate container name");
	expect("[]", "td.json: expected a JSON object");
	expect("{\"family\":\"a b\",\"containerDefinitions\":[]}",
	       "td.json: family: expected 1-255 letters, digits, - and _");
}

TEST(resources_and_units)
{
	cJSON *j = cJSON_Parse(C0 ",\"cpu\":100},{\"name\":\"b\",\"image\":\"x\",\"cpu\":50,"
				  "\"memoryReservation\":32}]}");
	int64_t cpu, mem;
	taskdef_resources(j, &cpu, &mem);
	CHECK(cpu == 150 && mem == 96);
	cJSON_AddStringToObject(j, "cpu", "0.5 vCPU");
	cJSON_AddStringToObject(j, "memory", "2 GB");
	taskdef_resources(j, &cpu, &mem);
	CHECK(cpu == 512 && mem == 2048);
	cJSON_Delete(j);
}

TEST(parses_references)
{
	char family[FAMILY_MAX];
	long rev;
	struct sk_err err = {0};
	CHECK(taskdef_parse_ref("web", family, &rev, &err) == 0 && rev == 0);
	CHECK_STREQ(family, "web");
	CHECK(taskdef_parse_ref("web:12", family, &rev, &err) == 0 && rev == 12);
	CHECK(taskdef_parse_ref("web:0", family, &rev, &err) == CTL_EUSAGE);
	CHECK(taskdef_parse_ref("web:x", family, &rev, &err) == CTL_EUSAGE);
	CHECK(taskdef_parse_ref(":1", family, &rev, &err) == CTL_EUSAGE);
	CHECK(taskdef_parse_ref("a/b", family, &rev, &err) == CTL_EUSAGE);
}

int main(void)
{
	RUN(accepts_the_supported_subset);
	RUN(names_unsupported_fields_and_wrong_types);
	RUN(resources_and_units);
	RUN(parses_references);
	return check_summary();
}
