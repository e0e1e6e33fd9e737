/* What the node keeps about OS updates, as files: this boot as init
 * describes it (/run/skiff/boot) and /etc/os-release, the update state
 * kept across reboots (<data>/update/state.json), the trial file init's
 * watchdog reads and its reason file, and the node record's "os" object
 * made from them. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "file.h"
#include "json_get.h"
#include "mkdir_p.h"
#include "update_internal.h"

static char dir[300];

void update_paths_init(const struct agent_config *cfg)
{
	snprintf(dir, sizeof dir, "%s/update", cfg->data_dir);
}

const char *update_dir(void)
{
	return dir;
}

const char *update_path(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", dir, name);
	return buf;
}

/* The value of KEY= in TEXT's lines, quotes removed, into OUT. */
static void line_value(const char *text, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		const char *v = p + klen + 1;
		size_t n = strcspn(v, "\n");
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
			v++, n -= 2;
		snprintf(out, size, "%.*s", (int)n, v);
		return;
	}
}

static void keyvalue_file(const char *path, const char *key, char *out, size_t size)
{
	SK_AUTOFREE char *text = NULL;
	struct sk_err err = {0};

	out[0] = '\0';
	if (sk_read_file(path, 64 << 10, &text, NULL, &err) == 0)
		line_value(text, key, out, size);
}

void update_boot_read(struct update_boot *b)
{
	keyvalue_file(UPDATE_BOOT_PATH, "slot", b->slot, sizeof b->slot);
	if (strcmp(b->slot, "a") && strcmp(b->slot, "b"))
		b->slot[0] = '\0';
	keyvalue_file(UPDATE_OSREL_PATH, "VERSION_ID", b->version, sizeof b->version);
	if (!update_version_valid(b->version))
		b->version[0] = '\0';
}

static void status_read(const cJSON *u, struct update_status *s)
{
	snprintf(s->image, sizeof s->image, "%s", json_record_str(u, "image"));
	snprintf(s->rollout, sizeof s->rollout, "%s", json_record_str(u, "rollout"));
	snprintf(s->target, sizeof s->target, "%s", json_record_str(u, "target"));
	snprintf(s->slot, sizeof s->slot, "%s", json_record_str(u, "slot"));
	snprintf(s->from, sizeof s->from, "%s", json_record_str(u, "from"));
	snprintf(s->boot_id, sizeof s->boot_id, "%s", json_record_str(u, "boot_id"));
	snprintf(s->state, sizeof s->state, "%s", json_record_str(u, "state"));
	snprintf(s->reason, sizeof s->reason, "%s", json_record_str(u, "reason"));
	snprintf(s->at, sizeof s->at, "%s", json_record_str(u, "at"));
}

int update_kept_read(struct update_kept *k)
{
	SK_AUTOFREE char *text = NULL;
	struct sk_err err = {0};
	char path[400];
	cJSON *root, *u;

	memset(k, 0, sizeof *k);
	if (sk_read_file(update_path("state.json", path, sizeof path), 64 << 10, &text, NULL,
			 &err) < 0)
		return err.errnum == ENOENT ? 0 : -1;
	if (!(root = cJSON_Parse(text)))
		return -1;
	snprintf(k->previous, sizeof k->previous, "%s", json_record_str(root, "previous"));
	if ((u = cJSON_GetObjectItemCaseSensitive(root, "update")) && cJSON_IsObject(u)) {
		k->has_update = 1;
		status_read(u, &k->u);
	}
	cJSON_Delete(root);
	return 0;
}

static void add_nonempty(cJSON *o, const char *key, const char *value)
{
	if (value[0])
		cJSON_AddStringToObject(o, key, value);
}

static cJSON *status_object(const struct update_status *s)
{
	cJSON *u = cJSON_CreateObject();

	cJSON_AddStringToObject(u, "image", s->image);
	cJSON_AddStringToObject(u, "rollout", s->rollout);
	add_nonempty(u, "target", s->target);
	cJSON_AddStringToObject(u, "state", s->state);
	add_nonempty(u, "reason", s->reason);
	cJSON_AddStringToObject(u, "at", s->at);
	return u;
}

/* The data partition to disk, state.json's rename with it. The state must
 * outlive a power loss: ext4 commits every 5 s, and an update that was
 * "writing" when the power went would come back "downloading" and begin
 * again instead of being reported failed. */
static int sync_data(struct sk_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd < 0 || syncfs(fd) < 0 ? sk_fail(err, errno, "sync %s", dir) : 0;

	if (fd >= 0)
		close(fd);
	return rc;
}

int update_kept_write(const struct update_kept *k, struct sk_err *err)
{
	cJSON *root = cJSON_CreateObject();
	char path[400];
	int rc;

	if (sk_mkdir_p(dir, 0700, err) < 0)
		return -1;
	add_nonempty(root, "previous", k->previous);
	if (k->has_update) {
		cJSON *u = status_object(&k->u);
		add_nonempty(u, "slot", k->u.slot);
		add_nonempty(u, "from", k->u.from);
		add_nonempty(u, "boot_id", k->u.boot_id);
		cJSON_AddItemToObject(root, "update", u);
	}
	rc = json_write_file(update_path("state.json", path, sizeof path), root, err);
	cJSON_Delete(root);
	return rc < 0 ? -1 : sync_data(err);
}

int update_trial_read(struct update_trial *t)
{
	SK_AUTOFREE char *text = NULL;
	struct sk_err err = {0};
	char path[400], num[16] = "";

	memset(t, 0, sizeof *t);
	if (sk_read_file(update_path("trial", path, sizeof path), 4096, &text, NULL, &err) < 0)
		return 0;
	line_value(text, "version", t->version, sizeof t->version);
	line_value(text, "slot", t->slot, sizeof t->slot);
	line_value(text, "deadline_s", num, sizeof num);
	t->deadline_s = atoi(num);
	return 1;
}

int update_trial_write(const struct update_trial *t, struct sk_err *err)
{
	char path[400], text[128];
	int n = snprintf(text, sizeof text, "version=%s\nslot=%s\ndeadline_s=%d\n", t->version,
			 t->slot, t->deadline_s);
	char reason[400];

	unlink(update_path("trial.reason", reason, sizeof reason));
	/* durable: the file must survive the reboot that follows */
	return sk_write_durable(update_path("trial", path, sizeof path), text, (size_t)n, err);
}

void update_trial_reason(char *buf, size_t size)
{
	SK_AUTOFREE char *text = NULL;
	struct sk_err err = {0};
	char path[400];

	buf[0] = '\0';
	if (sk_read_file(update_path("trial.reason", path, sizeof path), 4096, &text, NULL, &err) ==
	    0)
		snprintf(buf, size, "%.*s", (int)strcspn(text, "\n"), text);
}

void update_trial_remove(void)
{
	char path[400];

	unlink(update_path("trial", path, sizeof path));
	unlink(update_path("trial.reason", path, sizeof path));
	sync();
}

cJSON *update_os_object(const struct update_boot *b, const struct update_kept *k)
{
	cJSON *os;

	if (!b->version[0] && !b->slot[0])
		return NULL;
	os = cJSON_CreateObject();
	cJSON_AddStringToObject(os, "version", b->version[0] ? b->version : "0");
	add_nonempty(os, "slot", b->slot);
	add_nonempty(os, "previous", k->previous);
	if (k->has_update)
		cJSON_AddItemToObject(os, "update", status_object(&k->u));
	return os;
}
