# Skiff build. `make` builds every binary into build/bin/ (node binaries
# static against musl and stripped, busybox's udhcpc and debug builds);
# `make test` runs every test. `make asan` builds the unit tests with gcc +
# ASan + UBSan; `make kernel` the micro kernel (kernel.profile: micro).

BUILD   ?= build
B       := $(abspath $(BUILD))
SYSROOT := $(B)/sysroot
BIN     := $(B)/bin

# Debian packages the build needs; mk/deps.sh installs the missing ones.
DEPS_BUILD := gcc make file musl-tools dpkg-dev flex bison pkg-config gperf \
	libyaml-dev zlib1g-dev libcjson-dev libext2fs-dev cpio \
	squashfs-tools e2fsprogs linux-image-cloud-amd64 systemd-boot-efi qemu-utils \
	libarchive-dev libseccomp-dev libbearssl-dev libnl-3-dev libnl-route-3-dev
# The formatter (`make format`, and the format check of `make test`).
DEPS_FORMAT := clang-format-14
# The micro kernel: Debian's kernel source and what building it needs.
DEPS_KERNEL := linux-source-6.1 bc flex bison libelf-dev xz-utils
DEPS_TEST := busybox-static qemu-system-x86 iproute2 util-linux socat jq ovmf qemu-utils fdisk gdisk mtools dosfstools cryptsetup-bin \
	etcd-server docker-registry skopeo umoci curl python3 apache2-utils openssl nftables attr \
	runc crun rsyslog rsyslog-gnutls $(DEPS_FORMAT)

# The fuzzing toolchain (`make fuzz`, and the fuzz suite of `make test`).
DEPS_FUZZ := clang-14 libclang-rt-14-dev llvm-14

# Third-party libraries built static against musl into the sysroot.
THIRDPARTY := libnl cjson zlib bearssl libarchive libseccomp

WARN        := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter
MUSL_CC     := musl-gcc
# The node binary's size is a feature (README, "A lean node"): -Os, link-
# time optimisation across all of Skiff's code, unused sections dropped,
# no unwind tables (mk/node.ld), no page of padding between the code and
# the data (-z noseparate-code; a static binary maps no library), and no
# RELRO segment (-z norelro): only a dynamic loader makes it read-only, and
# static musl has none, so it was nothing but padding to a page boundary.
MUSL_CFLAGS := -Os -flto $(WARN) -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-isystem $(B)/kinc -I$(SYSROOT)/include -I$(SYSROOT)/include/libnl3 -Ilib -I.
MUSL_LDFLAGS := -Os -flto=2 -static -s -Wl,--gc-sections -Wl,-z,noseparate-code \
	-Wl,-z,norelro -Wl,-T,mk/node.ld -L$(SYSROOT)/lib
HOST_CC     := gcc
HOST_CFLAGS := -O2 -g $(WARN) -Ilib -I.
ASAN_CFLAGS := -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Ilib -I. -I/usr/include/libnl3
ASAN_LDFLAGS := -fsanitize=address,undefined

# Each part is a library (its *.c but main.c) plus a thin command (main.c).
part_srcs = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
LIB_SRCS  := $(wildcard lib/*.c)

# The node binary `skiff` links every role's part (init, agent, runtime,
# netcfg: each folder's *.c, main.c the role's entry point) and node/, the
# table that picks the role by the name it runs as. build/bin/skiff-ROLE
# are symlinks to it, as the images have them.
NODE_PARTS := node init agent runtime netcfg
NODE_ROLES := init agent runtime netcfg
skiff_LIBS := -larchive -lz -lbearssl -lseccomp -lnl-route-3 -lnl-3 -lcjson -lpthread
NODE_BINS  := skiff
NODE_LINKS := $(addprefix skiff-,$(NODE_ROLES))
# The other parts whose libraries (their *.c but main.c) a part's unit
# tests link in: the agent drives the runtime and netcfg, init netcfg.
agent_EXTRA := runtime netcfg
init_EXTRA := netcfg
# Host tools: their part (folder) and link flags.
skiff-imagegen_PART := imagegen
skiff-imagegen_LIBS := -lyaml -lz -lcjson -lext2fs -lcom_err -lbearssl
skiffctl_PART := ctl
skiffctl_LIBS := -lcjson -lbearssl -lpthread
HOST_BINS := skiff-imagegen skiffctl

# Targets are absolute paths; let `make build/bin/skiff-init` name them too.
ifneq ($(BUILD),$(B))
$(BUILD)/%: $(B)/% ;
endif

# busybox from Debian's source against musl, one build per configuration
# in mk/busybox/: udhcpc alone (networked images), and the debug set.
BUSYBOXES := udhcpc busybox
udhcpc_BUSYBOX := udhcpc
busybox_BUSYBOX := debug

.SECONDARY:
.PHONY: all deps thirdparty asan test demo bench clean sizes format format-check fuzz fuzz-build fuzz-deps kernel
all: $(addprefix $(BIN)/,$(NODE_BINS) $(NODE_LINKS) $(HOST_BINS) $(BUSYBOXES))
	@$(MAKE) -s --no-print-directory sizes

deps:
	@mk/deps.sh $(DEPS_BUILD)

THIRDPARTY_STAMPS := $(addprefix $(SYSROOT)/.built-,$(THIRDPARTY))
$(SYSROOT)/.built-%: mk/thirdparty.sh mk/debsrc.sh $(wildcard mk/thirdparty/*/*.patch) | deps
	@mkdir -p $(B) && BUILD=$(B) mk/thirdparty.sh $*
