/* Shared by the update files: the kept state (update_state.c), the
 * download and checks in the worker (update_fetch.c), the disk and the
 * ESP (update_disk.c); update.c drives them from the agent loop. */
#ifndef AGENT_UPDATE_INTERNAL_H
#define AGENT_UPDATE_INTERNAL_H

#include <stdint.h>

#include "agent_config.h"
#include "err.h"
#include "update_manifest.h"

#define UPDATE_KEY_PATH	  "/etc/skiff/update.pub"
#define UPDATE_BOOT_PATH  "/run/skiff/boot"
#define UPDATE_OSREL_PATH "/etc/os-release"
#define UPDATE_ESP_MOUNT  "/run/skiff/esp"

/* Where an update stands (the node record's os.update). */
struct update_status {
	char image[512];
	char rollout[128];
	char target[UPDATE_VERSION_MAX + 1];
	char slot[2];			   /* the slot written ("a" or "b") */
	char from[UPDATE_VERSION_MAX + 1]; /* the version it updates */
	char boot_id[40];		   /* the boot that asked for the reboot */
	char state[16];
	char reason[512];
	char at[40];
};

/* This boot: what init chose (/run/skiff/boot) and /etc/os-release. */
struct update_boot {
	char slot[2];			      /* "": not a disk boot */
	char version[UPDATE_VERSION_MAX + 1]; /* "": unknown */
};

/* The trial file init's watchdog reads: version=, slot=, deadline_s=. */
struct update_trial {
	char version[UPDATE_VERSION_MAX + 1];
	char slot[2];
	int deadline_s;
};

/* Kept across reboots in <data>/update/state.json. */
struct update_kept {
	char previous[UPDATE_VERSION_MAX + 1];
	int has_update;
	struct update_status u;
};

/* update_state.c */
void update_paths_init(const struct agent_config *cfg);
const char *update_dir(void); /* <data>/update */
const char *update_path(const char *name, char *buf, size_t size);
void update_boot_read(struct update_boot *b);
int update_kept_read(struct update_kept *k);
int update_kept_write(const struct update_kept *k, struct sk_err *err);
/* 1 and TRIAL filled when the trial file exists. */
int update_trial_read(struct update_trial *t);
int update_trial_write(const struct update_trial *t, struct sk_err *err);
/* The first line of trial.reason, "" when absent. */
void update_trial_reason(char *buf, size_t size);
void update_trial_remove(void);
/* The "os" object of the node record. */
cJSON *update_os_object(const struct update_boot *b, const struct update_kept *k);

/* update_disk.c: the boot disk's partitions by GPT name, and the ESP. */
struct update_disk {
	char root[2][64]; /* /dev paths of root-a and root-b */
	char esp[64];
	uint64_t root_size[2];
};
int update_disk_find(struct update_disk *d, struct sk_err *err);
/* Bytes free on the ESP for SLOT's UKI (its old one counts as free). */
int update_esp_room(const struct update_disk *d, const char *slot, uint64_t *out,
		    struct sk_err *err);
/* Removes every UKI of SLOT from the ESP. */
int update_esp_remove(const struct update_disk *d, const char *slot, struct sk_err *err);
/* Writes the UKI at PATH as SLOT's entry on trial (skiff-SLOT+1-0.efi). */
int update_esp_write(const struct update_disk *d, const char *slot, const char *path,
		     struct sk_err *err);
/* Marks SLOT's entry good: renames skiff-SLOT+N-M.efi to skiff-SLOT.efi. */
int update_esp_mark_good(const struct update_disk *d, const char *slot, struct sk_err *err);
/* Writes the file at PATH to the start of DEV, syncs, and reads it back
 * from the device to compare its SHA-256 with DIGEST. */
int update_slot_write(const char *dev, const char *path, uint64_t size, const char *digest,
		      struct sk_err *err);

/* update_fetch.c: the worker. Reports on FD one line per step
 * ("target VERSION SLOT", "writing", "written") and ends with "refused
 * REASON" or "failed REASON"; never returns. */
struct update_job {
	const struct agent_config *cfg;
	char image[512];
	char running[UPDATE_VERSION_MAX + 1];
	char slot[2]; /* the inactive slot, to write */
};
void update_worker(const struct update_job *job, int fd) __attribute__((noreturn));

#endif
