/* The answer to a join request as the agent reads it (agent/join_answer.c,
 * lib/join_seal.c): only the approver may write joinanswers/ (the token's
 * join user only reads it), but the agent still takes what it reads there
 * as outside input: in clear (a refusal) or sealed to the node's public
 * key, which is no secret. Byte
 * 0's low bit: 0, the rest is the answer as stored (envelope, refusal);
 * 1, the rest is an answer's plain JSON, which the harness seals to the
 * node's key as an approver would, so the fuzzer reaches the fields. What
 * is accepted goes to files read line by line and to the log: printable,
 * bounded, PEM where a certificate is expected; an opened answer must
 * give what reading its plain text gives; a refusal is printable. */
#include "agent/join_answer.h"
#include "fuzz.h"
#include "join_seal.h"

#define AAD "abcdef/node-1"

static void check_printable(const char *s, const char *what)
{
	for (; *s; s++)
		FUZZ_REQUIRE((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f,
			     "%s holds 0x%02x", what, (unsigned char)*s);
}

static void check_answer(const struct join_answer *a)
{
	FUZZ_REQUIRE(a->user[0] && a->password[0], "empty user or password accepted");
	check_printable(a->user, "user");
	check_printable(a->password, "password");
	FUZZ_REQUIRE(!strncmp(a->cert, "-----BEGIN CERTIFICATE-----", 27) &&
			 !strncmp(a->ca, "-----BEGIN CERTIFICATE-----", 27),
		     "cert or ca is not PEM");
	FUZZ_REQUIRE(a->n_labels <= AGENT_MAX_LABELS, "%zu labels", a->n_labels);
	for (size_t i = 0; i < a->n_labels; i++) {
		FUZZ_REQUIRE(a->labels[i].key[0] && !strchr(a->labels[i].key, '='),
			     "label key \"%s\"", a->labels[i].key);
		check_printable(a->labels[i].key, "label key");
		check_printable(a->labels[i].value, "label value");
	}
}

static const struct x509_key *node_key(void)
{
	static struct x509_key k;
	static int made;
	struct sk_err err = {0};
	if (!made)
		FUZZ_REQUIRE(x509_key_generate(&k, &err) == 0, "key: %s", err.msg);
	made = 1;
	return &k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1)
		return 0;
	const struct x509_key *k = node_key();
	char *text = fuzz_text(data + 1, len - 1), *answer = text;
	struct join_answer a, b;
	struct sk_err err = {0}, err2 = {0};
	int direct = 0;
	if (data[0] & 1) {
		unsigned char pub[JOIN_PUBKEY_LEN];
		memcpy(pub, k->pk.q, sizeof pub);
		FUZZ_REQUIRE(join_seal(pub, AAD, text, strlen(text), &answer, &err) == 0,
			     "seal: %s", err.msg);
		direct = join_answer_parse(text, &b, &err2);
		FUZZ_REQUIRE_MESSAGE(direct, &err2);
	}
	int rc = join_answer_read(k, AAD, answer, &a, &err);
	FUZZ_REQUIRE_MESSAGE(rc, &err);
	if (rc < 0)
		check_printable(err.msg, "error");
	else
		check_answer(&a);
	if (data[0] & 1) {
		FUZZ_REQUIRE(rc == direct, "sealed: %d, plain: %d (%s)", rc, direct, err.msg);
		if (rc == 0) {
			FUZZ_REQUIRE(!strcmp(a.user, b.user) && !strcmp(a.password, b.password) &&
					 !strcmp(a.cert, b.cert) && !strcmp(a.ca, b.ca) &&
					 a.n_labels == b.n_labels,
				     "sealed and plain answers differ");
			join_answer_clear(&b);
			/* bound to its request: another node's AAD does not open it */
			struct join_answer c;
			FUZZ_REQUIRE(join_answer_read(k, "abcdef/node-2", answer, &c, &err) < 0,
				     "opened with another request's AAD");
		}
		free(answer);
	}
	if (rc == 0)
		join_answer_clear(&a);
	free(text);
	return 0;
}
