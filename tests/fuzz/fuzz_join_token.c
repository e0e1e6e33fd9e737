/* A bootstrap token's text (lib/join_token.c) as the agent takes it from
 * the kernel command line (agent/join.c, skiff.join_token=) and skiffctl
 * from its own: the input is /proc/cmdline. An accepted token is 6 and 16
 * of [a-z0-9] and reads back as itself; a refused one says why without
 * echoing the secret. The whole input is tried as a token too. */
#include "agent/agent.h"
#include "agent/agent_config.h"
#include "fuzz.h"
#include "join_token.h"

static void check(const char *token)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char id[TOKEN_ID_LEN + 1], secret[TOKEN_SECRET_LEN + 1];
	struct sk_err err = {0};
	int rc = token_parse(token, id, secret, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc == 0) {
		char again[TOKEN_LEN + 1];
		FUZZ_REQUIRE(strlen(id) == TOKEN_ID_LEN && strspn(id, alnum) == TOKEN_ID_LEN,
			     "id \"%s\"", id);
		FUZZ_REQUIRE(strlen(secret) == TOKEN_SECRET_LEN &&
				 strspn(secret, alnum) == TOKEN_SECRET_LEN,
			     "secret of %zu characters", strlen(secret));
		snprintf(again, sizeof again, "%s.%s", id, secret);
		FUZZ_REQUIRE(!strcmp(again, token), "token does not read back");
		return;
	}
	FUZZ_REQUIRE(err.cls == SK_ERR_USAGE, "refused as class %d", err.cls);
	/* the secret's part (what follows the first '.') never reaches the message */
	const char *dot = strchr(token, '.');
	if (dot && strlen(dot + 1) >= 6)
		FUZZ_REQUIRE(!strstr(err.msg, dot + 1), "message echoes the secret: %s", err.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_text(data, len);
	static struct agent_config cfg;
	memset(cfg.join_token, 0, sizeof cfg.join_token);
	agent_join_token_from_text(&cfg, text);
	FUZZ_REQUIRE(memchr(cfg.join_token, 0, sizeof cfg.join_token), "token not terminated");
	if (cfg.join_token[0])
		check(cfg.join_token);
	check(text);
	free(text);
	return 0;
}
