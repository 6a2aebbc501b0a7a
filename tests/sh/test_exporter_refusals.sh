#!/bin/sh
# portscope exporter is not an open proxy and cannot be held: a target outside
# allow_targets is refused with 403 before any packet (a loopback listener on the refused
# address sees no connection), bad queries get 400 naming the parameter, other methods
# 405; 2,000 requests at once leave it running with bounded memory and 503s counted; a
# client sending one byte a second neither blocks others nor holds its connection past
# --request-timeout; SIGHUP with a broken config keeps the old one and logs why (FILE:
# LINE:COLUMN); a bad config at start is exit 2; SIGTERM stops it with exit 0.
set -u
. tests/sh/exporter_lib.sh
for t in curl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
. "$(dirname "$0")/lib.sh"
fail() { echo "FAIL: $*"; tail -n 8 "$TMP/exporter.log"; exit 1; }
# status PATH: the HTTP status and the body's first line.
status() { curl -s -m 10 -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$XPORT$1"; }
expect_status() {	# PATH CODE BODY-PATTERN
	got=$(status "$1")
	[ "$got" = "$2" ] || fail "$1: status $got, expected $2 ($(head -c 200 "$TMP/body"))"
	grep -q "$3" "$TMP/body" || fail "$1: body '$(head -c 200 "$TMP/body")' lacks '$3'"
}

# A listener on 127.0.0.2 counting connections: the refused target.
LPORT=$(free_port)
timeout -k 2 120 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.2", int(sys.argv[1]))); s.listen(16)
n = 0
with open(sys.argv[2], "w") as f:
    f.write("0\n")
while True:
    c, _ = s.accept(); c.close(); n += 1
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % n)
' "$LPORT" "$TMP/accepts" &
PIDS="$PIDS $!"
SILENT=$(free_port)
timeout -k 2 120 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(110)' "$SILENT" &
PIDS="$PIDS $!"
# A listener whose accept queue is full (backlog 0, never accepting): SYNs are dropped, so
# a TCP probe of it lasts its whole timeout.
HOLE=$(free_port)
timeout -k 2 120 python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(0)
cs = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", int(sys.argv[1]))); cs.append(c)
time.sleep(110)' "$HOLE" &
PIDS="$PIDS $!"
cat >"$TMP/good.json" <<EOT
{
  "modules": {
    "slow_udp": {"kind": "udp", "timeout_ms": 1500, "retries": 0},
    "slow_tcp": {"kind": "tcp", "timeout_ms": 1500},
    "custom": {"kind": "tcp", "timeout_ms": 500}
  },
  "allow_targets": ["127.0.0.1/32", {"host": "localhost", "ports": "1-65535"}]
}
EOT
cp "$TMP/good.json" "$TMP/config.json"
start_exporter "$TMP/exporter.log" --config "$TMP/config.json" --max-probes 50 \
	--request-timeout 4 || fail "the exporter did not start"
