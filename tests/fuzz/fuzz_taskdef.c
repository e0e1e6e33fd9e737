/* Task-definition JSON (lib/taskdef*.c, one model for skiffctl, the
 * scheduler and the agent): what an operator registers, the canonical
 * record skiffctl stores (which must read back as the same definition),
 * what the scheduler sizes from that record, and what a node finds in its
 * assignments (agent/assign.c, then the runtime for each image). The
 * input is fed to each consumer in the table below; a new reader of task
 * definitions is one more line. */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "agent/assign.h"
#include "runtime/image_internal.h"
#include "taskdef.h"

/* skiffctl taskdef register: parse, report, store the canonical record. */
static void registration(const char *text)
{
	struct sk_err err = {0};
	struct td_report rep = {0};
	struct taskdef *td = NULL, *again = NULL;
	int64_t cpu, mem, rcpu, rmem;
	int rc = taskdef_parse(text, strlen(text), &td, &rep, &err);
	FUZZ_REQUIRE(rc == 0 || (err.msg[0] && rep.errors > 0), "failed (%d) without errors", rc);
	td_report_free(&rep);
	if (rc < 0)
		return;
	cJSON *record = taskdef_to_json(td);
	char *stored = cJSON_PrintUnformatted(record);
	FUZZ_REQUIRE(stored, "no canonical record");
	rc = taskdef_parse(stored, strlen(stored), &again, NULL, &err);
	FUZZ_REQUIRE(rc == 0, "the stored record does not read back: %s\n%s", err.msg, stored);
	cJSON *record2 = taskdef_to_json(again);
	FUZZ_REQUIRE(cJSON_Compare(record, record2, 1), "the record changes when read back:\n%s",
		     stored);
	/* the scheduler sizes a task from the stored record */
	taskdef_resources(td, &cpu, &mem);
	taskdef_record_resources(record, &rcpu, &rmem);
	FUZZ_REQUIRE(cpu == rcpu && mem == rmem, "resources %lld/%lld, from the record %lld/%lld",
		     (long long)cpu, (long long)mem, (long long)rcpu, (long long)rmem);
	cJSON_Delete(record2);
	cJSON_Delete(record);
	free(stored);
	taskdef_free(again);
	taskdef_free(td);
}

/* The runtime: a container's image reference, as the agent pulls it. Its
 * normalised name must parse back to the same image. */
static void image_reference(const char *image)
{
	struct sk_err err = {0};
	struct image_ref ref, again;
	char name[1200];
	int rc = image_ref_parse(image, &ref, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc < 0)
		return;
	image_ref_name(&ref, name, sizeof name);
	FUZZ_REQUIRE(image_ref_parse(name, &again, &err) == 0, "%s -> %s: %s", image, name,
		     err.msg);
	FUZZ_REQUIRE(!strcmp(ref.registry, again.registry) && !strcmp(ref.repo, again.repo) &&
			 !strcmp(ref.tag, again.tag),
		     "%s -> %s -> %s/%s:%s", image, name, again.registry, again.repo, again.tag);
	image_ref_api_host(&ref);
}

/* The agent: an assignment value from assign/<node>/<task-id>, then each
 * container's image. */
static void agent_assignment(const char *text)
{
	struct sk_err err = {0};
	struct assignment *as = NULL;
	int rc = assign_parse(text, "t-1", &as, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	for (size_t i = 0; rc == 0 && i < as->td->n_containers; i++)
		if (as->td->containers[i].image)
			image_reference(as->td->containers[i].image);
	assign_free(as);
}

/* The same definition as the scheduler assigns it. */
static void agent_wrapped(const char *text)
{
	size_t n = strlen(text) + 80;
	char *a = malloc(n);
	FUZZ_REQUIRE(a, "malloc");
	snprintf(a, n, "{\"task\":\"t-1\",\"desiredStatus\":\"RUNNING\",\"taskDefinition\":%s}",
		 text);
	agent_assignment(a);
	free(a);
}

static void (*const consumers[])(const char *text) = {
    registration,
    agent_assignment,
    agent_wrapped,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_text(data, len);
	for (size_t i = 0; i < sizeof consumers / sizeof consumers[0]; i++)
		consumers[i](text);
	free(text);
	return 0;
}
