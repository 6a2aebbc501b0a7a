#!/bin/sh
# portscope check -o nagios side by side with check_tcp (monitoring-plugins-basic) on the
# same loopback ports: an open one (a python3 listener), a closed one (bound, not
# listening, so nobody else can listen there), response-time thresholds and bad usage.
# Both must give the same plugin exit codes; our perfdata must parse as check_tcp's does.
set -u
CT=/usr/lib/nagios/plugins/check_tcp
[ -x "$CT" ] || { echo "skip: no $CT (Debian package monitoring-plugins-basic)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
. "$(dirname "$0")/lib.sh"

# Bounded: the sockets go away after 30 s even if the trap never runs.
python3 -c '
import socket, time, os
o = socket.socket(); o.bind(("127.0.0.1", 0)); o.listen(16)
c = socket.socket(); c.bind(("127.0.0.1", 0))
open("'"$TMP"'/ports.tmp", "w").write("%d %d" % (o.getsockname()[1], c.getsockname()[1]))
os.rename("'"$TMP"'/ports.tmp", "'"$TMP"'/ports")
time.sleep(30)' &
PID=$!
i=0
while [ ! -f "$TMP/ports" ]; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "listener did not start"
	sleep 0.1
done
read -r OPEN CLOSED <"$TMP/ports"

# same_code LABEL "portscope args" "check_tcp args": run both, compare exit codes.
same_code() {
	label=$1
	# shellcheck disable=SC2086
	"$P" check -o nagios $2 >"$TMP/ours" 2>/dev/null
	ours=$?
	# shellcheck disable=SC2086
	"$CT" $3 >"$TMP/theirs" 2>&1
	theirs=$?
	echo "$label: portscope $ours: $(cat "$TMP/ours")"
	echo "$label: check_tcp $theirs: $(cat "$TMP/theirs")"
	[ "$ours" = "$theirs" ] || fail "$label: portscope exit $ours, check_tcp exit $theirs"
	[ "$(wc -l <"$TMP/ours")" = 1 ] || fail "$label: not one line"
}

same_code "open" "127.0.0.1:$OPEN" "-H 127.0.0.1 -p $OPEN"
[ "$ours" = 0 ] || fail "open port not OK"
grep -q "^PORTSCOPE OK - 1/1 reachable, worst [0-9.]* ms | '127.0.0.1:$OPEN'=[0-9.]*s;;;0;$" "$TMP/ours" ||
	fail "OK line format"

same_code "closed" "127.0.0.1:$CLOSED" "-H 127.0.0.1 -p $CLOSED"
[ "$ours" = 2 ] || fail "closed port not CRITICAL"
grep -q "^PORTSCOPE CRITICAL - 0/1 reachable: 127.0.0.1:$CLOSED closed (reset) | '127.0.0.1:$CLOSED'=U;;;0;$" \
	"$TMP/ours" || fail "CRITICAL line format"

same_code "open+closed" "127.0.0.1:$OPEN 127.0.0.1:$CLOSED" "-H 127.0.0.1 -p $CLOSED"

# Thresholds: ours in milliseconds, check_tcp's in seconds. A loopback connect takes
# longer than a microsecond and far less than a minute.
same_code "warning" "-w 0.001 127.0.0.1:$OPEN" "-H 127.0.0.1 -p $OPEN -w 0.000001"
[ "$ours" = 1 ] || fail "-w not WARNING"
same_code "critical" "-w 0.001 -c 0.001 127.0.0.1:$OPEN" "-H 127.0.0.1 -p $OPEN -w 0.000001 -c 0.000001"
[ "$ours" = 2 ] || fail "-c not CRITICAL"
same_code "within" "-w 60000 -c 60000 127.0.0.1:$OPEN" "-H 127.0.0.1 -p $OPEN -w 60 -c 60"
[ "$ours" = 0 ] || fail "thresholds not met"
# The thresholds in perfdata are the same seconds as check_tcp's.
ours_th=$(sed -n "s/.*'=[0-9.]*s;\([0-9.]*\);\([0-9.]*\);.*/\1 \2/p" "$TMP/ours")
theirs_th=$(sed -n 's/.*time=[0-9.]*s;\([0-9.]*\);\([0-9.]*\);.*/\1 \2/p' "$TMP/theirs")
[ -n "$ours_th" ] && [ "$ours_th" = "$theirs_th" ] ||
	fail "perfdata thresholds: ours '$ours_th', check_tcp '$theirs_th'"
# Both measured a time under a second.
awk -v l="$(cat "$TMP/ours")" 'BEGIN { if (!match(l, /=[0-9.]+s;/)) exit 1
	v = substr(l, RSTART + 1, RLENGTH - 3) + 0; exit !(v > 0 && v < 1) }' || fail "our time"

same_code "bad usage" "--bogus 127.0.0.1:$OPEN" "-H 127.0.0.1 -p $OPEN --bogus"
[ "$ours" = 3 ] || fail "bad usage not UNKNOWN"
grep -q "^PORTSCOPE UNKNOWN - unknown option '--bogus'$" "$TMP/ours" || fail "UNKNOWN line"
exit 0
