/* lib/json_get.c: the array-to-allocated-array helper, the lenient record
 * getters and the JSON file writer. */
#include "check.h"
#include "cleanup.h"
#include "file.h"
#include "json_get.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct pair {
	char *name;
	int64_t n;
};

static int parse_pair(const cJSON *it, const char *path, void *out, struct sk_err *err)
{
	struct pair *p = out;
	const char *name = NULL;

	if (!cJSON_IsObject(it))
		return sk_fail(err, 0, "%s: expected an object", path);
	if (json_string(it, "name", path, &name, err) < 0 ||
	    json_int(it, "n", path, 0, 9, &p->n, err) < 0)
		return -1;
	p->name = name ? strdup(name) : NULL;
	return 0;
}

static void free_pairs(struct pair *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

TEST(array_parse_fills_and_terminates)
{
	cJSON *j =
	    cJSON_Parse("{\"a\":{\"list\":[{\"name\":\"x\",\"n\":1},{\"name\":\"y\",\"n\":2}]}}");
	struct pair *v = NULL;
	int n = 0;
	struct sk_err err = {0};

	CHECK(json_array_parse(cJSON_GetObjectItem(j, "a"), "list", "a", sizeof *v, parse_pair,
			       (void **)&v, &n, &err) == 0);
	CHECK(n == 2);
	CHECK_STREQ(v[0].name, "x");
	CHECK(v[1].n == 2);
	CHECK(v[2].name == NULL && v[2].n == 0);
	free_pairs(v, n);
	cJSON_Delete(j);
}

TEST(array_parse_names_the_element)
{
	cJSON *j = cJSON_Parse("{\"list\":[{\"name\":\"x\",\"n\":1},{\"name\":\"y\",\"n\":12}]}");
	struct pair *v = NULL;
	int n = 0;
	struct sk_err err = {0};

	CHECK(json_array_parse(j, "list", "", sizeof *v, parse_pair, (void **)&v, &n, &err) == -1);
	CHECK_STREQ(err.msg, "list[1].n: 12 out of range 0..9");
	/* The failing element counts: the caller frees what it may hold. */
	CHECK(n == 2);
	free_pairs(v, n);
	cJSON_Delete(j);
}

TEST(array_parse_absent_and_wrong_type)
{
	cJSON *j = cJSON_Parse("{\"list\":null,\"other\":{}}");
	struct pair *v = NULL;
	int n = 0;
	struct sk_err err = {0};

	CHECK(json_array_parse(j, "list", "x", sizeof *v, parse_pair, (void **)&v, &n, &err) == 0);
	CHECK(v == NULL && n == 0);
	CHECK(json_array_parse(j, "other", "x", sizeof *v, parse_pair, (void **)&v, &n, &err) ==
	      -1);
	CHECK_STREQ(err.msg, "x.other: expected an array");
	cJSON_Delete(j);
}

TEST(record_getters_are_lenient)
{
	cJSON *j = cJSON_Parse("{\"s\":\"v\",\"n\":7,\"ns\":\"42\",\"b\":true}");

	CHECK_STREQ(json_record_str(j, "s"), "v");
	CHECK_STREQ(json_record_str(j, "n"), "");
	CHECK_STREQ(json_record_str(j, "absent"), "");
	CHECK(json_record_int(j, "n", -1) == 7);
	CHECK(json_record_int(j, "ns", -1) == 42);
	CHECK(json_record_int(j, "b", -1) == -1);
	CHECK(json_record_int(j, "absent", 5) == 5);
	cJSON_Delete(j);
}

TEST(write_file_is_indented_json_with_a_newline)
{
	char path[] = "/tmp/test_lib_json.XXXXXX";
	SK_AUTOFREE char *text = NULL;
	size_t len = 0;
	struct sk_err err = {0};
	int fd = mkstemp(path);
	cJSON *j = cJSON_Parse("{\"a\":1}");

	CHECK(fd >= 0);
	close(fd);
	CHECK(json_write_file(path, j, &err) == 0);
	CHECK(sk_read_file(path, 1000, &text, &len, &err) == 0);
	CHECK_STREQ(text, "{\n\t\"a\":\t1\n}\n");
	unlink(path);
	cJSON_Delete(j);
}

int main(void)
{
	RUN(array_parse_fills_and_terminates);
	RUN(array_parse_names_the_element);
	RUN(array_parse_absent_and_wrong_type);
	RUN(record_getters_are_lenient);
	RUN(write_file_is_indented_json_with_a_newline);
	return check_summary();
}