thirdparty: $(THIRDPARTY_STAMPS)
$(SYSROOT)/.built-libarchive: $(SYSROOT)/.built-zlib

define busybox_bin
$(BIN)/$(1): mk/busybox/$($(1)_BUSYBOX).config mk/busybox.sh mk/debsrc.sh $(wildcard mk/busybox/patches/*.patch) | deps
	@BUILD=$(B) nice mk/busybox.sh $($(1)_BUSYBOX) $$@
endef
$(foreach b,$(BUSYBOXES),$(eval $(call busybox_bin,$(b))))

# The micro kernel, built once into build/kernel/micro (mk/kernel.sh).
KERNEL_STAMP := $(B)/kernel/micro/.built
kernel: $(KERNEL_STAMP)
$(KERNEL_STAMP): mk/kernel/micro.config mk/kernel.sh
	@mk/deps.sh $(DEPS_KERNEL)
	@BUILD=$(B) nice mk/kernel.sh micro

# Objects, one tree per configuration.
$(B)/musl/%.o: %.c $(THIRDPARTY_STAMPS)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) -MMD -MP -c $< -o $@
$(B)/host/%.o: %.c | deps
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(B)/asan/%.o: %.c | deps
	@mkdir -p $(@D)
	$(HOST_CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

objs = $(patsubst %.c,$(B)/$(1)/%.o,$(2))

# lib/ is an archive per configuration: a binary takes from it only the
# objects it uses (skiff-init no HTTP, skiff-imagegen no etcd client).
libskiff = $(B)/$(1)/libskiff.a
# (gcc-ar: the musl objects are LTO objects, whose symbols only GCC's
# plugin can index.)
define lib_archive
$(B)/$(1)/libskiff.a: $(call objs,$(1),$(LIB_SRCS))
	@rm -f $$@
	gcc-ar rcs $$@ $$^
endef
$(foreach c,musl host asan,$(eval $(call lib_archive,$(c))))

$(BIN)/skiff: $(call objs,musl,$(foreach p,$(NODE_PARTS),$(wildcard $(p)/*.c))) $(call libskiff,musl) mk/node.ld
	@mkdir -p $(BIN)
	$(MUSL_CC) $(MUSL_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(skiff_LIBS)
$(addprefix $(BIN)/,$(NODE_LINKS)): $(BIN)/skiff
	ln -sfn skiff $@
define host_bin
$(BIN)/$(1): $(call objs,host,$($(1)_PART)/main.c $(call part_srcs,$($(1)_PART))) $(call libskiff,host)
	@mkdir -p $(BIN)
	$(HOST_CC) -o $$@ $$^ $($(1)_LIBS)
endef
$(foreach b,$(HOST_BINS),$(eval $(call host_bin,$(b))))

# Benchmark helpers: host programs on lib/.
$(B)/bench/skiff-scale-sim: $(call objs,host,bench/scale_sim.c ctl/hmap.c) $(call libskiff,host)
	@mkdir -p $(@D)
	$(HOST_CC) -o $@ $^ -lcjson -lbearssl -lpthread

# A cluster node's image packs the node binaries and udhcpc; its manifest
# has the exact userland (every initramfs file but the kernel modules).
NODE_USERLAND := $(NODE_BINS) udhcpc
sizes:
	@for f in $(addprefix $(BIN)/,$(NODE_BINS) $(BUSYBOXES)); do \
		printf '%-22s %8d bytes  %s\n' "$${f##*/}" "$$(stat -c %s $$f)" \
			"$$(file -b $$f | grep -o 'statically linked' || echo 'NOT STATIC')"; done
	@printf '%-22s %8d bytes  (%s)\n' "node userland" \
		"$$(cat $(addprefix $(BIN)/,$(NODE_USERLAND)) | wc -c)" "$(NODE_USERLAND)"
	@for f in $(addprefix $(BIN)/,$(HOST_BINS)); do \
		printf '%-22s %8d bytes  (host tool)\n' "$${f##*/}" "$$(stat -c %s $$f)"; done

.SECONDEXPANSION:
# Unit tests: tests/unit/test_<part>_<what>.c links lib/ and <part>'s
# library (test_lib_*.c links lib/ only), all under ASan + UBSan.
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))
unit_part   = $(word 2,$(subst _, ,$(notdir $(1))))
unit_libs   = -lcjson -lyaml -larchive -lz -lbearssl -lseccomp -lnl-route-3 -lnl-3 -lext2fs -lcom_err
$(B)/unit/%: $(B)/asan/tests/unit/%.o $(call objs,asan,tests/unit/check.c) \
		$$(call objs,asan,$$(if $$(filter lib,$$(call unit_part,$$*)),,$$(call part_srcs,$$(call unit_part,$$*)) \
		$$(foreach p,$$($$(call unit_part,$$*)_EXTRA),$$(call part_srcs,$$(p))))) \
		$(call libskiff,asan)
	@mkdir -p $(@D)
	$(HOST_CC) $(ASAN_LDFLAGS) -o $@ $^ $(unit_libs)
