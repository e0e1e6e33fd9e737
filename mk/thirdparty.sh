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
[ -f "$stamp" ] && exit 0
mkdir -p "$SYSROOT/include" "$SYSROOT/lib"

. "$(dirname "$0")/debsrc.sh"
kinc=$(kernel_headers)

CC_MUSL="musl-gcc"
CFLAGS_MUSL="-Os -ffunction-sections -fdata-sections -isystem $kinc"

echo "thirdparty: building $name against musl" >&2
case $name in
libnl)
	src=$(fetch libnl3)
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
	cd "$src"
	$CC_MUSL $CFLAGS_MUSL -c cJSON.c -o cJSON.o
	ar rcs "$SYSROOT/lib/libcjson.a" cJSON.o
	mkdir -p "$SYSROOT/include/cjson"
	cp cJSON.h "$SYSROOT/include/cjson/"
	;;
zlib)
	src=$(fetch zlib)
	cd "$src"
	[ -f configure.log ] || CC=$CC_MUSL CFLAGS="$CFLAGS_MUSL" ./configure --static --prefix="$SYSROOT" >&2
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
	# Reading tar (gzip through the sysroot's zlib) is all the runtime needs.
	src=$(fetch libarchive)
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
	[ -f Makefile ] || CC=$CC_MUSL CFLAGS="$CFLAGS_MUSL" ./configure -q --prefix="$SYSROOT" \
		--disable-shared --enable-static >&2
	noauto="ACLOCAL=true AUTOCONF=true AUTOMAKE=true AUTOHEADER=true"
	make -s -j"$(nproc)" $noauto -C src >&2
	make -s $noauto -C src install >&2
	make -s $noauto -C include install >&2
	;;
*)
	echo "thirdparty: unknown library $name" >&2
	exit 2
	;;
esac
touch "$stamp"
