#!/bin/sh
# Builds busybox static against musl from Debian's source package with one
# of Skiff's configurations, mk/busybox/NAME.config, and installs it as OUT.
#
# A configuration lists only what it turns on (and, in kconfig's
# "# CONFIG_X is not set" form, the default of a choice it turns off).
# This script starts from `make defconfig` (busybox's defaults, so numbers
# and strings are sensible), sets the listed lines, and turns every option
# it does not list off until nothing changes, so nothing comes along
# unasked. With SKIFF_UNLISTED=default it turns off only the applets it
# does not list, and their options keep busybox's defaults. It fails if a
# listed line did not take.
#
# usage: busybox.sh NAME OUT   (NAME: udhcpc | debug)
set -eu
prog=busybox.sh
name=${1:?usage: busybox.sh NAME OUT}
out=${2:?usage: busybox.sh NAME OUT}
here=$(cd "$(dirname "$0")" && pwd)
: "${BUILD:=build}"
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
fragment=$here/busybox/$name.config
[ -f "$fragment" ] || { echo "$prog: fatal: no busybox configuration $name ($fragment)" >&2; exit 2; }

. "$here/debsrc.sh"
kinc=$(kernel_headers)
src=$(fetch busybox)
# Skiff's patches (mk/busybox/patches/*.patch), each behind a macro that only
# the configuration wanting it defines, so one source tree serves all.
for p in "$here"/busybox/patches/*.patch; do
	[ -f "$p" ] || continue
	if ! patch -d "$src" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1; then
		patch -d "$src" -p1 -s -f <"$p" >&2 || { echo "$prog: fatal: $p does not apply to $src" >&2; exit 1; }
	fi
done
obj=$BUILD/busybox/$name
mkdir -p "$obj"
bbmake() { make -s -C "$src" O="$obj" CC=musl-gcc HOSTCC=gcc "$@"; }

# put FILE: FILE's lines (CONFIG_X=v or "# CONFIG_X is not set") replace
# those of the same options in .config.
put() {
	sed -n 's/^\(# \)\{0,1\}\(CONFIG_[A-Z0-9_]*\)[= ].*/^(# )?\2[= ]/p' "$1" >"$obj/.names"
	grep -vE -f "$obj/.names" "$obj/.config" >"$obj/.config.new" || true
	grep -E '^(# )?CONFIG_' "$1" >>"$obj/.config.new" || true
	mv "$obj/.config.new" "$obj/.config"
}

# The applets' options: the IF_X( of the sources' "//applet:" lines.
applet_options() {
	grep -rh '^//applet:' "$src" --include='*.c' | grep -oE 'IF_[A-Z0-9_]+\(' | grep -v '^IF_NOT_' |
		sed 's/^IF_\(.*\)($/^CONFIG_\1=y$/' | sort -u
}

configure() {
	grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" >"$obj/.want"
	unlisted=$(sed -n 's/^SKIFF_UNLISTED=//p' "$fragment")
	[ "$unlisted" = default ] && applet_options >"$obj/.applets" || echo '^CONFIG_' >"$obj/.applets"
	bbmake defconfig >/dev/null
	put "$fragment"
	prev=""
	for _ in 1 2 3 4 5 6 7 8; do
		yes "" | bbmake oldconfig >/dev/null
		extra=$(grep -E '^CONFIG_[A-Z0-9_]+=y$' "$obj/.config" | grep -E -f "$obj/.applets" |
			grep -vxF -f "$obj/.want" || true)
		# Unchanged: what is left on is selected by a wanted option.
		[ "$extra" = "$prev" ] && break
		prev=$extra
		echo "$extra" | sed 's/^\(CONFIG_[A-Z0-9_]*\)=y$/# \1 is not set/' >"$obj/.off"
		put "$obj/.off"
	done
	missing=$(grep -vxF -f "$obj/.config" "$obj/.want" || true)
	if [ -n "$missing" ]; then
		echo "$prog: fatal: $fragment: these settings did not take (a dependency is off, or the option does not exist):" >&2
		echo "$missing" | sed 's/^/  /' >&2
		exit 1
	fi
}

echo "$prog: building busybox ($name) against musl" >&2
configure
# Debian's busybox warns a lot under gcc 12: keep the log, show it on failure.
if ! bbmake -j"$(nproc)" EXTRA_CFLAGS="-isystem $kinc" busybox >"$obj/build.log" 2>&1; then
	tail -n 30 "$obj/build.log" >&2
	echo "$prog: fatal: building busybox ($name) failed; log: $obj/build.log" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
cp "$obj/busybox" "$out.tmp"
mv "$out.tmp" "$out"
