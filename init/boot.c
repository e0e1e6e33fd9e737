/* The boot sequence (see boot.h). */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmdline.h"
#include "disk_boot.h"
#include "hostnet.h"
#include "network.h"
#include "log.h"
#include "loop.h"
#include "modules.h"
#include "mounts.h"
#include "shutdown.h"
#include "supervise.h"
#include "clock.h"

#define CMDLINE_MAX  4096
#define CMDLINE_ARGS 128

static char cmdline_buf[CMDLINE_MAX];
static struct cmdline_arg cmdline_args[CMDLINE_ARGS];
static size_t n_cmdline_args;

static void read_cmdline(void)
{
	SK_AUTOCLOSE int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, cmdline_buf, sizeof cmdline_buf - 1);

	if (n < 0) {
		logwarn("reading /proc/cmdline: %s", strerror(errno));
		n = 0;
	}
	cmdline_buf[n] = '\0';
	n_cmdline_args = cmdline_parse(cmdline_buf, cmdline_args, CMDLINE_ARGS);
	if (n_cmdline_args > CMDLINE_ARGS) {
		logwarn("kernel command line: only the first %d words are used", CMDLINE_ARGS);
		n_cmdline_args = CMDLINE_ARGS;
	}
}

/* A broken file still leaves defaults plus command-line overrides, so that
 * skiff.debug=1 can rescue a node with a bad configuration. */
static int read_config(struct node_config *cfg, struct sk_err *err)
{
	struct sk_err ignored;
	int r;

	config_defaults(cfg);
	read_cmdline();
	r = config_load(cfg, CONFIG_PATH, err);
	if (r < 0) {
		config_defaults(cfg);
		config_apply_cmdline(cfg, cmdline_args, n_cmdline_args, &ignored);
		return sk_wrap(err, "config");
	}
	logmsg(r == 1 ? "no %s, using defaults" : "config %s", CONFIG_PATH);
	return config_apply_cmdline(cfg, cmdline_args, n_cmdline_args, err);
}

int boot(struct node_config *cfg, struct sk_err *err)
{
	if (mounts_setup(err) < 0)
		return sk_wrap(err, "mounting");
	log_ring_open();
	if (read_config(cfg, err) < 0)
		return -1;
	if (modules_load(cfg, err) < 0)
		return -1;
	/* A disk boot switches root here and runs boot() again on the squashfs. */
	if (disk_boot(cfg, cmdline_args, n_cmdline_args, err) < 0)
		return -1;
	if (hostname_set(cfg->hostname, err) < 0 || loopback_up(err) < 0)
		return sk_wrap(err, "network");
	network_up();
	loop_prepare();
	supervise_init(cfg);
	if (cfg->debug)
		supervise_add_console();
	supervise_start_all(sk_now_ms());
	logmsg("ready");
	return 0;
}

void boot_failed(const struct node_config *cfg, const struct sk_err *err)
{
	logfatal(err);
	modules_load_power_button();
	loop_prepare();
	/* A disk image asks for this (skiff.fatal=reboot): the firmware then
	 * boots the other slot if this one was on trial, and a person on the
	 * console has 3 s to read why. It wins over debug's shell. */
	if (cfg->fatal_reboot) {
		logmsg("fatal: rebooting in 3 s (skiff.fatal=reboot)");
		sleep(3);
		shutdown_request(SHUTDOWN_REBOOT, "fatal error", 0);
		return;
	}
	if (cfg->debug) {
		supervise_add_console();
		supervise_start_all(sk_now_ms());
		return;
	}
	shutdown_request(SHUTDOWN_POWEROFF, "fatal error", cfg->grace_ms);
}
