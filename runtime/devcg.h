/* The device cgroup of cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program
 * built from linux.resources.devices (plus linux.devices and the default
 * device set) and attached to the container's cgroup, as runc and crun do. */
#ifndef RT_DEVCG_H
#define RT_DEVCG_H

#include "err.h"
#include "oci_spec.h"

#include <linux/bpf.h>

/* The rules in force: the config's, then an allow rule for each of
 * linux.devices, then the default set (null zero full random urandom tty
 * ptmx pts/N, and mknod of any device). The last rule that matches an
 * access decides it; no match denies. Allocated into *OUT. */
int devcg_rules(const struct oci_spec *spec, struct oci_dev_rule **out, int *n, struct sk_err *err);
/* The program for N rules; *LEN instructions, allocated into *OUT. */
int devcg_program(const struct oci_dev_rule *rules, int n, struct bpf_insn **out, int *len,
		  struct sk_err *err);
/* Keeps the kernel's device-program hook on with an allow-all program on
 * PARENT (the runtime's own skiff/ cgroup) unless it has one (devcg.c). */
void devcg_keep_hook(const char *parent);
/* Builds, loads and attaches the program to the cgroup directory CGROUP. */
int devcg_attach(const char *cgroup, const struct oci_spec *spec, struct sk_err *err);

#endif
