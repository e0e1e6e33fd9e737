/* The one Skiff version every binary reports with --version. */
#ifndef SK_VERSION_H
#define SK_VERSION_H

#define SKIFF_VERSION "0.1.0"

#endif
