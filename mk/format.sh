#!/bin/sh
# mk/format.sh [--check]: formats Skiff's own C sources (every tracked *.c
# and *.h) with the repository's .clang-format; --check changes nothing and
# fails, naming each file, when one is not formatted (one clang-format run
# over the whole tree: about a second). clang-format 14 is the reference
# (Debian 12's): other versions break some lines differently.
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
# Each violation is reported as "file:line:col: error: ..."; name each
# file once, with its first line that differs.
# shellcheck disable=SC2086
out=$("$CLANG_FORMAT" --dry-run --Werror $files 2>&1) && exit 0
bad=$(printf '%s\n' "$out" | sed -n 's/^\([^ :]*\):\([0-9]*\):[0-9]*: error: .*clang-format-violations.*/\1:\2/p' |
	awk -F: '!seen[$1]++')
if [ -z "$bad" ]; then
	printf '%s\n' "$out" >&2
	echo "format: $CLANG_FORMAT failed" >&2
	exit 1
fi
printf '%s\n' "$bad" | while IFS= read -r at; do
	echo "format: $at: not formatted (make format fixes it)" >&2
done
exit 1
