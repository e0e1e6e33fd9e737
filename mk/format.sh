#!/bin/sh
# mk/format.sh [--check]: formats Skiff's own C sources (every tracked *.c
# and *.h) with the repository's .clang-format; --check changes nothing and
# fails, naming each file, when one is not formatted. clang-format 14 is
# the reference (Debian 12's): other versions break some lines differently.
set -eu
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
command -v "$CLANG_FORMAT" >/dev/null 2>&1 || {
	echo "format: $CLANG_FORMAT not found (apt-get install clang-format-14)" >&2
	exit 1
}
files=$(git ls-files '*.c' '*.h')
if [ "${1:-}" != --check ]; then
	# shellcheck disable=SC2086
	exec "$CLANG_FORMAT" -i $files
fi
bad=0
for f in $files; do
	if ! "$CLANG_FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "format: $f is not formatted (make format fixes it)" >&2
		bad=1
	fi
done
exit $bad