i=0; while [ ! -s "$TMP/accepts" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done

# Not an open proxy: 403 and no connection on the refused address.
expect_status "/probe?target=127.0.0.2:$LPORT&module=tcp" 403 "not allowed"
expect_status "/probe?target=127.0.0.2:$LPORT&module=custom" 403 "not allowed"
expect_status "/probe?target=example.invalid:80&module=tcp" 403 "not allowed"
sleep 0.3
[ "$(cat "$TMP/accepts")" = 0 ] || fail "the refused target saw a connection"
# The control: the same listener is reachable (127.0.0.2 is loopback), so silence above
# means the exporter sent nothing.
[ "$("$P" check "127.0.0.2:$LPORT" -o json >/dev/null; echo $?)" = 0 ] || fail "control check"

# Bad queries: 400 naming the parameter.
expect_status "/probe?module=tcp" 400 "missing parameter 'target'"
expect_status "/probe?target=127.0.0.1:80" 400 "missing parameter 'module'"
expect_status "/probe?target=127.0.0.1:80&module=nope" 400 "unknown module 'nope'"
expect_status "/probe?target=127.0.0.1:70000&module=tcp" 400 "parameter 'target'"
expect_status "/probe?target=127.0.0.1&module=tcp" 400 "parameter 'target'"
expect_status "/probe?target=127.0.0.1:80&module=tcp&module=udp" 400 "repeated parameter 'module'"
expect_status "/probe?target=127.0.0.1:80&module=tcp&debug=1" 400 "unknown parameter 'debug'"
expect_status "/nothing" 404 "not found"
got=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$XPORT/probe")
[ "$got" = 405 ] || fail "POST: $got"
# Allowed: the built-in modules work with this config too.
expect_status "/probe?target=127.0.0.1:$XPORT&module=custom" 200 "^probe_success 1"
expect_status "/probe?target=localhost:$XPORT&module=tcp" 200 "^probe_success 1"

# Prometheus's scrape timeout caps the module's (1500 ms) less 0.5 s: the full queue's
# probe times out after about 1.5 s alone, 0.3 s with a 0.8 s scrape timeout.
sleep 0.5
for cap in none 0.8; do
	curl -s -m 5 -H "X-Prometheus-Scrape-Timeout-Seconds: $cap" \
		"http://127.0.0.1:$XPORT/probe?target=127.0.0.1:$HOLE&module=slow_tcp" >"$TMP/capped"
	d=$(sed -n 's/^probe_duration_seconds //p' "$TMP/capped")
	if [ $cap = none ]; then lo=1.4 hi=2.0; else lo=0.2 hi=0.6; fi
	awk -v d="$d" -v lo=$lo -v hi=$hi 'BEGIN { exit !(d > lo && d < hi) }' ||
		fail "scrape timeout $cap: probe took ${d:-?} s (module timeout 1.5 s)"
	grep -q 'portscope_probe_reason{reason="timeout"} 1' "$TMP/capped" || fail "capped probe reason"
done

# 2,000 requests at once against probes of a silent UDP port: no crash, bounded memory,
# 503s past --max-probes.
python3 tests/sh/exporter_load.py flood "$XPORT" "/probe?target=127.0.0.1:$SILENT&module=slow_udp" \
	2000 >"$TMP/flood" || fail "load script failed"
kill -0 "$XPID" 2>/dev/null || fail "the exporter died under 2,000 requests"
n503=$(awk '$1 == 503 {print $2}' "$TMP/flood")
n200=$(awk '$1 == 200 {print $2}' "$TMP/flood")
[ "${n503:-0}" -gt 0 ] || fail "no 503 under load: $(cat "$TMP/flood")"
[ "${n200:-0}" -gt 0 ] || fail "no probe served under load: $(cat "$TMP/flood")"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$XREAL/status")
[ "$hwm" -lt 262144 ] || fail "peak memory $hwm kB under load"
curl -s -m 5 "http://127.0.0.1:$XPORT/metrics" >"$TMP/metrics"
c503=$(sed -n 's/^portscope_exporter_refused_total{code="503"} //p' "$TMP/metrics")
[ "$c503" -ge "$n503" ] || fail "503s counted $c503, seen $n503"
echo "flood: $(tr '\n' ' ' <"$TMP/flood"), peak RSS $hwm kB"

# A client sending one byte a second: others are served meanwhile, and it is cut.
python3 tests/sh/exporter_load.py slow "$XPORT" 15 >"$TMP/slow" &
SLOW=$!
sleep 1.5
for k in 1 2 3; do
	t0=$(date +%s%N)
	expect_status "/probe?target=127.0.0.1:$XPORT&module=tcp" 200 "^probe_success 1"
	t1=$(date +%s%N)
	[ $(((t1 - t0) / 1000000)) -lt 1000 ] || fail "a request took $(((t1 - t0) / 1000000)) ms beside a slow client"
done
wait "$SLOW"
held=$(cat "$TMP/slow")
[ "$held" != open ] && [ "$held" -le 8 ] || fail "the slow client held its connection: $held"

# Reload: a broken config keeps the old one and says where it is broken.
printf '{\n  "modules": {"x": {"kind": "tcp", "timeout_ms": "soon"}}\n}\n' >"$TMP/config.json"
kill -HUP "$XREAL"
i=0; until grep -q reload-failed "$TMP/exporter.log"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "no reload-failed in the log"; sleep 0.1; done
grep -q "config.json:2:50: 'timeout_ms' must be" "$TMP/exporter.log" ||
	fail "reload failure without FILE:LINE:COLUMN: $(grep reload-failed "$TMP/exporter.log")"
expect_status "/probe?target=127.0.0.1:$XPORT&module=custom" 200 "^probe_success 1"
# A good one is taken: module custom is gone, x arrived.
printf '{"modules": {"x": {"kind": "tcp"}}}\n' >"$TMP/config.json"
kill -HUP "$XREAL"
i=0; until grep -q ' reload: ' "$TMP/exporter.log"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "no reload in the log"; sleep 0.1; done
expect_status "/probe?target=127.0.0.1:$XPORT&module=custom" 400 "unknown module"
expect_status "/probe?target=127.0.0.1:$XPORT&module=x" 200 "^probe_success 1"
# ... and without allow_targets, loopback only (127.0.0.2 is loopback: allowed now).
expect_status "/probe?target=127.0.0.2:$LPORT&module=x" 200 "^probe_success 1"

# SIGTERM: a clean stop, exit 0.
kill -TERM "$XREAL"
wait "$XPID"; rc=$?
XPID=""
[ "$rc" = 0 ] || fail "exit $rc after SIGTERM"
grep -q stopping "$TMP/exporter.log" || fail "no stopping event"

# A bad config at start: exit 2, FILE:LINE:COLUMN.
printf '{"modules": {"a": {"kind": "smtp"}}}' >"$TMP/bad.json"
"$P" exporter --listen 127.0.0.1:1 --config "$TMP/bad.json" 2>"$TMP/err"; rc=$?
[ "$rc" = 2 ] || fail "bad config: exit $rc"
grep -q "bad.json:1:28: unknown module kind 'smtp'" "$TMP/err" || fail "bad config: $(cat "$TMP/err")"
printf '{"allow_targets": ["10.0.0.0/33"]}' >"$TMP/bad.json"
"$P" exporter --listen 127.0.0.1:1 --config "$TMP/bad.json" 2>"$TMP/err"; rc=$?
[ "$rc" = 2 ] && grep -q "bad.json:1:20: bad host '10.0.0.0/33'" "$TMP/err" ||
	fail "bad allow entry: exit $rc, $(cat "$TMP/err")"
exit 0
