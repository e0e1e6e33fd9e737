/* os-release text (see os_release.h). The version needs no quoting: the
 * spec allows only letters, digits and ._+~- in it. */
#include "os_release.h"

#include <stdio.h>

size_t os_release_render(const char *version, char out[OS_RELEASE_MAX])
{
	int n = snprintf(out, OS_RELEASE_MAX,
			 "NAME=Skiff\nID=skiff\nPRETTY_NAME=\"Skiff %s\"\nVERSION_ID=%s\n"
			 "IMAGE_VERSION=%s\n",
			 version, version, version);
	return n < 0 ? 0 : (size_t)n;
}
