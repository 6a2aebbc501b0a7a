#!/bin/sh
# promtool accepts every -o prom output: list, audit, check and scan, and a label value
# that needs escaping (a process named with a quote and a backslash, made here by python3).
set -u
command -v promtool >/dev/null 2>&1 || { echo "skip: no promtool (Debian package prometheus)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
. "$(dirname "$0")/lib.sh"

# A listener whose process name is  q"b\s  (bounded: it exits after 30 s).
python3 -c '
import socket, time
open("/proc/self/comm", "w").write("q\"b\\s")
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open("'"$TMP"'/port.tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename("'"$TMP"'/port.tmp", "'"$TMP"'/port")
time.sleep(30)' &
PID=$!
i=0
while [ ! -f "$TMP/port" ]; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "listener did not start"
	sleep 0.1
done
PORT=$(cat "$TMP/port")

"$P" list -o prom >"$TMP/all.prom" || fail "list -o prom exit $?"
promtool check metrics <"$TMP/all.prom" || fail "promtool rejects list -o prom"
"$P" list -o prom -t -4 --port "$PORT" >"$TMP/one.prom" || fail "list -o prom --port exit $?"
promtool check metrics <"$TMP/one.prom" || fail "promtool rejects list -o prom --port"
# ps_escape shows the backslash as \\ ; the exposition format then escapes both
# backslashes and the quote.
grep -qF "portscope_listening{proto=\"tcp\",family=\"ipv4\",address=\"127.0.0.1\",port=\"$PORT\",service=\"\",exposure=\"loopback\",command=\"q\\\"b\\\\\\\\s\",unit=\"\"} 1" "$TMP/one.prom" ||
	fail "escaped sample missing: $(cat "$TMP/one.prom")"
grep -q '^portscope_listening_sockets{proto="tcp",exposure="loopback"} 1$' "$TMP/one.prom" ||
	fail "count missing"

echo '{"allow": [{"port": 22}], "require": [{"port": 1}]}' >"$TMP/policy.json"
"$P" audit --policy "$TMP/policy.json" -o prom -t -4 --port "$PORT" >"$TMP/audit.prom"
rc=$?
[ $rc = 1 ] || fail "audit -o prom with findings exit $rc"
promtool check metrics <"$TMP/audit.prom" || fail "promtool rejects audit -o prom"
grep -q '^portscope_audit_findings{kind="unexpected"} 1$' "$TMP/audit.prom" || fail "unexpected count"
grep -q '^portscope_audit_findings{kind="missing"} 1$' "$TMP/audit.prom" || fail "missing count"

# check and scan: the open port and a closed one (port 1 on loopback: nothing listens
# there unless root started it; either way the output must be valid).
"$P" check -o prom "127.0.0.1:$PORT" 127.0.0.1:1 >"$TMP/check.prom"
rc=$?
[ $rc -le 1 ] || fail "check -o prom exit $rc"
promtool check metrics <"$TMP/check.prom" || fail "promtool rejects check -o prom"
grep -q "^portscope_probe_success{proto=\"tcp\",target=\"127.0.0.1:$PORT\",address=\"127.0.0.1\",port=\"$PORT\"} 1$" \
	"$TMP/check.prom" || fail "check success sample: $(cat "$TMP/check.prom")"
grep -q "^portscope_probe_rtt_seconds{proto=\"tcp\",target=\"127.0.0.1:$PORT\",address=\"127.0.0.1\",port=\"$PORT\"} 0\.[0-9]*$" \
	"$TMP/check.prom" || fail "check rtt sample"
"$P" scan 127.0.0.1 -p "1,$PORT" --all-states -o prom >"$TMP/scan.prom" || fail "scan -o prom exit $?"
promtool check metrics <"$TMP/scan.prom" || fail "promtool rejects scan -o prom"
grep -q "^portscope_probe_success{proto=\"tcp\",target=\"127.0.0.1\",address=\"127.0.0.1\",port=\"$PORT\"} 1$" \
	"$TMP/scan.prom" || fail "scan success sample: $(cat "$TMP/scan.prom")"
grep -q '^portscope_probe_duration_seconds [0-9.]*$' "$TMP/scan.prom" || fail "scan duration"
exit 0
