/* The device cgroup (see devcg.h). The program is emitted here and loaded
 * with the bpf(2) system call itself: it is a few dozen instructions of
 * one shape, and libbpf would bring libelf and a much larger binary for
 * what two system calls do (runc and crun emit theirs the same way).
 *
 * Shape: the prologue splits the context into r2 = access bits, r3 = type
 * bit, r4 = major, r5 = minor; then one block per rule, last rule first,
 * each falling through to the next block on a mismatch and returning the
 * rule's verdict on a match; the epilogue denies. */
#define _GNU_SOURCE
#include "devcg.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ACC_ALL 7u

static const struct oci_dev_rule default_rules[] = {
    {1, 'c', -1, -1, 1},     {1, 'b', -1, -1, 1},	 /* mknod of any device */
    {1, 'c', 1, 3, ACC_ALL}, {1, 'c', 1, 5, ACC_ALL},	 /* null, zero */
    {1, 'c', 1, 7, ACC_ALL}, {1, 'c', 1, 8, ACC_ALL},	 /* full, random */
    {1, 'c', 1, 9, ACC_ALL}, {1, 'c', 5, 0, ACC_ALL},	 /* urandom, tty */
    {1, 'c', 5, 2, ACC_ALL}, {1, 'c', 136, -1, ACC_ALL}, /* ptmx, pts/N */
};
#define NDEFAULT ((int)(sizeof default_rules / sizeof default_rules[0]))

int devcg_rules(const struct oci_spec *spec, struct oci_dev_rule **out, int *n, struct sk_err *err)
{
	const struct oci_resources *r = &spec->res;
	struct oci_dev_rule *v =
	    calloc((size_t)(r->ndev_rules + spec->ndevices + NDEFAULT), sizeof *v);
	int k = 0;

	if (!v)
		return sk_fail(err, ENOMEM, "device rules");
	for (int i = 0; i < r->ndev_rules; i++)
		v[k++] = r->dev_rules[i];
	for (int i = 0; i < spec->ndevices; i++) {
		const struct oci_device *d = &spec->devices[i];
		if (d->type != 'p')
			v[k++] = (struct oci_dev_rule){1, d->type == 'b' ? 'b' : 'c', d->major,
						       d->minor, ACC_ALL};
	}
	for (int i = 0; i < NDEFAULT; i++)
		v[k++] = default_rules[i];
	*out = v;
	*n = k;
	return 0;
}

struct emitter {
	struct bpf_insn *v;
	int n;
};

