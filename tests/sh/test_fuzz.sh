#!/bin/sh
# `make fuzz` builds every tests/fuzz/fuzz_*.c, and each target runs a few seconds on its
# seeds without a finding (the long runs are `make fuzz-run FUZZ_SECONDS=N`).
# Run in the first pass of the suite only: the targets are their own sanitizer build.
set -u
case ${PORTSCOPE:-} in
*/asan/*) echo "skip: the fuzz targets run once, in the first pass"; exit 77 ;;
esac
secs=${FUZZ_TEST_SECONDS:-1}
command -v clang >/dev/null 2>&1 || { echo "skip: clang not installed"; exit 77; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM
fail() { echo "FAIL: $*"; cat "$log"; exit 1; }

# Called from make test: a fresh make, not a child of the caller's jobserver and flags.
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS timeout 600 make --no-print-directory -j"$(nproc)" fuzz >"$log" 2>&1 ||
	fail "make fuzz"
n=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	bin=build/fuzz/$name
	[ -x "$bin" ] || fail "make fuzz did not build $bin"
	seeds=tests/fuzz/${name#fuzz_}_corpus
	[ -d "$seeds" ] || seeds=
	work=$(mktemp -d)
	# A fresh corpus directory first: libFuzzer writes new inputs there, never into seeds.
	timeout $((secs + 30)) "$bin" -max_total_time="$secs" -artifact_prefix="$work/" \
		"$work" ${seeds:+"$seeds"} >"$log" 2>&1
	rc=$?
	rm -rf "$work"
	[ $rc = 0 ] || fail "$name exited $rc"
	grep -q 'Done [0-9]* runs' "$log" || fail "$name did not report its runs"
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no fuzz targets in tests/fuzz"
echo "$n fuzz targets built and ran ${secs} s each"
exit 0
