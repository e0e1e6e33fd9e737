/* The task-definition model (lib/taskdef.h): what it accepts and how it
 * normalises, every error in one pass with its key path and line, the
 * describe wrappers, the cross-container rules, secrets, resources, and
 * docs/taskdefs.md holding a row for every field the tables know. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/taskdef_internal.h"
#include "check.h"

static struct taskdef *parse(const char *text, struct td_report *rep)
{
	struct taskdef *td = NULL;
	struct sk_err err = {0};

	if (taskdef_parse(text, strlen(text), &td, rep, &err) < 0)
		return NULL;
	return td;
}

/* The message at PATH (errors and warnings alike), or NULL. */
static const struct td_msg *msg_at(const struct td_report *rep, const char *path)
{
	for (size_t i = 0; i < rep->n; i++)
		if (!strcmp(rep->msgs[i].path, path))
			return &rep->msgs[i];
	return NULL;
}

static int has(const struct td_report *rep, const char *path, const char *text)
{
	for (size_t i = 0; i < rep->n; i++)
		if (!strcmp(rep->msgs[i].path, path) && strstr(rep->msgs[i].text, text))
			return 1;
	printf("  no \"%s\" at %s\n", text, path);
	return 0;
}

#define ONE                                                                                        \
	"{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"busybox\","       \
	"\"memory\":64"

TEST(units_strings_nulls_and_empty_arrays)
{
	struct td_report rep = {0};
	struct taskdef *td = parse(
	    "{\"family\":\"f\",\"cpu\":\"0.5 vCPU\",\"memory\":\"1 GB\",\"taskRoleArn\":\"\","
	    "\"volumes\":[],\"placementConstraints\":null,\"containerDefinitions\":[{"
	    "\"name\":\"a\",\"image\":\"busybox\",\"memory\":\"128\",\"cpu\":64,"
	    "\"essential\":\"true\",\"portMappings\":[],\"environment\":[{\"name\":\"N\","
	    "\"value\":8080}],\"mountPoints\":null,\"healthCheck\":null,\"stopTimeout\":\"7\"}]}",
	    &rep);
	CHECK(td != NULL && rep.errors == 0 && rep.warnings == 0);
	if (!td)
		return;
	CHECK(td->cpu == 512 && td->memory == 1024);
	CHECK(td->task_role_arn == NULL && td->n_volumes == 0);
	const struct td_container *c = &td->containers[0];
	CHECK(c->memory == 128 && c->cpu == 64 && c->essential == 1 && c->stop_timeout == 7);
	CHECK(c->n_port_mappings == 0 && c->health_check == NULL);
	CHECK_STREQ(c->environment[0].value, "8080");
	CHECK(c->memory_reservation == TD_UNSET);
	taskdef_free(td);
	td_report_free(&rep);
}

TEST(canonical_json_round_trips)
{
	static const char *text =
	    "{\"family\":\"web\",\"networkMode\":\"awsvpc\",\"cpu\":\"1 vcpu\",\"memory\":512,"
	    "\"pidMode\":\"task\",\"ipcMode\":\"none\",\"tags\":[{\"key\":\"k\",\"value\":\"v\"}],"
	    "\"runtimePlatform\":{\"cpuArchitecture\":\"X86_64\",\"operatingSystemFamily\":"
	    "\"LINUX\"},"
	    "\"volumes\":[{\"name\":\"data\",\"dockerVolumeConfiguration\":{\"scope\":\"shared\","
	    "\"autoprovision\":true}}],\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"a\","
	    "\"portMappings\":[{\"containerPort\":80}],\"mountPoints\":[{\"sourceVolume\":\"data\","
	    "\"containerPath\":\"/d\"}],\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":10,"
	    "\"hardLimit\":20}],\"healthCheck\":{\"command\":[\"CMD\",\"true\"]},"
	    "\"dockerLabels\":{\"com.example.x\":\"1\"},\"linuxParameters\":{"
	    "\"initProcessEnabled\":"
	    "true,\"tmpfs\":[{\"containerPath\":\"/"
	    "t\",\"size\":16,\"mountOptions\":[\"mode=1777\"]}]}}]}";
	struct td_report rep = {0};
	struct taskdef *td = parse(text, &rep), *again;
	cJSON *j1, *j2;
	char *s1, *s2;

	CHECK(td != NULL);
	if (!td)
		return;
	j1 = taskdef_to_json(td);
	CHECK_STREQ(cJSON_GetObjectItem(j1, "cpu")->valuestring, "1024");
	CHECK_STREQ(cJSON_GetObjectItem(j1, "memory")->valuestring, "512");
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(j1, "containerDefinitions"), 0), "essential")));
	s1 = cJSON_PrintUnformatted(j1);
	again = parse(s1, NULL);
	CHECK(again != NULL);
	j2 = again ? taskdef_to_json(again) : NULL;
	s2 = j2 ? cJSON_PrintUnformatted(j2) : NULL;
	CHECK_STREQ(s2, s1);
	/* The health check's defaults are filled in. */
	CHECK(td->containers[0].health_check->interval == 30 &&
	      td->containers[0].health_check->retries == 3);
	free(s1);
	free(s2);
	cJSON_Delete(j1);
	cJSON_Delete(j2);
	taskdef_free(td);
	taskdef_free(again);
	td_report_free(&rep);
}

