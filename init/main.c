/* skiff-init: PID 1 of a Skiff node. Boots, then supervises until a
 * shutdown request powers the machine off or reboots it; never exits. */
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "boot.h"
#include "err.h"
#include "log.h"
#include "loop.h"
#include "node/roles.h"
#include "version.h"

static struct node_config cfg;

/* Outside PID 1 only: as PID 1, argv holds kernel command-line words. */
static int not_pid1(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("skiff-init %s\n", SKIFF_VERSION);
		return 0;
	}
	if (sk_args_help(argc, argv, 1, 0)) {
		printf(
		    "usage: skiff-init   (as PID 1: /sbin/init of a Skiff image)\n"
		    "Mounts the system, loads the image's modules, sets up the network,\n"
		    "supervises the services in /etc/skiff/node.json and shuts down in\n"
		    "order on SIGTERM/SIGUSR2 (power off), SIGINT (reboot) or the power\n"
		    "button. Kernel command-line keys: skiff.hostname, skiff.debug,\n"
		    "skiff.modules, skiff.grace_ms, skiff.service.NAME=off, skiff.fatal=reboot,\n"
		    "ip=, skiff.net.*; a disk boot: skiff.root=slot|PARTUUID=..., skiff.verity=,\n"
		    "skiff.data= (docs/disk.md)\n");
		return 0;
	}
	sk_print_fatalf("must run as PID 1 (it mounts, kills and reboots)");
	return SK_EXIT_USAGE;
}

int init_main(int argc, char **argv)
{
	struct sk_err err = {0};

	sk_progname = "skiff-init";
	if (getpid() != 1)
		return not_pid1(argc, argv);
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
