/* Checking a join answer field by field (see join_answer.h). */
#include "join_answer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "join_seal.h"

/* Printable ASCII only: these go to files read line by line and to the log. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* S cut to CAP - 1 bytes, each unprintable one as '?': the writer's text
 * in our messages and log. */
static const char *shown(const char *s, char *buf, size_t cap)
{
	size_t i = 0;
	for (; s[i] && i < cap - 1; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* A string field that fits CAP (with its NUL), printable unless PEM. */
static const char *text_field(const cJSON *j, const char *name, size_t cap, int pem,
			      struct sk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	if (!cJSON_IsString(v) || !v->valuestring[0]) {
		sk_fail(err, 0, "join answer: %s: expected a string", name);
		return NULL;
	}
	size_t n = strlen(v->valuestring);
	if (n >= cap) {
		sk_fail(err, 0, "join answer: %s: longer than %zu bytes", name, cap - 1);
		return NULL;
	}
	if (pem ? strncmp(v->valuestring, "-----BEGIN CERTIFICATE-----", 27) != 0
		: !printable(v->valuestring)) {
		sk_fail(err, 0, "join answer: %s: %s", name,
			pem ? "not a PEM certificate" : "holds a control character");
		return NULL;
	}
	return v->valuestring;
}

static int parse_labels(const cJSON *l, struct join_answer *a, struct sk_err *err)
{
	const cJSON *e;
	char key[64];
	if (!l)
		return 0;
	if (!cJSON_IsObject(l))
		return sk_fail(err, 0, "join answer: labels: expected an object");
	cJSON_ArrayForEach(e, l)
	{
		const char *k = e->string;
		if (a->n_labels == AGENT_MAX_LABELS)
			return sk_fail(err, 0, "join answer: labels: more than %d",
				       AGENT_MAX_LABELS);
		if (!cJSON_IsString(e) || !*k || strlen(k) >= sizeof a->labels[0].key ||
		    strlen(e->valuestring) >= sizeof a->labels[0].value || strchr(k, '=') ||
		    !printable(k) || !printable(e->valuestring))
			return sk_fail(err, 0, "join answer: labels.%s: not a label",
				       shown(k, key, sizeof key));
		snprintf(a->labels[a->n_labels].key, sizeof a->labels[0].key, "%s", k);
		snprintf(a->labels[a->n_labels].value, sizeof a->labels[0].value, "%s",
			 e->valuestring);
		a->n_labels++;
	}
	return 0;
}

int join_answer_parse(const char *plain, struct join_answer *a, struct sk_err *err)
{
	memset(a, 0, sizeof *a);
	cJSON *j = cJSON_Parse(plain);
	const char *user, *pw, *cert, *ca;
	int rc = -1;
	if (!cJSON_IsObject(j))
		sk_fail(err, 0, "join answer: not a JSON object");
	else if ((user = text_field(j, "user", sizeof a->user, 0, err)) &&
		 (pw = text_field(j, "password", sizeof a->password, 0, err)) &&
		 (cert = text_field(j, "cert", JOIN_ANSWER_PEM_MAX, 1, err)) &&
		 (ca = text_field(j, "ca", JOIN_ANSWER_PEM_MAX, 1, err)) &&
		 parse_labels(cJSON_GetObjectItemCaseSensitive(j, "labels"), a, err) == 0) {
		snprintf(a->user, sizeof a->user, "%s", user);
		snprintf(a->password, sizeof a->password, "%s", pw);
		if (!(a->cert = strdup(cert)) || !(a->ca = strdup(ca)))
			sk_fail(err, ENOMEM, "join answer");
		else
			rc = 0;
	}
	cJSON_Delete(j);
	if (rc < 0)
		join_answer_clear(a);
	return rc;
}

/* The refusal's reason, cut to printable text for the log. */
static int refused(const char *answer, struct sk_err *err)
{
	cJSON *j = cJSON_Parse(answer);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "refused");
	int is = cJSON_IsString(v);
	if (is) {
		char why[201];
		sk_fail(err, 0, "join refused: %s",
			v->valuestring[0] ? shown(v->valuestring, why, sizeof why)
					  : "(no reason given)");
	}
	cJSON_Delete(j);
	return is;
}

int join_answer_read(const struct x509_key *k, const char *aad, const char *answer,
		     struct join_answer *a, struct sk_err *err)
{
	char *plain = NULL;
	size_t len;
	memset(a, 0, sizeof *a);
	if (refused(answer, err) || join_open(k, aad, answer, &plain, &len, err) < 0)
		return -1;
	int rc = join_answer_parse(plain, a, err);
	explicit_bzero(plain, len);
	free(plain);
	return rc;
}

void join_answer_clear(struct join_answer *a)
{
	free(a->cert);
	free(a->ca);
	explicit_bzero(a, sizeof *a);
}