TEST(describe_outputs_register_again)
{
	struct td_report rep = {0};
	/* aws ecs describe-task-definition, with its wrapper and the fields
	 * only DescribeTaskDefinition returns */
	struct taskdef *td = parse(
	    "{\"taskDefinition\":{\"taskDefinitionArn\":\"arn:aws:ecs:us-east-1:1:task-definition/"
	    "f:3\",\"family\":\"f\",\"revision\":3,\"status\":\"ACTIVE\",\"compatibilities\":"
	    "[\"EC2\"],\"requiresAttributes\":[{\"name\":\"com.amazonaws.ecs.capability."
	    "docker-remote-api.1.18\"}],\"registeredAt\":1700000000.5,\"registeredBy\":\"arn:x\","
	    "\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"busybox\",\"cpu\":0,\"memory\":"
	    "64,\"portMappings\":[],\"essential\":true,\"environment\":[],\"mountPoints\":[],"
	    "\"volumesFrom\":[],\"systemControls\":[]}],\"volumes\":[],\"placementConstraints\":[]"
	    "},\"tags\":[{\"key\":\"team\",\"value\":\"a\"}]}",
	    &rep);
	CHECK(td != NULL && rep.errors == 0);
	if (td) {
		CHECK(td->n_tags == 1 && !strcmp(td->tags[0].key, "team"));
		CHECK(td->revision == 3);
	}
	taskdef_free(td);
	td_report_free(&rep);
}

TEST(every_error_of_a_document_in_one_pass)
{
	struct td_report rep = {0};
	struct sk_err err = {0};
	struct taskdef *td = NULL;
	static const char *text =
	    "{\n"
	    "  \"family\": \"bad name\",\n"
	    "  \"containerDefinitions\": [{\n"
	    "    \"name\": \"a\", \"image\": \"busybox\", \"memroy\": 64,\n"
	    "    \"portMappings\": [{\"containerPort\": 70000}],\n"
	    "    \"healthCheck\": {\"command\": [\"curl\"], \"interval\": 1},\n"
	    "    \"essential\": \"yes\"\n"
	    "  }],\n"
	    "  \"volumes\": [{\"name\": \"v\", \"efsVolumeConfiguration\": {\"fileSystemId\": "
	    "\"x\"}}]\n"
	    "}\n";

	CHECK(taskdef_parse(text, strlen(text), &td, &rep, &err) < 0 && td == NULL);
	CHECK(has(&rep, "family", "expected 1-255 letters"));
	CHECK(has(&rep, "containerDefinitions[0].memroy", "did you mean \"memory\""));
	CHECK(
	    has(&rep, "containerDefinitions[0].portMappings[0].containerPort", "from 1 to 65535"));
	CHECK(has(&rep, "containerDefinitions[0].healthCheck.command", "CMD-SHELL"));
	CHECK(has(&rep, "containerDefinitions[0].healthCheck.interval", "from 5 to 300"));
	CHECK(has(&rep, "containerDefinitions[0].essential", "true or false"));
	CHECK(has(&rep, "volumes[0].efsVolumeConfiguration", "EFS is an AWS service"));
	CHECK(has(&rep, "containerDefinitions[0].memory", "required"));
	CHECK(rep.errors == 8);
	/* each at its line */
	CHECK(msg_at(&rep, "family") && msg_at(&rep, "family")->line == 2);
	CHECK(msg_at(&rep, "containerDefinitions[0].essential")->line == 7);
	CHECK(strstr(err.msg, "(and 7 more errors)") != NULL);
	td_report_free(&rep);
}

