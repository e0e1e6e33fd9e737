# Helpers for the runtime host tests (sourced after tests/lib.sh): a busybox
# bundle and a config edited with jq.
RT=$SKIFF_BIN/skiff-runtime
RT_ROOT=$T_DIR/state
BUNDLE=$T_DIR/bundle

# rt ARGS...: skiff-runtime with the test's state directory.
rt() { "$RT" --root "$RT_ROOT" "$@"; }

make_bundle() {
	mkdir -p "$BUNDLE/rootfs/bin" "$BUNDLE/rootfs/proc" "$BUNDLE/rootfs/sys" \
		"$BUNDLE/rootfs/dev" "$BUNDLE/rootfs/tmp" "$BUNDLE/rootfs/etc"
	cp /bin/busybox "$BUNDLE/rootfs/bin/"
	local a
	for a in $("$BUNDLE/rootfs/bin/busybox" --list); do
		[ -e "$BUNDLE/rootfs/bin/$a" ] || ln -s busybox "$BUNDLE/rootfs/bin/$a"
	done
	rm -f "$BUNDLE/config.json"
	"$RT" spec -b "$BUNDLE" && cp "$BUNDLE/config.json" "$T_DIR/base.json"
}

# config JQ_FILTER [ARGS...]: config.json = the default one edited by the filter.
config() {
	local filter=$1
	shift
	jq "$@" "$filter" "$T_DIR/base.json" >"$BUNDLE/config.json"
}

# cmd SHELL_CMD: config running `sh -c SHELL_CMD`.
cmd() { config '.process.args = ["sh", "-c", $c]' --arg c "$1"; }

# run_out NAME: runs container NAME in the foreground; output in $OUT, status in $RC.
run_out() {
	OUT=$(rt run -b "$BUNDLE" "$1" 2>&1 </dev/null)
	RC=$?
}

# expect NAME WANT: passes when $OUT contains WANT.
expect() {
	if grep -qF -- "$2" <<<"$OUT"; then pass "$1"; else fail "$1" "want '$2' in: $OUT"; fi
}
expect_rc() {
	if [ "$RC" -eq "$2" ]; then pass "$1"; else fail "$1" "status $RC, want $2: $OUT"; fi
}
