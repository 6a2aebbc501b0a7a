#!/bin/sh
# Run every Criterion test binary in BUILD/tests/unit and BUILD/tests/it and the shell
# tests in tests/sh, then print one closing line: "tests: N passed, N failed, N skipped".
set -u
build=${1:-build}
export PORTSCOPE="$build/portscope"
pass=0 fail=0 skip=0 failed_bins=""
for t in "$build"/tests/unit/test_* "$build"/tests/it/test_*; do
	[ -x "$t" ] || continue
	name=${t#"$build"/tests/}	# unit/test_X or it/test_X
	log=$(mktemp)
	t0=$(date +%s)
	# Integration tests compare against ss at one moment: one test at a time.
	"$t" --jobs 1 --short-filename >"$log" 2>&1
	rc=$?
	line=$(grep 'Synthesis:' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	s=$(grep -c 'SKIP' "$log")
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + s))
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		[ -z "$line" ] && fail=$((fail + 1))
		failed_bins="$failed_bins $name"
		cat "$log"
	else
		printf '%-28s %4ss %s\n' "$name" $(($(date +%s) - t0)) "$line" | sed 's/\[====\] //'
		grep 'SKIP' "$log" | sed 's/^/    /'
	fi
	rm -f "$log"
done
for t in tests/sh/test_*.sh; do
	[ -f "$t" ] || continue
	log=$(mktemp)
	t0=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); printf '%-28s %4ss ok\n' "$(basename "$t")" $(($(date +%s) - t0)) ;;
	77) skip=$((skip + 1)); printf '%-28s %4ss skipped: %s\n' "$(basename "$t")" $(($(date +%s) - t0)) "$(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed_bins="$failed_bins $(basename "$t")"; cat "$log" ;;
	esac
	rm -f "$log"
done
echo "$build: $pass passed, $fail failed, $skip skipped"
mkdir -p build
echo "$pass $fail $skip" >>build/.test-counts
[ -n "$failed_bins" ] && echo "failed:$failed_bins"
[ "$fail" = 0 ] && [ -z "$failed_bins" ]