TEST(syntax_and_size_errors)
{
	struct td_report rep = {0};
	struct sk_err err = {0};
	struct taskdef *td = NULL;
	char *big = malloc(TD_MAX_BYTES + 10);

	CHECK(taskdef_parse("{\n\"family\":\n", 12, &td, &rep, &err) < 0);
	CHECK(rep.n == 1 && rep.msgs[0].line == 3 && strstr(rep.msgs[0].text, "not valid JSON"));
	td_report_free(&rep);
	memset(big, ' ', TD_MAX_BYTES + 9);
	big[TD_MAX_BYTES + 9] = '\0';
	CHECK(taskdef_parse(big, TD_MAX_BYTES + 9, &td, &rep, &err) < 0);
	CHECK(strstr(err.msg, "64 KiB") != NULL);
	td_report_free(&rep);
	free(big);
	CHECK(parse("[1]", NULL) == NULL && parse(ONE "}]} x", NULL) == NULL);
}

/* The folded warning is counted after later messages have grown (moved)
 * the report's array: fuzz_taskdef found a use after free here. */
TEST(folded_warning_survives_a_growing_report)
{
	struct td_report rep = {0};
	char doc[4096] = "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\","
			 "\"image\":\"b\",\"memory\":64,\"portMappings\":[";
	for (int i = 1; i <= 40; i++)
		snprintf(doc + strlen(doc), sizeof doc - strlen(doc),
			 "%s{\"containerPort\":%d,\"name\":\"p%d\",\"bogus%d\":1}",
			 i > 1 ? "," : "", i, i, i);
	strcat(doc, "]}]}");
	struct taskdef *td = parse(doc, &rep);
	CHECK(rep.n > 16);
	CHECK(msg_at(&rep, "containerDefinitions[0].portMappings[0].name") != NULL &&
	      msg_at(&rep, "containerDefinitions[0].portMappings[0].name")->more == 39);
	taskdef_free(td);
	td_report_free(&rep);
}

TEST(ignored_fields_warn_once_and_are_kept)
{
	struct td_report rep = {0};
	struct taskdef *td =
	    parse("{\"family\":\"f\",\"executionRoleArn\":\"arn:r\",\"requiresCompatibilities\":["
		  "\"FARGATE\"],"
		  "\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"b\",\"memory\":64,"
		  "\"portMappings\":"
		  "[{\"containerPort\":1,\"name\":\"p1\"},{\"containerPort\":2,\"name\":\"p2\"},"
		  "{\"containerPort\":3,\"name\":\"p3\"}],\"logConfiguration\":{\"logDriver\":"
		  "\"awslogs\","
		  "\"options\":{\"awslogs-group\":\"g\"}}}]}",
		  &rep);
	CHECK(td != NULL && rep.errors == 0);
	CHECK(has(&rep, "executionRoleArn", "accepted and ignored"));
	CHECK(has(&rep, "containerDefinitions[0].portMappings[0].name", "Service Connect"));
	CHECK(msg_at(&rep, "containerDefinitions[0].portMappings[0].name")->more == 2);
	CHECK(has(&rep, "containerDefinitions[0].logConfiguration", "not sent anywhere"));
	CHECK(has(&rep, "requiresCompatibilities", "as with EC2"));
	if (td)
		CHECK_STREQ(td->execution_role_arn, "arn:r");
	taskdef_free(td);
	td_report_free(&rep);
}

static void expect_error(const char *text, const char *path, const char *what)
{
	struct td_report rep = {0};
	struct taskdef *td = parse(text, &rep);
	CHECK(td == NULL);
	CHECK(has(&rep, path, what));
	taskdef_free(td);
	td_report_free(&rep);
}

