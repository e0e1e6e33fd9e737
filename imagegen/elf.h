/* Just enough ELF to tell whether a node binary can run in an image that
 * has no dynamic loader. */
#ifndef SK_IMAGEGEN_ELF_H
#define SK_IMAGEGEN_ELF_H

#include "err.h"

/* 0 if PATH is an x86-64 ELF executable without a program interpreter. */
int elf_check_static(const char *path, struct sk_err *err);

#endif
