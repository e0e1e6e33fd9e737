/* The image spec (imagegen/spec.c + yaml_walk.c): the YAML file an
 * operator hands skiff-imagegen. Errors must name the file and line. A
 * spec that parses becomes node.json (imagegen/node_json.c), which the
 * node reads at boot: skiff-init must accept whatever imagegen wrote, and
 * netcfg and the agent must read its "network" and "cluster" objects
 * (free-form in the spec) without crashing. */
#include "fuzz.h"
#include "agent/agent_config.h"
#include "imagegen/node_json.h"
#include "imagegen/spec.h"
#include "init/init_config.h"
#include "netcfg/netcfg.h"

#define NAME "spec.yaml"

static void quiet(void *ctx, const char *msg)
{
}

static void boot_reads(const char *text, size_t len)
{
	static struct node_config init;
	static struct netcfg_config net;
	static struct agent_config agent;
	struct netcfg_opts opts = {.report = quiet, .log = quiet};
	struct sk_err err = {0};
	config_defaults(&init);
	FUZZ_REQUIRE(config_parse(&init, "node.json", text, len, &err) == 0,
		     "skiff-init refuses imagegen's node.json: %s\n%s", err.msg, text);
	FUZZ_REQUIRE(netcfg_config_parse(text, &net, &opts, &err) >= 0, "netcfg: %s", err.msg);
	agent_config_defaults(&agent);
	int rc = agent_config_parse(&agent, "node.json", text, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sk_err err = {0};
	struct spec s;
	/* spec_load hands the parser the file's bytes with a NUL after them */
	char *text = fuzz_text(data, len);
	int rc = spec_parse(NAME, text, len, &s, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	FUZZ_REQUIRE(rc == 0 || strncmp(err.msg, NAME ":", sizeof NAME) == 0,
		     "error does not name the file: %s", err.msg);
	if (rc == 0) {
		char *json = NULL;
		size_t json_len = 0;
		/* the build resolves kernel.version to an installed kernel first */
		FUZZ_REQUIRE(node_json_render(&s, "6.1.0-56-cloud-amd64", &json, &json_len, &err) ==
				 0,
			     "node.json: %s", err.msg);
		boot_reads(json, json_len);
		free(json);
	}
	spec_free(&s);
	free(text);
	return 0;
}