TEST(rules_across_containers)
{
	expect_error(ONE "},{\"name\":\"a\",\"image\":\"b\",\"memory\":64}]}",
		     "containerDefinitions[1].name", "also the name of containerDefinitions[0]");
	expect_error(ONE ",\"essential\":false}]}", "containerDefinitions", "no essential");
	expect_error(
	    "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"b\"}]}",
	    "containerDefinitions[0].memory", "required");
	/* null and [] read as absent (found by fuzz_taskdef: the stored record,
	 * which leaves them out, then failed to register again) */
	expect_error("{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":"
		     "\"b\",\"memory\":null,\"memoryReservation\":[]}],\"memory\":null}",
		     "containerDefinitions[0].memory", "required");
	expect_error(ONE ",\"links\":[\"db\"]}]}", "containerDefinitions[0].links[0]",
		     "no container \"db\"");
	expect_error(ONE ",\"dependsOn\":[{\"containerName\":\"b\",\"condition\":\"HEALTHY\"}]},"
			 "{\"name\":\"b\",\"image\":\"b\",\"memory\":64,\"essential\":false}]}",
		     "containerDefinitions[0].dependsOn[0].condition", "has no healthCheck");
	expect_error(ONE ",\"dependsOn\":[{\"containerName\":\"b\",\"condition\":\"SUCCESS\"}]},"
			 "{\"name\":\"b\",\"image\":\"b\",\"memory\":64}]}",
		     "containerDefinitions[0].dependsOn[0].condition", "is essential");
	expect_error(ONE ",\"dependsOn\":[{\"containerName\":\"b\",\"condition\":\"START\"}]},"
			 "{\"name\":\"b\",\"image\":\"b\",\"memory\":64,\"volumesFrom\":"
			 "[{\"sourceContainer\":\"a\"}]}]}",
		     "containerDefinitions[0].dependsOn", "a -> b -> a");
	expect_error(ONE ",\"mountPoints\":[{\"sourceVolume\":\"x\",\"containerPath\":\"/x\"}]}]}",
		     "containerDefinitions[0].mountPoints[0].sourceVolume", "no volume \"x\"");
	expect_error(ONE ",\"portMappings\":[{\"containerPort\":80,\"hostPort\":8080}]},{\"name\":"
			 "\"b\",\"image\":\"b\",\"memory\":64,\"portMappings\":[{\"containerPort\":"
			 "81,\"hostPort\":8080}]}]}",
		     "containerDefinitions[1].portMappings[0].hostPort", "used twice");
	expect_error(ONE ",\"portMappings\":[{\"containerPort\":80}]}],\"networkMode\":\"none\"}",
		     "containerDefinitions[0].portMappings", "networkMode none");
	expect_error(ONE ",\"portMappings\":[{\"containerPort\":80,\"hostPort\":81}]}],"
			 "\"networkMode\":\"awsvpc\"}",
		     "containerDefinitions[0].portMappings[0].hostPort", "equal containerPort");
	expect_error(ONE ",\"hostname\":\"h\"}],\"networkMode\":\"awsvpc\"}",
		     "containerDefinitions[0].hostname", "awsvpc");
	expect_error(ONE "}],\"memory\":32}", "containerDefinitions[0].memory",
		     "above the task's memory");
	expect_error(ONE ",\"systemControls\":[{\"namespace\":\"net.core.somaxconn\",\"value\":"
			 "\"1\"}]}],\"networkMode\":\"host\"}",
		     "containerDefinitions[0].systemControls[0].namespace", "host");
	expect_error(ONE ",\"dockerLabels\":{\"run.skiff.log-dir\":\"/etc\"}}]}",
		     "containerDefinitions[0].dockerLabels[\"run.skiff.log-dir\"]", "Skiff's own");
	expect_error(ONE ",\"environmentFiles\":[{\"value\":\"arn:aws:s3:::b/e.env\",\"type\":"
			 "\"s3\"}]}]}",
		     "containerDefinitions[0].environmentFiles[0].value", "S3 object");
	expect_error(ONE "}],\"runtimePlatform\":{\"operatingSystemFamily\":"
			 "\"WINDOWS_SERVER_2022_CORE\"}}",
		     "runtimePlatform.operatingSystemFamily", "Linux containers only");
	expect_error(ONE ",\"resourceRequirements\":[{\"type\":\"GPU\",\"value\":\"1\"}]}]}",
		     "containerDefinitions[0].resourceRequirements", "GPUs");
	expect_error(ONE "}],\"containerDefinitions\":[]}", "containerDefinitions", "given twice");
	/* inside free-form maps too: the stored record would keep both values */
	expect_error(ONE ",\"logConfiguration\":{\"logDriver\":\"awsfirelens\",\"options\":"
			 "{\"region\":\"a\",\"region\":\"b\"}}}]}",
		     "containerDefinitions[0].logConfiguration.options.region", "given twice");
	expect_error(ONE ",\"dockerLabels\":{\"x\":\"1\",\"y\":\"2\",\"x\":\"1\"}}]}",
		     "containerDefinitions[0].dockerLabels.x", "given twice");
}

