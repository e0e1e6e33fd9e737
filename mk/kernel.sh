#!/bin/sh
# Builds a Skiff kernel profile from Debian's kernel source (the package
# linux-source-6.1: /usr/src/linux-source-*.tar.xz, Debian's patches
# applied) with the configuration fragment mk/kernel/PROFILE.config on top
# of `make allnoconfig`. Everything is built in; there are no modules.
#
# The result is laid out like an installed Debian kernel, so skiff-imagegen
# reads it the same way:
#   $BUILD/kernel/PROFILE/boot/vmlinuz-RELEASE
#   $BUILD/kernel/PROFILE/boot/config-RELEASE
#   $BUILD/kernel/PROFILE/lib/modules/RELEASE/modules.dep     (empty)
#   $BUILD/kernel/PROFILE/lib/modules/RELEASE/modules.builtin
# RELEASE is the source's version with -skiff-PROFILE appended. A stamp
# holding the hash of the fragment, this script and the source tarball's
# name makes a second run a no-op until one of them changes.
#
# usage: kernel.sh PROFILE
set -eu
prog=kernel.sh
profile=${1:?usage: kernel.sh PROFILE}
here=$(cd "$(dirname "$0")" && pwd)
: "${BUILD:=build}"
mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
fragment=$here/kernel/$profile.config
[ -f "$fragment" ] || { echo "$prog: fatal: no kernel profile $profile ($fragment)" >&2; exit 2; }

tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
[ -n "$tarball" ] || {
	echo "$prog: fatal: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)" >&2
	exit 1
}
out=$BUILD/kernel/$profile
# The package's version: an update ships a new tarball under the same name.
pkgver=$(dpkg-query -W -f='${Version}' "$(basename "$tarball" .tar.xz)" 2>/dev/null || stat -c %Y "$tarball")
key=$(cat "$fragment" "$0" | sha256sum | cut -d' ' -f1)-$(basename "$tarball")-$pkgver
[ "$(cat "$out/.built" 2>/dev/null)" = "$key" ] && exit 0

start=$(date +%s)
src=$BUILD/kernel/src/$(basename "$tarball" .tar.xz)
if [ "$(cat "$src/.unpacked" 2>/dev/null)" != "$pkgver" ]; then
	echo "$prog: unpacking $tarball" >&2
	rm -rf "$src"
	mkdir -p "$BUILD/kernel/src"
	tar -C "$BUILD/kernel/src" -xJf "$tarball"
	# An empty .scmversion keeps setlocalversion from asking git (the build
	# tree sits inside Skiff's own repository).
	: >"$src/.scmversion"
	echo "$pkgver" >"$src/.unpacked"
fi

obj=$BUILD/kernel/obj-$profile
mkdir -p "$obj"
export KBUILD_BUILD_TIMESTAMP="${SOURCE_DATE_EPOCH:+@$SOURCE_DATE_EPOCH}"
[ -n "$KBUILD_BUILD_TIMESTAMP" ] || KBUILD_BUILD_TIMESTAMP=@0
export KBUILD_BUILD_USER=skiff KBUILD_BUILD_HOST=skiff
kmake() { make -s -C "$src" O="$obj" LOCALVERSION="-skiff-$profile" "$@"; }

echo "$prog: configuring $profile from $(basename "$tarball")" >&2
KCONFIG_ALLCONFIG=$fragment kmake allnoconfig >&2
# allnoconfig silently drops a line whose dependencies are off: refuse.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" | while IFS= read -r line; do
	grep -qxF "$line" "$obj/.config" || echo "$line"
done)
if [ -n "$missing" ]; then
	echo "$prog: fatal: $fragment: these settings did not take (a dependency is off, or the symbol does not exist):" >&2
	echo "$missing" | sed 's/^/  /' >&2
	exit 1
fi

echo "$prog: building $profile on $(nproc) cores" >&2
kmake -j"$(nproc)" bzImage >&2
release=$(kmake kernelrelease)
rm -rf "$out.tmp"
mkdir -p "$out.tmp/boot" "$out.tmp/lib/modules/$release"
cp "$obj/arch/x86/boot/bzImage" "$out.tmp/boot/vmlinuz-$release"
cp "$obj/.config" "$out.tmp/boot/config-$release"
: >"$out.tmp/lib/modules/$release/modules.dep"
cp "$obj/modules.builtin" "$out.tmp/lib/modules/$release/modules.builtin"
echo "$key" >"$out.tmp/.built"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$prog: $profile kernel $release: $(stat -c %s "$out/boot/vmlinuz-$release") bytes, built in $(($(date +%s) - start)) s" >&2
