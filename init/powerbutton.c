/* Power button discovery and event reading (see powerbutton.h). */
#include "powerbutton.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"

#define INPUT_EVENT_MAX 32

static int open_if_power_button(int index)
{
	char path[64], name[128] = "";
	int fd;

	snprintf(path, sizeof path, "/dev/input/event%d", index);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, EVIOCGNAME(sizeof name - 1), name) < 0 || !strstr(name, "Power Button")) {
		close(fd);
		return -1;
	}
	logmsg("power button %s (%s)", path, name);
	return fd;
}

/* Probes eventN by number rather than with readdir, which allocates: this
 * also runs from the main loop. */
size_t powerbutton_open(int *fds, size_t cap)
{
	size_t n = 0;

	for (int i = 0; i < INPUT_EVENT_MAX && n < cap; i++) {
		int fd = open_if_power_button(i);
		if (fd >= 0)
			fds[n++] = fd;
	}
	return n;
}

int powerbutton_pressed(int fd)
{
	struct input_event ev[16];
	int pressed = 0;
	ssize_t n;

	while ((n = read(fd, ev, sizeof ev)) > 0)
		for (size_t i = 0; i < (size_t)n / sizeof *ev; i++)
			if (ev[i].type == EV_KEY && ev[i].code == KEY_POWER && ev[i].value == 1)
				pressed = 1;
	if (n < 0 && errno != EAGAIN && errno != EINTR)
		return -1;
	return pressed;
}
