#!/bin/bash
# The node binary's roles: each runs through its link (the name it is
# called as) and as `skiff ROLE`, with the same --help; an unknown role
# fails naming it; the container init role runs a command.
. "$(dirname "$0")/../lib.sh"

skiff=$SKIFF_BIN/skiff
# role LINK-NAME FIRST-HELP-LINE
while read -r role link first; do
	via_link=$("$SKIFF_BIN/$link" --help 2>&1)
	rc_link=$?
	via_arg=$("$skiff" "$role" --help 2>&1)
	rc_arg=$?
	[ $rc_link = 0 ] && [ "${via_link%%$'\n'*}" = "$first" ] &&
		pass "$link --help through its link" ||
		fail "$link --help through its link" "rc $rc_link, said: ${via_link%%$'\n'*}"
	[ $rc_arg = 0 ] && [ "$via_arg" = "$via_link" ] &&
		pass "skiff $role --help says the same" ||
		fail "skiff $role --help says the same" "rc $rc_arg, said: ${via_arg%%$'\n'*}"
done <<'ROLES'
init skiff-init usage: skiff-init   (as PID 1: /sbin/init of a Skiff image)
agent skiff-agent usage: skiff-agent [options]
runtime skiff-runtime usage: skiff-runtime [GLOBAL OPTIONS] VERB [ARGS...]
netcfg skiff-netcfg usage: skiff-netcfg VERB [options]   (VERB --help for details)
ROLES

# The image's names: /init and /sbin/init are the init role.
ln -s "$skiff" "$T_DIR/init"
out=$("$T_DIR/init" --help)
check "a link named init is the init role" test "${out%%$'\n'*}" = "usage: skiff-init   (as PID 1: /sbin/init of a Skiff image)"

"$skiff" --help >"$T_DIR/help" 2>&1
rc=$?
check "skiff --help exits 0" test $rc = 0
for r in init agent runtime netcfg init-process; do
	check "skiff --help lists the $r role" grep -qE "^  $r +[a-zA-Z]" "$T_DIR/help"
done

"$skiff" nosuchrole --help >"$T_DIR/unknown.out" 2>"$T_DIR/unknown.err"
rc=$?
check "an unknown role exits 2" test $rc = 2
check "  naming it" grep -qx 'skiff: fatal: unknown role "nosuchrole"' "$T_DIR/unknown.err"
check "  and listing the roles" grep -q '^  agent ' "$T_DIR/unknown.err"
check "  printing nothing on stdout" test ! -s "$T_DIR/unknown.out"
"$skiff" >/dev/null 2>"$T_DIR/none.err"
rc=$?
check "skiff without a role exits 2 with the usage" bash -c "test $rc = 2 && grep -q '^usage: skiff ROLE' '$T_DIR/none.err'"

# The container init role, by the name the agent mounts it under.
ln -s "$skiff" "$T_DIR/skiff-init-process"
"$T_DIR/skiff-init-process" -- sh -c 'exit 7'
check "skiff-init-process runs the command and exits as it does" test $? = 7
"$skiff" init-process sh -c 'exit 5'
check "skiff init-process does the same" test $? = 5
