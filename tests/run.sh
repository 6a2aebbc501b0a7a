#!/bin/sh
# Run every Criterion test binary in BUILD/tests/unit and BUILD/tests/it and the shell
# tests in tests/sh, then print one closing line: "tests: N passed, N failed, N skipped".
set -u
build=${1:-build}
export PORTSCOPE="$build/portscope"
pass=0 fail=0 skip=0 failed_bins=""
# Lint is CPU work with no timing of its own: in the first pass it runs beside the other
# tests at the lowest priority (tests/sh/test_lint.sh skips itself in the sanitizer pass)
# and is counted at the end.
lint=tests/sh/test_lint.sh lintlog=$(mktemp) lintpid=
if [ -f "$lint" ]; then
	lint0=$(date +%s)
	nice -n 19 sh "$lint" >"$lintlog" 2>&1 &
	lintpid=$!
fi
# count NAME RC SECONDS LOG: one shell test's line and totals.
count() {
	case $2 in
	0) pass=$((pass + 1)); printf '%-28s %4ss ok\n' "$1" "$3" ;;
	77) skip=$((skip + 1)); printf '%-28s %4ss skipped: %s\n' "$1" "$3" "$(tail -n 1 "$4")" ;;
	*) fail=$((fail + 1)); failed_bins="$failed_bins $1"; cat "$4" ;;
	esac
}
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
	[ -f "$t" ] && [ "$t" != "$lint" ] || continue
	log=$(mktemp)
	t0=$(date +%s)
	sh "$t" >"$log" 2>&1
	count "$(basename "$t")" $? $(($(date +%s) - t0)) "$log"
	rm -f "$log"
done
if [ -n "$lintpid" ]; then
	wait "$lintpid"
	count "$(basename "$lint") (beside)" $? $(($(date +%s) - lint0)) "$lintlog"
fi
rm -f "$lintlog"
echo "$build: $pass passed, $fail failed, $skip skipped"
mkdir -p build
echo "$pass $fail $skip" >>build/.test-counts
[ -n "$failed_bins" ] && echo "failed:$failed_bins"
[ "$fail" = 0 ] && [ -z "$failed_bins" ]
