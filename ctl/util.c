/* Small helpers of the command layer: time, ids, JSON files and records. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "cli.h"
#include "hex.h"

#define MAX_JSON_FILE (1 << 20)

void ctl_random_id(char *buf, size_t size)
{
	unsigned char r[16] = {0};
	SK_AUTOCLOSE int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		srand((unsigned)(ts.tv_nsec ^ getpid()));
		for (size_t i = 0; i < sizeof r; i++)
			r[i] = (unsigned char)rand();
	}
	char hex[2 * sizeof r + 1];
	sk_hex(r, sizeof r, hex);
	snprintf(buf, size, "%s", hex);
}

int ctl_name_chars_ok(const char *s, size_t max)
{
	if (!*s || strlen(s) > max)
		return 0;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return 0;
	return 1;
}

int ctl_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int ctl_usage_error(struct sk_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->errnum = 0;
	return sk_class(err, SK_ERR_USAGE);
}

int ctl_usage_printed(struct sk_err *err)
{
	err->msg[0] = '\0';
	err->errnum = 0;
	return sk_class(err, SK_ERR_USAGE);
}

int ctl_read_json_file(const char *path, cJSON **out, struct sk_err *err)
{
	SK_AUTOFREE char *buf = NULL;
	if (sk_read_file(path, MAX_JSON_FILE, &buf, NULL, err) < 0)
		return err->errnum == ENOENT || !err->errnum ? sk_class(err, SK_ERR_USAGE) : -1;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(buf, &end, 1);
	if (!j) {
		int line = 1;
		for (const char *p = buf; end && p < end; p++)
			line += *p == '\n';
		return ctl_usage_error(err, "%s:%d: not valid JSON", path, line);
	}
	*out = j;
	return 0;
}

const char *ctl_key(const struct ctl *c, char *buf, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(c->prefix);
	memcpy(buf, c->prefix, n + 1);
	va_start(ap, fmt);
	vsnprintf(buf + n, KEY_MAX - n, fmt, ap);
	va_end(ap);
	return buf;
}

int ctl_get_json(struct ctl *c, const char *key, cJSON **out, int64_t *mod_rev, struct sk_err *err)
{
	struct etcd_kv kv;
	int rc = etcd_get(c->etcd, key, &kv, NULL, err);
	if (rc <= 0)
		return rc;
	*out = cJSON_Parse(kv.value);
	if (mod_rev)
		*mod_rev = kv.mod_revision;
	etcd_kv_clear(&kv);
	if (!*out)
		return sk_fail(err, 0, "%s: stored value is not JSON", key);
	return 1;
}

int ctl_put_json(struct ctl *c, const char *key, const cJSON *value, struct sk_err *err)
{
	SK_AUTOFREE char *s = cJSON_PrintUnformatted(value);
	if (!s)
		return sk_fail(err, ENOMEM, "%s", key);
	return etcd_put(c->etcd, key, s, strlen(s), 0, NULL, NULL, err);
}

void ctl_print_json(const cJSON *j)
{
	char *s = cJSON_Print(j);
	if (s)
		puts(s);
	free(s);
}

void ctl_print_list(const struct ctl *c, cJSON *arr, struct table *t)
{
	if (c->json)
		ctl_print_json(arr);
	else
		table_print(t, stdout);
	cJSON_Delete(arr);
	table_free(t);
}
