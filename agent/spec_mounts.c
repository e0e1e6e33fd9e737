/* The mounts of a task's container: its volumes (and another container's,
 * volumesFrom), tmpfs, /dev/shm (sized, shared with the task, or none),
 * /etc/hosts, /etc/resolv.conf and the init of initProcessEnabled; a
 * privileged container gets /sys and its cgroup writable. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "spec_edit.h"
#include "spec_json.h"

static cJSON *mount_entry(const char *dest, const char *type, const char *src)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "destination", dest);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	cJSON_AddArrayToObject(m, "options");
	return m;
}

static void add_option(cJSON *m, const char *opt)
{
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(m, "options"),
			     cJSON_CreateString(opt));
}

/* Replaces whatever is mounted at DEST (a bind for /etc/hosts, ...). */
static void add_bind(cJSON *mounts, const char *src, const char *dest, int read_only)
{
	cJSON *m = mount_entry(dest, "bind", src);

	spec_remove_where(mounts, "destination", dest);
	add_option(m, "rbind");
	add_option(m, read_only ? "ro" : "rw");
	cJSON_AddItemToArray(mounts, m);
}

static cJSON *mount_at(cJSON *mounts, const char *dest)
{
	cJSON *m;

	cJSON_ArrayForEach(m, mounts)
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(m, "destination");
		if (cJSON_IsString(d) && !strcmp(d->valuestring, dest))
			return m;
	}
	return NULL;
}

/* Options of the mount at DEST without those starting with PREFIX. */
static void drop_option(cJSON *mounts, const char *dest, const char *prefix)
{
	cJSON *opts = cJSON_GetObjectItemCaseSensitive(mount_at(mounts, dest), "options"), *o,
	      *next;

	for (o = opts ? opts->child : NULL; o; o = next) {
		next = o->next;
		if (cJSON_IsString(o) && !strncmp(o->valuestring, prefix, strlen(prefix)))
			cJSON_Delete(cJSON_DetachItemViaPointer(opts, o));
	}
}

static void add_tmpfs(cJSON *mounts, const struct td_tmpfs *t)
{
	cJSON *m = mount_entry(t->container_path, "tmpfs", "tmpfs");
	char size[40];

	spec_remove_where(mounts, "destination", t->container_path);
	for (size_t i = 0; i < t->n_mount_options; i++)
		if (strcmp(t->mount_options[i], "defaults"))
			add_option(m, t->mount_options[i]);
	snprintf(size, sizeof size, "size=%lldm", (long long)t->size);
	add_option(m, size);
	cJSON_AddItemToArray(mounts, m);
}

/* /dev/shm: the task's (ipcMode task), none (ipcMode none), or sized. */
static void edit_shm(cJSON *mounts, const struct spec_edit *ed)
{
	const struct td_linux_parameters *lp = ed->def->linux_parameters;
	char size[40];

	if (ed->td->ipc_mode == TD_NS_NONE) {
		spec_remove_where(mounts, "destination", "/dev/shm");
	} else if (ed->td->ipc_mode == TD_NS_TASK && ed->shm_dir) {
		add_bind(mounts, ed->shm_dir, "/dev/shm", 0);
	} else if (lp && lp->shared_memory_size != TD_UNSET && mount_at(mounts, "/dev/shm")) {
		drop_option(mounts, "/dev/shm", "size=");
		snprintf(size, sizeof size, "size=%lldm", (long long)lp->shared_memory_size);
		add_option(mount_at(mounts, "/dev/shm"), size);
	}
}

/* The init binary becomes PID 1 and runs the container's command. */
static void add_init(cJSON *root, cJSON *mounts, const struct spec_edit *ed)
{
	cJSON *args = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "process"), "args");

	if (!cJSON_IsArray(args))
		return;
	add_bind(mounts, ed->init_path, SPEC_INIT_PATH, 1);
	cJSON_InsertItemInArray(args, 0, cJSON_CreateString("--"));
	cJSON_InsertItemInArray(args, 0, cJSON_CreateString(SPEC_INIT_PATH));
}

int spec_edit_mounts(cJSON *root, const struct spec_edit *ed, struct sk_err *err)
{
	cJSON *mounts = spec_child_array(root, "mounts");
	const struct td_linux_parameters *lp = ed->def->linux_parameters;

	for (size_t i = 0; i < ed->n_mounts; i++)
		add_bind(mounts, ed->mounts[i].source, ed->mounts[i].destination,
			 ed->mounts[i].read_only);
	for (size_t i = 0; lp && i < lp->n_tmpfs; i++)
		add_tmpfs(mounts, &lp->tmpfs[i]);
	edit_shm(mounts, ed);
	if (ed->hosts_path)
		add_bind(mounts, ed->hosts_path, "/etc/hosts", 0);
	if (ed->resolv_path)
		add_bind(mounts, ed->resolv_path, "/etc/resolv.conf", 1);
	if (lp && lp->init_process_enabled == 1 && ed->init_path)
		add_init(root, mounts, ed);
	if (ed->def->privileged == 1) {
		drop_option(mounts, "/sys", "ro");
		drop_option(mounts, "/sys/fs/cgroup", "ro");
	}
	return 0;
}
