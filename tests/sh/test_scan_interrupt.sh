#!/bin/bash
# A scan stopped mid-way keeps its results: SIGINT and SIGTERM in each format give the
# results decided so far (a table with its summary line, a valid JSON document with
# "interrupted": true, NDJSON lines) and exit 130 / 143; an NDJSON file grows while the
# scan runs; a reader of stdout that goes away stops the scan within a second (exit 141).
# Scans are loopback only, paced by --rate and bounded by timeout or a watchdog (a scan
# still running 10 s after its signal fails, with where each of its threads waits).
set -u
P=${PORTSCOPE:-build/portscope}
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# stopped PID: wait up to 10 s for PID to end after its signal; if it has not, show where
# each of its threads sleeps (the kernel's view, as root) before killing it.
stopped() {
	local i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$1" 2>/dev/null || return 0
	for t in /proc/"$1"/task/*; do
		echo "thread ${t##*/}: $(cut -d' ' -f3 "$t/stat") wchan=$(cat "$t/wchan" 2>/dev/null)"
		cat "$t/stack" 2>/dev/null | head -8
	done
	command -v gdb >/dev/null 2>&1 && timeout 30 gdb -p "$1" -batch -ex "thread apply all bt" \
		2>/dev/null | grep -E '^(#|Thread)' | head -80
	kill -9 "$1"
	return 1
}

# scan FORMAT SIGNAL: start a paced scan, signal it after 2 s, check exit and output. The
# signal goes to portscope alone: under timeout(1) a copy also goes to the process group,
# and one that reached the sanitizer build during LeakSanitizer's exit check killed the
# checker's tracer (portscope spun in sched_yield until timeout's own alarm).
stop_scan() {
	local fmt=$1 sig=$2 want=$3
	"$P" scan 127.0.0.1 -p 1-2000 --rate 200 --all-states -o "$fmt" >"$TMP/out.$fmt" &
	local pid=$!
	# Time for portscope (slower to start under a sanitizer) to set up its handlers.
	sleep 2
	kill -"$sig" "$pid"
	stopped "$pid" || fail "$fmt $sig: still running 10 s after the signal"
	wait "$pid"
	local rc=$?
	[ $rc -eq "$want" ] || fail "$fmt $sig: exit $rc, want $want"
	case $fmt in
	table)
		tail -2 "$TMP/out.table" | grep -q "results in .*(interrupted)" ||
			fail "table summary: $(tail -2 "$TMP/out.table")"
		[ "$(grep -c '/tcp' "$TMP/out.table")" -gt 50 ] || fail "table: too few rows";;
	json)
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["interrupted"] is True, s
assert 50 < s["total"] < 2000 and len(d["results"]) == s["total"], s
' "$TMP/out.json" || fail "json document";;
	ndjson)
		python3 -c '
import json, sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l))
assert 50 < n < 2000, n
' "$TMP/out.ndjson" || fail "ndjson lines";;
	esac
}
for fmt in table json ndjson; do
	stop_scan "$fmt" INT 130
	stop_scan "$fmt" TERM 143
done

# One stop delivered twice at once (as timeout(1) does: to the child and to its group) is one
# stop, not a kill: the results are still written.
"$P" scan 127.0.0.1 -p 1-2000 --rate 200 --all-states -o json >"$TMP/twice" &
pid=$!
sleep 2
kill -INT $pid; kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "SIGINT twice: exit $rc, want 130"
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["summary"]["interrupted"]' \
	"$TMP/twice" || fail "SIGINT twice: results lost"

# An NDJSON file grows while the scan runs.
timeout --foreground 20 "$P" scan 127.0.0.1 -p 1-2000 --rate 200 --all-states --ndjson >"$TMP/grow" &
pid=$!
sleep 1.5
a=$(wc -c <"$TMP/grow")
sleep 1.2
b=$(wc -c <"$TMP/grow")
kill -INT $pid; wait $pid
[ "$a" -gt 0 ] && [ "$b" -gt "$a" ] || fail "ndjson file did not grow while scanning ($a, $b bytes)"

# The reader goes away (SIGPIPE ignored, as under some parents): the scan stops at once.
start=$(date +%s%N)
( trap '' PIPE; timeout 20 "$P" scan 127.0.0.1 -p 1-65535 --rate 500 --all-states --ndjson; echo $? >"$TMP/rc" ) |
	head -1 >/dev/null
# A table reader: nothing is written until the end, so only the poll notices.
( trap '' PIPE; timeout 20 "$P" scan 127.0.0.1 -p 1-65535 --rate 500 --all-states; echo $? >"$TMP/rc2" ) |
	( sleep 0.5; exit 0 )
sleep 1.2
end=$(date +%s%N)
[ "$(cat "$TMP/rc")" = 141 ] || fail "ndjson reader gone: exit $(cat "$TMP/rc"), want 141"
[ -f "$TMP/rc2" ] || fail "table scan still running 1 s after its reader left"
[ "$(cat "$TMP/rc2")" = 141 ] || fail "table reader gone: exit $(cat "$TMP/rc2"), want 141"
[ $(((end - start) / 1000000)) -lt 4000 ] || fail "reader gone: took $(((end - start) / 1000000)) ms"
echo "ok: SIGINT/SIGTERM keep table, JSON and NDJSON results; NDJSON grows; EPIPE stops the scan"