static void emit(struct emitter *e, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		 int32_t imm)
{
	e->v[e->n++] =
	    (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* A conditional jump to the end of the current block; its offset is
 * patched once the block is complete (off -1 marks it). */
static void skip_unless(struct emitter *e, uint8_t reg, int32_t value)
{
	emit(e, BPF_JMP | BPF_JNE | BPF_K, reg, 0, -1, value);
}

/* Returns 1 when the rule matches every access: nothing after it runs. */
static int emit_rule(struct emitter *e, const struct oci_dev_rule *r)
{
	int start = e->n;

	if (r->type != 'a')
		skip_unless(e, BPF_REG_3,
			    r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if ((r->access & ACC_ALL) != ACC_ALL) {
		/* Every access bit asked for must be one the rule names. */
		emit(e, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_2, 0, 0);
		emit(e, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0,
		     (int32_t)(~r->access & ACC_ALL));
		skip_unless(e, BPF_REG_1, 0);
	}
	if (r->major >= 0)
		skip_unless(e, BPF_REG_4, (int32_t)r->major);
	if (r->minor >= 0)
		skip_unless(e, BPF_REG_5, (int32_t)r->minor);
	emit(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow ? 1 : 0);
	emit(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (int i = start; i < e->n; i++)
		if (e->v[i].off == -1)
			e->v[i].off = (int16_t)(e->n - i - 1);
	return e->n - start == 2;
}

int devcg_program(const struct oci_dev_rule *rules, int n, struct bpf_insn **out, int *len,
		  struct sk_err *err)
{
	struct emitter e = {calloc((size_t)n * 8 + 8, sizeof(struct bpf_insn)), 0};

	if (!e.v)
		return sk_fail(err, ENOMEM, "device program");
	emit(&e, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0); /* access_type */
	emit(&e, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_2, 0, 0);
	emit(&e, BPF_ALU | BPF_AND | BPF_K, BPF_REG_3, 0, 0, 0xffff);
	emit(&e, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_2, 0, 0, 16);
	emit(&e, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0); /* major */
	emit(&e, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0); /* minor */
	int total = 0;
	for (int i = n - 1; i >= 0 && !total; i--)
		total = emit_rule(&e, &rules[i]);
	/* After a rule that matches everything, more code is unreachable,
	 * which the verifier refuses. */
	if (!total) {
		emit(&e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(&e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	*out = e.v;
	*len = e.n;
	return 0;
}

static int load(const struct bpf_insn *insns, int n, struct sk_err *err)
{
	static char log[4096];
	union bpf_attr a;

	for (int verbose = 0; verbose < 2; verbose++) {
		memset(&a, 0, sizeof a);
		a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		a.insns = (uint64_t)(uintptr_t)insns;
		a.insn_cnt = (uint32_t)n;
		a.license = (uint64_t)(uintptr_t) "Apache-2.0";
		if (verbose) {
			log[0] = '\0';
			a.log_buf = (uint64_t)(uintptr_t)log;
			a.log_size = sizeof log;
			a.log_level = 1;
		}
		int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
		if (fd >= 0 || errno != EACCES)
			return fd >= 0 ? fd : sk_fail(err, errno, "load the device program");
		if (!err)
			return -1;
	}
	return sk_fail(err, EACCES, "load the device program: %.200s", log);
}

static int attach(int dir, int prog, const char *cgroup, struct sk_err *err)
{
	union bpf_attr a;

	memset(&a, 0, sizeof a);
	a.target_fd = (uint32_t)dir;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
		return sk_fail(err, errno,
			       "linux.resources.devices: attach the device program to %s", cgroup);
	return 0;
}

/* The kernel turns its device-program hook on when the first program is
 * attached anywhere and off with the last, patching its code each time
 * (milliseconds, most of a device program's cost when containers come
 * and go one at a time). An allow-all program on the runtime's own parent
 * cgroup keeps the hook on; it allows everything, and every program must
 * allow an access, so it changes no verdict. */
void devcg_keep_hook(const char *parent)
{
	static const struct oci_dev_rule allow_all = {1, 'a', -1, -1, ACC_ALL};
	SK_AUTOFREE struct bpf_insn *insns = NULL;
	uint32_t count = 0;
	union bpf_attr a;
	int len;

	SK_AUTOCLOSE int dir = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return;
	memset(&a, 0, sizeof a);
	a.query.target_fd = (uint32_t)dir;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_cnt = 0;
	if (syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof a) < 0 || (count = a.query.prog_cnt) > 0)
		return;
	if (devcg_program(&allow_all, 1, &insns, &len, NULL) < 0)
		return;
	SK_AUTOCLOSE int prog = load(insns, len, NULL);
	if (prog >= 0)
		attach(dir, prog, parent, NULL);
}

int devcg_attach(const char *cgroup, const struct oci_spec *spec, struct sk_err *err)
{
	SK_AUTOFREE struct oci_dev_rule *rules = NULL;
	SK_AUTOFREE struct bpf_insn *insns = NULL;
	int nrules, len;

	if (devcg_rules(spec, &rules, &nrules, err) < 0 ||
	    devcg_program(rules, nrules, &insns, &len, err) < 0)
		return -1;
	SK_AUTOCLOSE int dir = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return sk_fail(err, errno, "open %s", cgroup);
	SK_AUTOCLOSE int prog = load(insns, len, err);
	if (prog < 0)
		return sk_wrap(err, "linux.resources.devices");
	return attach(dir, prog, cgroup, err);
}
