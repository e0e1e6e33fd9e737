# Fetching Debian source packages, for the scripts that build from them
# (sourced by mk/thirdparty.sh and mk/busybox.sh; needs BUILD, absolute).
# The source comes through `apt-get source` with a private sources list
# and private state under $BUILD/apt, so the system's apt configuration is
# never touched; each package is downloaded and unpacked once.

mirror() {
	u=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	[ -n "$u" ] || u=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*debian\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1)
	echo "${u:-http://deb.debian.org/debian}"
}

apt_private() {
	apt-get -q -o Dir::Etc::SourceList="$BUILD/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$BUILD/apt/lists" -o Dir::Cache="$BUILD/apt/cache" \
		-o APT::Sandbox::User=root "$@"
}

fetch() { # srcpkg -> prints the extracted source directory
	pkg=$1
	mkdir -p "$BUILD/src" "$BUILD/apt/lists/partial" "$BUILD/dl"
	# `make -j` runs several of these at once; apt takes its own lock on the
	# private lists and fails instead of waiting, so take turns here.
	exec 9>"$BUILD/apt/fetch.lock"
	flock 9
	# A caller rebuilding after a recipe change (rebuild=1) unpacks afresh.
	[ -z "${rebuild:-}" ] || rm -rf "$BUILD/src/$pkg"-*/
	dir=$(ls -d "$BUILD/src/$pkg"-*/ 2>/dev/null | head -n1)
	if [ -z "$dir" ]; then
		if [ ! -f "$BUILD/apt/sources.list" ]; then
			echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror) bookworm main" \
				>"$BUILD/apt/sources.list"
		fi
		[ -n "$(ls "$BUILD/apt/lists" | grep Sources || true)" ] || apt_private update >&2
		(cd "$BUILD/dl" && ls "$pkg"_*.dsc >/dev/null 2>&1 || apt_private source --download-only "$pkg" >&2)
		dsc=$(ls "$BUILD/dl/$pkg"_*.dsc | head -n1)
		(cd "$BUILD/src" && dpkg-source --no-check -x "$dsc" >&2)
		dir=$(ls -d "$BUILD/src/$pkg"-*/ | head -n1)
	fi
	echo "${dir%/}"
}

# musl-gcc does not see the kernel's uapi headers on its own: $BUILD/kinc
# holds links to them, for -isystem.
kernel_headers() {
	kinc=$BUILD/kinc
	if [ ! -d "$kinc" ]; then
		mkdir -p "$kinc"
		ln -s /usr/include/linux "$kinc/linux"
		ln -s /usr/include/asm-generic "$kinc/asm-generic"
		ln -s /usr/include/x86_64-linux-gnu/asm "$kinc/asm"
		[ -d /usr/include/mtd ] && ln -s /usr/include/mtd "$kinc/mtd"
	fi
	echo "$kinc"
}
