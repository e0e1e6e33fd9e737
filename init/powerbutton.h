/* The ACPI power button (QEMU's system_powerdown), seen through evdev as
 * an input device named "Power Button". */
#ifndef SK_INIT_POWERBUTTON_H
#define SK_INIT_POWERBUTTON_H

#include <stddef.h>

#define POWERBUTTON_MAX 4

/* Opens every /dev/input/event* device whose name contains "Power Button"
 * (non-blocking, close-on-exec) into fds[]; returns how many. */
size_t powerbutton_open(int *fds, size_t cap);
/* Drains FD; 1 if a KEY_POWER press was read, -1 if the device is gone. */
int powerbutton_pressed(int fd);

#endif
