#!/bin/bash
# Hostile symlinks in a rootfs cannot move a mount, a masked or read-only
# path or a device node out of the container: absolute links, ../../
# chains and /proc magic links on the destination path resolve inside the
# root (the mount lands under rootfs/, the host path stays untouched), or
# the run fails cleanly (a magic link with openat2). Every case runs twice:
# with openat2(RESOLVE_IN_ROOT) and with the O_NOFOLLOW walk it falls back
# to (SKIFF_RUNTIME_NO_OPENAT2=1).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/runtime_lib.bash"
make_bundle || { fail "bundle" "spec failed"; exit 1; }

ROOTFS=$BUNDLE/rootfs
HOST=$T_DIR/host # a host directory the links aim at
UP=../../../../../../../../../../../../../../../../../../../../.. # more ".." than $ROOTFS/etc is deep
mkdir -p "$T_DIR/share" && echo shared-data >"$T_DIR/share/file"

# fresh: a new host directory and rootfs links; snapshot of the host side.
fresh() {
	rm -rf "$HOST" "$ROOTFS/${HOST#/}" "$ROOTFS/dev"
	mkdir -p "$HOST" "$ROOTFS/dev" "$ROOTFS/etc/ro"
	echo host-data >"$HOST/keep"
	echo rootfs-secret >"$ROOTFS/etc/secret"
	mkdir -p "$ROOTFS/${HOST#/}" && echo inside-twin >"$ROOTFS/${HOST#/}/secret"
	ln -sfn "$HOST" "$ROOTFS/etc/abs"
	ln -sfn "$UP$HOST" "$ROOTFS/etc/rel"
	ln -sfn "/proc/self/root$HOST" "$ROOTFS/etc/magic"
	ln -sfn "$HOST" "$ROOTFS/dev/abs"
	ln -sfn "$UP$HOST" "$ROOTFS/dev/rel"
	ln -sfn "$HOST/secret" "$ROOTFS/mask-abs"
	ln -sfn "$UP/etc/secret" "$ROOTFS/etc/mask-rel"
	ln -sfn "$UP/etc/ro" "$ROOTFS/ro-rel"
	SNAP=$(cd "$HOST" && find . -printf '%p %y %s\n' | sort)
}
host_untouched() { [ "$(cd "$HOST" && find . -printf '%p %y %s\n' | sort)" = "$SNAP" ]; }
in_rootfs() { [ -e "$ROOTFS/${HOST#/}/$1" ]; }

for mode in openat2 walk; do
	if [ $mode = walk ]; then export SKIFF_RUNTIME_NO_OPENAT2=1; else unset SKIFF_RUNTIME_NO_OPENAT2; fi

	fresh
	config '.mounts += [{"destination":"/etc/abs/bind","type":"bind","source":$s,"options":["rbind","ro"]},
		{"destination":"/etc/rel/tmp","type":"tmpfs","source":"tmpfs","options":["size=1m"]}]
		| .process.args = ["sh","-c","cat /etc/abs/bind/file; grep -o \" [^ ]*/host/[a-z]* [a-z]*\" /proc/mounts"]' \
		--arg s "$T_DIR/share"
	run_out "bind-$mode"
	expect_rc "$mode: mounts behind hostile links run" 0
	check "$mode: host directory untouched by bind and tmpfs" host_untouched
	expect "$mode: bind through an absolute link lands inside the root" "shared-data"
	expect "$mode: bind mount point is the link's target under the root" " $HOST/bind "
	expect "$mode: tmpfs through a ../../ chain lands inside the root" " $HOST/tmp tmpfs"
	check "$mode: mount points were created under rootfs/" bash -c "[ -d '$ROOTFS/${HOST#/}/bind' ] && [ -d '$ROOTFS/${HOST#/}/tmp' ]"

	fresh
	config '.mounts += [{"destination":"/etc/magic/m","type":"tmpfs","source":"tmpfs"}]
		| .process.args = ["sh","-c","grep -o \" [^ ]*/host/m tmpfs\" /proc/mounts"]'
	run_out "magic-$mode"
	check "$mode: magic link: host directory untouched" host_untouched
	if [ $mode = openat2 ]; then
		expect_rc "openat2: mount through a /proc magic link fails" 1
		expect "openat2: the failure names the mount and the loop" "mounts[7]: mount /etc/magic/m: resolve /etc/magic/m in the container root: Symbolic link loop"
	else
		expect_rc "walk: magic link resolved by its text inside the root" 0
		expect "walk: tmpfs through /proc/self/root lands inside the root" " $HOST/m tmpfs"
	fi
	check "$mode: magic link left no state" test ! -e "$RT_ROOT/magic-$mode"

	# No tmpfs on /dev: device nodes go into the rootfs's own /dev.
	fresh
	config 'del(.mounts[] | select(.destination | startswith("/dev")))
		| .linux.devices = [{"path":"/dev/abs/kmsg2","type":"c","major":1,"minor":11,"fileMode":384},
			{"path":"/dev/rel/null2","type":"c","major":1,"minor":3,"fileMode":438}]
		| .process.args = ["sh","-c","ls -l /dev/abs/kmsg2 /dev/rel/null2 | cut -c1-10 | tr \"\\n\" \" \""]'
	run_out "dev-$mode"
	expect_rc "$mode: devices behind hostile links run" 0
	check "$mode: no device node made on the host" host_untouched
	expect "$mode: device nodes made inside the root" "crw------- crw-rw-rw-"
	check "$mode: device nodes are under rootfs/" bash -c "[ -c '$ROOTFS/${HOST#/}/kmsg2' ] && [ -c '$ROOTFS/${HOST#/}/null2' ]"

	fresh
	config '.root.readonly = false | .linux.maskedPaths += ["/mask-abs","/etc/mask-rel"] | .linux.readonlyPaths += ["/ro-rel"]
		| .process.args = ["sh","-c","echo twin=$(cat '"$HOST"'/secret) secret=$(cat /etc/secret); touch /etc/ro/x 2>&1; touch /etc/x && echo rw-ok"]'
	run_out "mask-$mode"
	expect_rc "$mode: masked and read-only paths behind links run" 0
	expect "$mode: masked path through an absolute link hides its in-root target" "twin= secret="
	expect "$mode: read-only path through a ../../ chain" "touch: /etc/ro/x: Read-only file system"
	expect "$mode: the rest of the root stays writable" "rw-ok"
	check "$mode: masked files keep their content on disk" bash -c \
		"grep -qx rootfs-secret '$ROOTFS/etc/secret' && grep -qx inside-twin '$ROOTFS/${HOST#/}/secret'"
	check "$mode: host directory untouched by masks" host_untouched

	fresh
	config '.linux.maskedPaths += ["/etc/magic/keep"]'
	run_out "maskmagic-$mode"
	if [ $mode = openat2 ]; then
		expect "openat2: masked path through a magic link fails" "linux.maskedPaths[10]: resolve /etc/magic/keep in the container root: Symbolic link loop"
	else
		expect_rc "walk: masked path through a magic link resolves inside (absent there: skipped)" 0
	fi
	check "$mode: host file behind the magic link untouched" grep -qx host-data "$HOST/keep"
done
unset SKIFF_RUNTIME_NO_OPENAT2
rm -rf "$ROOTFS/${HOST#/}"
