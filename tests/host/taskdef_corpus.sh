#!/bin/bash
# The task-definition corpus (tests/fixtures/taskdefs/) against a real
# etcd: each file registers or is refused as its .expect says, with
# exactly the errors, warnings and notes listed (all errors in one run);
# what registered comes back from `taskdef describe` and registers again
# unchanged. Also the examples in examples/taskdefs/.
. "$(dirname "$0")/../lib.sh"
CTL=$SKIFF_BIN/skiffctl
PORT=23870
E=http://127.0.0.1:$PORT
DIR=$SKIFF_TOP/tests/fixtures/taskdefs

etcd_start corpus "$T_DIR/etcd" $E $((PORT + 1)) "$T_DIR/etcd.log"
T_PIDS+=("$ETCD_PID")
until_true 10 curl -sf $E/health
ctl() { "$CTL" --endpoints $E --cluster corpus "$@"; }

# lines LEVEL: the messages of one level printed for the file in $err
lines() {
	case $1 in
	error) grep -vE '^[^:]+(:[0-9]+)?: (warning|note): ' "$T_DIR/err" | grep -E '^[^ ]+(:[0-9]+)?: ' ;;
	*) grep -E "^[^ ]+(:[0-9]+)?: $1: " "$T_DIR/err" ;;
	esac | grep -v "skiffctl: fatal"
}

# check_file NAME: registers it and compares with NAME.expect.
check_file() {
	local name=$1 f=$DIR/$1.json want rc level path text n why=""
	want=$(head -n1 "$DIR/$name.expect")
	ctl taskdef register "$f" >"$T_DIR/out" 2>"$T_DIR/err"
	rc=$?
	if [ "$want" = register ] && [ $rc != 0 ]; then why="exit $rc"; fi
	if [ "$want" = refuse ] && [ $rc != 2 ]; then why="exit $rc, want 2"; fi
	for level in error warning note; do
		n=$(grep -c "^$level " "$DIR/$name.expect")
		[ "$(lines $level | grep -c .)" = "$n" ] || why="$why; $(lines $level | grep -c .) ${level}s, want $n"
	done
	while read -r level path text; do
		lines "$level" | grep -F -- " $path: " | grep -qF -- "$text" ||
			why="$why; no $level at $path ($text)"
	done < <(tail -n +2 "$DIR/$name.expect")
	if [ -z "$why" ]; then pass "$name: ${want}s as expected"; else fail "$name" "${why#; } :: $(head -c 600 "$T_DIR/err")"; fi
	[ "$want" = register ] && [ $rc = 0 ] && REGISTERED+=("$(cat "$T_DIR/out")")
}

REGISTERED=()
total=0
for f in "$DIR"/*.json; do
	check_file "$(basename "$f" .json)"
	total=$((total + 1))
done
echo "  corpus: ${#REGISTERED[@]} of $total files register"
[ "$total" -ge 30 ] && pass "corpus has $total task definitions" || fail "corpus size" "$total"

# Describe output registers again unchanged (but for the revision and time).
same=0
for ref in "${REGISTERED[@]}"; do
	ctl taskdef describe "$ref" >"$T_DIR/d1.json" &&
		ref2=$(ctl taskdef register "$T_DIR/d1.json" 2>/dev/null) &&
		ctl taskdef describe "$ref2" >"$T_DIR/d2.json" &&
		[ "$(jq -S 'del(.revision, .registeredAt)' "$T_DIR/d1.json")" = "$(jq -S 'del(.revision, .registeredAt)' "$T_DIR/d2.json")" ] &&
		same=$((same + 1))
done
[ "$same" = "${#REGISTERED[@]}" ] && pass "describe output of all ${#REGISTERED[@]} registers again unchanged" ||
	fail "describe round trip" "$same of ${#REGISTERED[@]}"

# validate needs no etcd and prints the same
"$CTL" --endpoints http://127.0.0.1:1 taskdef validate "$DIR/typos.json" >/dev/null 2>"$T_DIR/err"
[ $? = 2 ] && grep -q 'did you mean "memory"' "$T_DIR/err" && pass "taskdef validate works without etcd" ||
	fail "validate" "$(cat "$T_DIR/err")"

for f in "$SKIFF_TOP"/examples/taskdefs/*.json; do
	case $f in
	*/bad.json) ctl taskdef register "$f" >/dev/null 2>&1; [ $? = 2 ] ;;
	*) ctl taskdef register "$f" >/dev/null 2>&1 ;;
	esac && pass "example $(basename "$f")" || fail "example $(basename "$f")" "$(ctl taskdef register "$f" 2>&1)"
done