asan: $(UNIT_BINS)

# Fuzzing (docs/fuzzing.md): libFuzzer harnesses tests/fuzz/fuzz_<target>.c,
# built with Debian's clang under ASan + UBSan. Each links the archives of
# lib/ and of the parts listed below, so only the objects it uses come in.
FUZZ_CC      := clang-14
FUZZ_CFLAGS  := -O1 -g $(WARN) -Wno-for-loop-analysis -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Ilib -I. -I/usr/include/libnl3
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_TARGETS ?=
fuzz_spec_yaml_PARTS      := imagegen init agent runtime netcfg
fuzz_taskdef_PARTS        := agent runtime
fuzz_cluster_model_PARTS  := ctl
fuzz_oci_config_PARTS     := runtime
fuzz_image_manifest_PARTS := runtime
fuzz_image_config_PARTS   := runtime
fuzz_image_user_PARTS     := runtime
fuzz_layer_unpack_PARTS   := runtime
fuzz_http_head_PARTS      := runtime
fuzz_http_chunked_PARTS   :=
fuzz_cert_ip_PARTS        :=
fuzz_etcd_json_PARTS      :=
fuzz_etcd_watch_PARTS     :=
fuzz_cmdline_PARTS        := init netcfg
fuzz_dhcp_lease_PARTS     := netcfg
fuzz_node_api_PARTS       := agent
fuzz_join_request_PARTS   := ctl
fuzz_join_answer_PARTS    := agent
fuzz_join_token_PARTS     := agent
fuzz_update_manifest_PARTS :=
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/bin/%,$(FUZZ_SRCS))
fuzz_archives = $(foreach p,$($(1)_PARTS) lib,$(B)/fuzz/part-$(p).a)

fuzz-deps:
	@mk/deps.sh $(DEPS_FUZZ)
$(B)/fuzz/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
$(B)/fuzz/part-%.a: $$(call objs,fuzz/obj,$$(call part_srcs,$$*))
	@rm -f $@
	ar rcs $@ $^
# cJSON reads every JSON input: the fuzzers link it built from the source
# the sysroot was made of, instrumented, so that its parser guides them and
# ASan watches it too.
$(B)/fuzz/obj/cjson.o: $(SYSROOT)/.built-cjson | fuzz-deps
	@mkdir -p $(@D)
	$(FUZZ_CC) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
		-c $$(ls -d $(B)/src/cjson-*/ | head -n1)cJSON.c -o $@
$(B)/fuzz/bin/%: $(B)/fuzz/obj/tests/fuzz/%.o $(B)/fuzz/obj/cjson.o $$(call fuzz_archives,$$*)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $< $(B)/fuzz/obj/cjson.o -Wl,--start-group \
		$(call fuzz_archives,$*) -Wl,--end-group $(unit_libs)
fuzz-build: $(FUZZ_BINS)
# Runs each target for FUZZ_SECONDS, FUZZ_JOBS at once (all, or FUZZ_TARGETS).
fuzz: fuzz-build
	tests/fuzz/run -t $(FUZZ_SECONDS) -j $(FUZZ_JOBS) $(FUZZ_TARGETS)

# The format check takes a second and runs first; an unformatted file fails
# the run only once the tests have run, so one stray space hides nothing.
test: all asan fuzz-build $(B)/bench/skiff-scale-sim kernel
	@mk/deps.sh $(DEPS_TEST)
	@fmt=0; mk/format.sh --check || fmt=1; tests/run && exit $$fmt; exit 1

# Formats every tracked C source with .clang-format (clang-format 14);
# format-check only names the files that do not follow it.
format:
	@mk/deps.sh $(DEPS_FORMAT)
	mk/format.sh
format-check:
	@mk/deps.sh $(DEPS_FORMAT)
	mk/format.sh --check

demo: all
	@mk/deps.sh $(DEPS_TEST)
	mk/demo.sh

bench: all kernel $(B)/bench/skiff-scale-sim
	@mk/deps.sh $(DEPS_TEST) crun runc gnuplot-nox
	bench/sizes.sh
	bench/boot.sh
	bench/timeline.sh
	BENCH_ICOUNT=1 bench/timeline.sh 1
	bench/memory.sh
	bench/runtime_run.sh
	bench/runtime_run_guest.sh
	bench/pull.sh
	bench/taskdef_start.sh
	bench/scale.sh
	bench/exec.sh
	bench/agent_rss.sh

clean:
	rm -rf $(B)/musl $(B)/host $(B)/asan $(B)/unit $(B)/bench $(BIN) $(B)/fuzz/obj $(B)/fuzz/bin \
		$(B)/fuzz/*.a

-include $(shell find $(B)/musl $(B)/host $(B)/asan $(B)/fuzz/obj -name '*.d' 2>/dev/null)
