/* skiff-init: PID 1 of a Skiff node. Boots, then supervises until a
 * shutdown request powers the machine off or reboots it; never exits. */
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "err.h"
#include "log.h"
#include "loop.h"

static struct node_config cfg;

int main(void)
{
	struct sk_err err = {0};

	sk_progname = "skiff-init";
	if (getpid() != 1) {
		fprintf(stderr, "skiff-init: must run as PID 1 (it mounts, kills and reboots)\n");
		return SK_EXIT_USAGE;
	}
	umask(022);
	log_open_console();
	logmsg("skiff-init starting");
	/* Ctrl-alt-del then arrives as SIGINT instead of an instant reboot. */
	reboot(RB_DISABLE_CAD);
	loop_block_signals();
	config_defaults(&cfg);
	if (boot(&cfg, &err) < 0)
		boot_failed(&cfg, &err);
	loop_run(&cfg);
}
