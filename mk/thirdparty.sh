#!/bin/sh
# Builds a node-side third-party library static against musl from its Debian
# source package (fetched by mk/debsrc.sh), into the sysroot $SYSROOT. Each
# library is built once; its stamp file makes a second run a no-op.
#
# usage: thirdparty.sh NAME   (NAME: libnl | cjson | ...)
set -eu
name=$1
: "${BUILD:=build}"
BUILD=$(cd "$BUILD" && pwd)
SYSROOT=${SYSROOT:-$BUILD/sysroot}
stamp=$SYSROOT/.built-$name
# The stamp holds a hash of the recipe (this script, debsrc.sh and Skiff's
# patches in mk/thirdparty/NAME/): after a change to any, the library is
# built again from freshly unpacked source, so a tree built before the
# change cannot keep a library the recipe no longer makes (the Makefile
# reruns this script when one is newer).
here=$(cd "$(dirname "$0")" && pwd)
key=$(cat "$0" "$here/debsrc.sh" "$here"/thirdparty/*/*.patch | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ]; then
	[ "$(cat "$stamp")" = "$key" ] && { touch "$stamp"; exit 0; }
	rebuild=1
fi
mkdir -p "$SYSROOT/include" "$SYSROOT/lib"

. "$(dirname "$0")/debsrc.sh"
kinc=$(kernel_headers)

CC_MUSL="musl-gcc"
CFLAGS_MUSL="-Os -ffunction-sections -fdata-sections -isystem $kinc"

# The node runs x86_64 containers only (and their i386/x32 syscalls), so
# libseccomp keeps the x86 family: its syscall table loses the other twelve
# architectures' columns (gperf regenerates the lookup from the cut CSV), and
# arch.c no longer names their definitions, so they stay out of the link.
# About 26 KB of the node binary. Runs once, before configure.
seccomp_x86_only() {
	dir=$1
	[ -f "$dir/.skiff-x86-only" ] && return 0
	cut -d, -f1-4 "$dir/syscalls.csv" >"$dir/syscalls.csv.x86"
	mv "$dir/syscalls.csv.x86" "$dir/syscalls.csv"
	rm -f "$dir/syscalls.perf" "$dir/syscalls.perf.c"
	other="arm aarch64 mips mips64 mips64n32 parisc parisc64 ppc ppc64 riscv64 s390 s390x"
	for a in $other; do
		sed -i "/^\tint $a;\$/d" "$dir/syscalls.h"
		echo "/* not built: Skiff keeps only libseccomp's x86 family */" >"$dir/arch-$a.c"
	done
	# Each lookup is "case/if ...arch_def_X..." followed by its return line.
	sed -i -E '/(case SCMP_ARCH_|strcmp\(arch_name, ")(ARM|AARCH64|MIPS|PARISC|PPC|S390|RISCV|arm|aarch64|mips|parisc|ppc|s390|riscv)/{N;d}' \
		"$dir/arch.c"
	touch "$dir/.skiff-x86-only"
}

# Skiff's patches to NAME's source (mk/thirdparty/NAME/*.patch, -p1 from
# the source's top), applied once to a freshly unpacked tree.
apply_patches() {
	for p in "$here/thirdparty/$name"/*.patch; do
		[ -f "$p" ] || continue
		patch -d "$1" -p1 -R -s -f --dry-run <"$p" >/dev/null 2>&1 && continue
		patch -d "$1" -p1 -s -f <"$p" >&2 || { echo "thirdparty: $p does not apply to $1" >&2; exit 1; }
	done
}

echo "thirdparty: building $name against musl" >&2
case $name in
libnl)
	src=$(fetch libnl3)
	apply_patches "$src"
	cd "$src"
	# Debian's patches leave autotools inputs newer than their outputs;
	# keep make from trying to rerun autotools, which are not installed.
	[ -f Makefile ] || CC=$CC_MUSL CFLAGS="$CFLAGS_MUSL" ./configure -q --prefix="$SYSROOT" \
		--disable-shared --enable-static --disable-cli --disable-debug >&2
	noauto="ACLOCAL=true AUTOCONF=true AUTOMAKE=true AUTOHEADER=true"
	make -s -j"$(nproc)" $noauto >&2
	make -s install $noauto >&2
	;;
cjson)
	src=$(fetch cjson)
	apply_patches "$src"
	cd "$src"
	$CC_MUSL $CFLAGS_MUSL -c cJSON.c -o cJSON.o
	ar rcs "$SYSROOT/lib/libcjson.a" cJSON.o
	mkdir -p "$SYSROOT/include/cjson"
	cp cJSON.h "$SYSROOT/include/cjson/"
	;;
zlib)
	src=$(fetch zlib)
	cd "$src"
	# DYNAMIC_CRC_TABLE: the CRC-32 tables are computed on first use (once,
	# with C11 atomics) into 25 KB of bss of the process that inflates,
	# instead of 9 KB of tables in the node binary.
	[ -f configure.log ] || CC=$CC_MUSL CFLAGS="$CFLAGS_MUSL -DDYNAMIC_CRC_TABLE" \
		./configure --static --prefix="$SYSROOT" >&2
	make -s -j"$(nproc)" libz.a >&2
	make -s install-libs install-headers 2>/dev/null >&2 || make -s install >&2
	;;
bearssl)
	src=$(fetch bearssl)
	cd "$src"
	make -s -j"$(nproc)" CC=$CC_MUSL CFLAGS="$CFLAGS_MUSL -fPIC" LD=$CC_MUSL LDDLL=$CC_MUSL \
		build/libbearssl.a >&2
	cp build/libbearssl.a "$SYSROOT/lib/"
	cp inc/*.h "$SYSROOT/include/"
	;;
libarchive)
	# Reading tar (gzip through the sysroot's zlib) is all the runtime needs,
	# with names kept byte for byte (no-normalization.patch).
	src=$(fetch libarchive)
	apply_patches "$src"
	cd "$src"
	[ -f Makefile ] || CC=$CC_MUSL CFLAGS="$CFLAGS_MUSL" CPPFLAGS="-I$SYSROOT/include" \
		LDFLAGS="-L$SYSROOT/lib" ./configure -q --prefix="$SYSROOT" --disable-shared \
		--enable-static --disable-bsdtar --disable-bsdcpio --disable-bsdcat \
		--disable-bsdunzip --disable-acl --disable-xattr --without-xml2 --without-expat \
		--without-openssl --without-nettle --without-mbedtls --without-lzma \
		--without-bz2lib --without-lz4 --without-zstd --without-libb2 --without-iconv \
		--without-cng >&2
	noauto="ACLOCAL=true AUTOCONF=true AUTOMAKE=true AUTOHEADER=true"
	make -s -j"$(nproc)" $noauto libarchive.la >&2
	make -s $noauto install-libLTLIBRARIES install-includeHEADERS >&2
	;;
libseccomp)
	src=$(fetch libseccomp)
	cd "$src"
	seccomp_x86_only src
	[ -f Makefile ] || CC=$CC_MUSL CFLAGS="$CFLAGS_MUSL" ./configure -q --prefix="$SYSROOT" \
		--disable-shared --enable-static >&2
	noauto="ACLOCAL=true AUTOCONF=true AUTOMAKE=true AUTOHEADER=true"
	make -s -j"$(nproc)" $noauto -C src libseccomp.la >&2
	make -s $noauto -C src install-libLTLIBRARIES >&2
	make -s $noauto -C include install >&2
	;;
*)
	echo "thirdparty: unknown library $name" >&2
	exit 2
	;;
esac
echo "$key" >"$stamp"
