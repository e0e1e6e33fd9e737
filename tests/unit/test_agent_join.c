/* The join answer as the agent reads it (agent/join_answer.c): anyone
 * holding the token may write it, so every field is checked before it
 * reaches the identity files (read line by line) or the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/agent.h"
#include "../../agent/join_answer.h"
#include "../../lib/join_seal.h"
#include "check.h"

#define PEM "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"

static int parse(const char *plain, struct join_answer *a, struct sk_err *err)
{
	memset(err, 0, sizeof *err);
	return join_answer_parse(plain, a, err);
}

TEST(answer_fields_checked)
{
	struct join_answer a;
	struct sk_err err;

	CHECK(parse("{\"user\":\"skiff:c:node:n\",\"password\":\"pw\",\"cert\":\"" PEM
		    "\",\"ca\":\"" PEM "\",\"labels\":{\"zone\":\"a\"}}",
		    &a, &err) == 0);
	CHECK_STREQ(a.user, "skiff:c:node:n");
	CHECK_STREQ(a.password, "pw");
	CHECK(a.n_labels == 1);
	CHECK_STREQ(a.labels[0].key, "zone");
	CHECK_STREQ(a.labels[0].value, "a");
	join_answer_clear(&a);
	/* a newline would add lines (labels) to the files the agent reads back */
	CHECK(parse("{\"user\":\"u\",\"password\":\"p\\nq\",\"cert\":\"" PEM "\",\"ca\":\"" PEM
		    "\"}",
		    &a, &err) < 0);
	CHECK_STREQ(err.msg, "join answer: password: holds a control character");
	CHECK(parse("{\"user\":\"u\",\"password\":\"p\",\"cert\":\"" PEM "\",\"ca\":\"" PEM
		    "\",\"labels\":{\"zone\":\"a\\nrole=admin\"}}",
		    &a, &err) < 0);
	CHECK_STREQ(err.msg, "join answer: labels.zone: not a label");
	CHECK(parse("{\"user\":\"u\",\"password\":\"p\",\"cert\":\"" PEM "\",\"ca\":\"" PEM
		    "\",\"labels\":{\"a=b\":\"c\"}}",
		    &a, &err) < 0);
	CHECK_STREQ(err.msg, "join answer: labels.a=b: not a label");
	CHECK(parse("{\"user\":\"u\",\"password\":\"p\",\"cert\":\"" PEM "\",\"ca\":\"" PEM
		    "\",\"labels\":{\"\\u001b[2J\":\"c\"}}",
		    &a, &err) < 0);
	CHECK_STREQ(err.msg, "join answer: labels.?[2J: not a label"); /* never raw */
	CHECK(parse("{\"user\":\"u\",\"password\":\"p\",\"cert\":\"x\",\"ca\":\"" PEM "\"}", &a,
		    &err) < 0);
	CHECK_STREQ(err.msg, "join answer: cert: not a PEM certificate");
	CHECK(parse("{\"password\":\"p\"}", &a, &err) < 0);
	CHECK_STREQ(err.msg, "join answer: user: expected a string");
	CHECK(parse("[]", &a, &err) < 0);
	CHECK_STREQ(err.msg, "join answer: not a JSON object");
}

TEST(refusal_is_printable)
{
	struct x509_key k;
	struct join_answer a;
	struct sk_err err = {0};

	CHECK(x509_key_generate(&k, &err) == 0);
	CHECK(join_answer_read(&k, "t/n", "{\"refused\":\"token t expired\"}", &a, &err) < 0);
	CHECK_STREQ(err.msg, "join refused: token t expired");
	/* a terminal escape in the log would be the writer's, not ours */
	CHECK(join_answer_read(&k, "t/n", "{\"refused\":\"\\u001b[2Jgone\"}", &a, &err) < 0);
	CHECK_STREQ(err.msg, "join refused: ?[2Jgone");
	CHECK(join_answer_read(&k, "t/n", "{\"refused\":\"\"}", &a, &err) < 0);
	CHECK_STREQ(err.msg, "join refused: (no reason given)");
}

TEST(sealed_answer_opens)
{
	static const char plain[] =
	    "{\"user\":\"u\",\"password\":\"p\",\"cert\":\"" PEM "\",\"ca\":\"" PEM "\"}";
	struct x509_key k;
	struct join_answer a;
	struct sk_err err = {0};
	char *sealed = NULL;

	CHECK(x509_key_generate(&k, &err) == 0);
	CHECK(join_seal(k.pk.q, "t/n", plain, strlen(plain), &sealed, &err) == 0);
	CHECK(join_answer_read(&k, "t/n", sealed, &a, &err) == 0);
	CHECK_STREQ(a.user, "u");
	CHECK(strncmp(a.ca, "-----BEGIN CERTIFICATE-----", 27) == 0);
	join_answer_clear(&a);
	CHECK(join_answer_read(&k, "t/m", sealed, &a, &err) < 0);
	free(sealed);
}

TEST(token_from_kernel_command_line)
{
	struct agent_config cfg = {0};
	agent_join_token_from_text(&cfg,
				   "console=ttyS0 skiff.join_token=abcdef.0123456789abcdef q");
	CHECK_STREQ(cfg.join_token, "abcdef.0123456789abcdef");
	memset(&cfg, 0, sizeof cfg);
	agent_join_token_from_text(&cfg, "console=ttyS0 quiet");
	CHECK_STREQ(cfg.join_token, "");
}

int main(void)
{
	RUN(answer_fields_checked);
	RUN(refusal_is_printable);
	RUN(sealed_answer_opens);
	RUN(token_from_kernel_command_line);
	return check_summary();
}
