#!/bin/sh
# make lint: cppcheck and clang-tidy over cmd/ probe/ report/ with the checked-in
# configuration (.cppcheck-suppressions, .clang-tidy). Prints each finding once, as
# "file:line: message [check]", then a count per check; exits 1 when there is any.
# Usage: lint.sh JOBS -- COMPILER-FLAGS (the flags the build uses: -I, -D, pkg-config).
set -u
jobs=${1:-2}
shift
[ "${1:-}" = -- ] && shift
for tool in cppcheck clang-tidy; do
	command -v $tool >/dev/null 2>&1 ||
		{ echo "lint: $tool is not installed (sh scripts/deps.sh lint)" >&2; exit 2; }
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
trap 'exit 2' INT TERM	# stopped: never go on to say "clean"

cppcheck -q --std=c11 --enable=style,warning,performance,portability --inline-suppr \
	--suppressions-list=.cppcheck-suppressions -I. -D_GNU_SOURCE \
	--template='{file}:{line}: {message} [cppcheck-{id}]' cmd probe report 2>"$out/cppcheck"

# One clang-tidy per file, JOBS at a time; findings in headers come once per includer,
# hence the sort -u below.
export out
ls cmd/*.c probe/*.c report/*.c | xargs -P "$jobs" -I{} sh -c \
	'f={}; clang-tidy --quiet "$f" -- "$@" >"$out/$(echo "$f" | tr / _).tidy" 2>/dev/null || true' \
	sh "$@"
cat "$out"/*.tidy 2>/dev/null |
	sed -n 's|^'"$(pwd)"'/||; s/^\([^: ]*:[0-9]*\):[0-9]*: \(warning\|error\): \(.*\)$/\1: \3/p' \
	>"$out/tidy"
sort -u "$out/cppcheck" "$out/tidy" | grep -v '^$' >"$out/all"
n=$(wc -l <"$out/all")
if [ "$n" -gt 0 ]; then
	cat "$out/all"
	echo "lint: $n findings:"
	sed -n 's/.*\[\([^]]*\)\]$/\1/p' "$out/all" | sort | uniq -c | sort -rn
	exit 1
fi
echo "lint: clean"
