/* os-release(5) of an image: /etc/os-release in the root and the UKI's
 * .osrel section, which systemd-boot reads to order its entries (ID, then
 * IMAGE_VERSION/VERSION_ID, newest first). */
#ifndef SK_IMAGEGEN_OS_RELEASE_H
#define SK_IMAGEGEN_OS_RELEASE_H

#include <stddef.h>

#define OS_RELEASE_MAX 256

/* Writes the text for VERSION (a checked spec version); its length. */
size_t os_release_render(const char *version, char out[OS_RELEASE_MAX]);

#endif