TEST(port_ranges)
{
	struct td_report rep = {0};
	struct taskdef *td =
	    parse(ONE ",\"portMappings\":[{\"containerPortRange\":\"9000-9003\"}]}]}", &rep);
	CHECK(td != NULL);
	if (td)
		CHECK(td->containers[0].port_mappings[0].range_first == 9000 &&
		      td->containers[0].port_mappings[0].range_last == 9003);
	taskdef_free(td);
	td_report_free(&rep);
	expect_error(ONE ",\"portMappings\":[{\"containerPortRange\":\"9-8\"}]}]}",
		     "containerDefinitions[0].portMappings[0].containerPortRange", "FIRST-LAST");
}

TEST(secret_references)
{
	struct td_secret_ref r;

	CHECK(taskdef_secret_ref("db-pass", &r) == 0 && !strcmp(r.name, "db-pass") &&
	      !r.json_key[0]);
	CHECK(taskdef_secret_ref("/prod/db/pass", &r) == 0 && !strcmp(r.name, "prod/db/pass"));
	CHECK(taskdef_secret_ref("arn:aws:secretsmanager:us-east-1:123:secret:db-AbCdEf", &r) ==
		  0 &&
	      !strcmp(r.name, "db-AbCdEf"));
	CHECK(taskdef_secret_ref("arn:aws:secretsmanager:us-east-1:123:secret:db:password::", &r) ==
		  0 &&
	      !strcmp(r.name, "db") && !strcmp(r.json_key, "password"));
	CHECK(taskdef_secret_ref("arn:aws:ssm:us-east-1:123:parameter/app/key", &r) == 0 &&
	      !strcmp(r.name, "app/key"));
	CHECK(taskdef_secret_ref("arn:aws:s3:::bucket/x", &r) < 0);
	CHECK(taskdef_secret_ref("a/../b", &r) < 0 && taskdef_secret_ref("a b", &r) < 0);
	CHECK(!taskdef_valid_secret_name("a//b") && !taskdef_valid_secret_name("x/"));
}

static int count(void *ctx, const struct td_secret_ref *ref)
{
	++*(int *)ctx;
	return 0;
}

TEST(resources_and_secrets_of_a_definition)
{
	struct taskdef *td = parse(
	    "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"b\","
	    "\"memory\":"
	    "256,\"memoryReservation\":64,\"cpu\":100,\"secrets\":[{\"name\":\"A\",\"valueFrom\":"
	    "\"s1\"},{\"name\":\"B\",\"valueFrom\":\"s1\"}],\"repositoryCredentials\":{"
	    "\"credentialsParameter\":\"reg\"}},{\"name\":\"c\",\"image\":\"b\",\"memory\":32}]}",
	    NULL);
	int64_t cpu, mem;
	int n = 0;

	CHECK(td != NULL);
	if (!td)
		return;
	taskdef_resources(td, &cpu, &mem);
	CHECK(cpu == 100 && mem == 64 + 32); /* ECS reserves memoryReservation first */
	cJSON *j = taskdef_to_json(td);
	taskdef_record_resources(j, &cpu, &mem);
	CHECK(cpu == 100 && mem == 96);
	CHECK(taskdef_each_secret(td, count, &n) == 0 && n == 2);
	cJSON_Delete(j);
	taskdef_free(td);
}

