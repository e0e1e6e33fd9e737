/* The floor for boot-time comparisons: a static init that prints its
 * monotonic timestamp in skiff-init's console format and powers off. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec ts;
	char line[64];
	int fd = open("/dev/console", O_WRONLY);

	clock_gettime(CLOCK_MONOTONIC, &ts);
	int n = snprintf(line, sizeof line, "[%4ld.%03ld] floor: started\n", (long)ts.tv_sec,
			 ts.tv_nsec / 1000000);
	if (fd >= 0)
		write(fd, line, (size_t)n);
	reboot(RB_POWER_OFF);
	return 0;
}