/* Records in etcd may have been written by anyone who can write there:
 * values no definition can hold read as unset (found by fuzzing the
 * scheduler's model: 1e300 was converted to int64_t, and two containers
 * of 9e18 units overflowed the sum). */
TEST(record_resources_of_a_hostile_record)
{
	int64_t cpu, mem;
	cJSON *j = cJSON_Parse("{\"cpu\":1e300,\"memory\":\"-5\",\"containerDefinitions\":["
			       "{\"cpu\":9e18,\"memory\":9e18},{\"cpu\":9e18,\"memory\":64},"
			       "{\"cpu\":\"99999999999999999999\",\"memoryReservation\":32}]}");
	taskdef_record_resources(j, &cpu, &mem);
	CHECK(cpu == 0 && mem == 64 + 32);
	cJSON_Delete(j);
}

TEST(refs_and_names)
{
	char family[TD_NAME_MAX + 1];
	long rev;
	struct sk_err err = {0};

	CHECK(taskdef_parse_ref("web", family, &rev, &err) == 0 && rev == 0);
	CHECK(taskdef_parse_ref("web:12", family, &rev, &err) == 0 && rev == 12);
	CHECK(taskdef_parse_ref("web:0", family, &rev, &err) < 0);
	CHECK(taskdef_parse_ref("web:x", family, &rev, &err) < 0);
	CHECK(taskdef_parse_ref(":1", family, &rev, &err) < 0);
	CHECK(taskdef_parse_ref("a/b", family, &rev, &err) < 0);
	CHECK(taskdef_valid_name("a-B_9") && !taskdef_valid_name("a.b") && !taskdef_valid_name(""));
}

/* docs/taskdefs.md: a section per shape, a row per field with its use. */
TEST(docs_table_lists_every_field)
{
	static const char *const use[] = {"run", "map", "ignore", "refuse", "output"};
	FILE *f = fopen("docs/taskdefs.md", "r");
	char *doc = calloc(1, 1 << 20), row[300], head[120], line[1000], col[40];

	CHECK(f != NULL);
	if (!f)
		return;
	doc[fread(doc, 1, (1 << 20) - 1, f)] = '\0';
	fclose(f);
	for (int i = 0; td_all_shapes[i]; i++) {
		const struct td_shape *s = td_all_shapes[i];
		snprintf(head, sizeof head, "\n### %s\n", s->name);
		const char *sec = strstr(doc, head), *end;
		if (!sec) {
			printf("  docs/taskdefs.md has no section %s\n", s->name);
			check_case_failed = 1;
			continue;
		}
		end = strstr(sec + 1, "\n### ");
		for (size_t k = 0; k < s->n_fields; k++) {
			const char *r;
			snprintf(row, sizeof row, "| `%s` |", s->fields[k].name);
			snprintf(col, sizeof col, "| %s |", use[s->fields[k].use]);
			r = strstr(sec, row);
			if (r)
				snprintf(line, sizeof line, "%.*s", (int)strcspn(r, "\n"), r);
			if (!r || (end && r > end) || !strstr(line, col)) {
				printf("  docs/taskdefs.md: %s.%s: no row saying %s\n", s->name,
				       s->fields[k].name, use[s->fields[k].use]);
				check_case_failed = 1;
			}
		}
	}
	free(doc);
}

int main(void)
{
	RUN(units_strings_nulls_and_empty_arrays);
	RUN(canonical_json_round_trips);
	RUN(describe_outputs_register_again);
	RUN(every_error_of_a_document_in_one_pass);
	RUN(syntax_and_size_errors);
	RUN(ignored_fields_warn_once_and_are_kept);
	RUN(folded_warning_survives_a_growing_report);
	RUN(rules_across_containers);
	RUN(port_ranges);
	RUN(secret_references);
	RUN(resources_and_secrets_of_a_definition);
	RUN(record_resources_of_a_hostile_record);
	RUN(refs_and_names);
	RUN(docs_table_lists_every_field);
	return check_summary();
}
