#!/bin/sh
# check -o nagios --cert-days side by side with check_tcp -S -D (monitoring-plugins-basic)
# on the same loopback TLS servers (openssl s_server, certificates made at run time): a leaf
# with 29 whole days left under several WARN,CRIT pairs, an expired leaf, a server that is
# not TLS. The exit codes must be the same; where check_tcp writes perfdata (its time in
# seconds), ours must carry the target's time in seconds too.
set -u
bin=${PORTSCOPE:-build/portscope}
CT=/usr/lib/nagios/plugins/check_tcp
[ -x "$CT" ] || { echo "skip: no $CT (Debian package monitoring-plugins-basic)"; exit 77; }
for t in openssl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/tls_lib.sh"
tls_certs
# A leaf made this second has exactly 30 days left in whole seconds (both tools count
# whole seconds): past it, 29 and some hours, which both tools call 29 days.
sleep 1.1

# same LABEL PORT "portscope args" "check_tcp args"
same() {
	label=$1 p=$2
	# shellcheck disable=SC2086
	timeout -k 2 20 "$bin" check -o nagios "tls://127.0.0.1:$p" $3 >"$tmp/ours" 2>/dev/null
	ours=$?
	# shellcheck disable=SC2086
	timeout -k 2 20 "$CT" -H 127.0.0.1 -p "$p" -S $4 >"$tmp/theirs" 2>&1
	theirs=$?
	echo "$label: portscope $ours: $(cat "$tmp/ours")"
	echo "$label: check_tcp $theirs: $(tr '\n' ' ' <"$tmp/theirs")"
	[ "$ours" = "$theirs" ] || fail "$label: portscope exit $ours, check_tcp exit $theirs"
	[ "$(wc -l <"$tmp/ours")" = 1 ] || fail "$label: not one line"
	if grep -q '|time=[0-9.]*s;' "$tmp/theirs"; then
		grep -q "| 'tls://127.0.0.1:$p'=[0-9.]*s;" "$tmp/ours" ||
			fail "$label: no time perfdata in seconds"
	fi
}

tls_server good
days=$(enddate_days "$certs/good.pem")
[ "$days" = 29 ] || fail "the good leaf has $days days left, expected 29"
ca="--ca $certs/ca.pem"
same "29 days, -D 40,10" "$port" "$ca --cert-days 40,10" "-D 40,10"
same "29 days, -D 29,10" "$port" "$ca --cert-days 29,10" "-D 29,10"
same "29 days, -D 28" "$port" "$ca --cert-days 28" "-D 28"
same "29 days, -D 40,29" "$port" "$ca --cert-days 40,29" "-D 40,29"
same "29 days, -D 30,30" "$port" "$ca --cert-days 30,30" "-D 30,30"
same "29 days, no -D" "$port" "$ca" ""
tls_server expired
same "expired, -D 30" "$port" "--insecure --cert-days 30" "-D 30"
same "expired, -D 30,0" "$port" "--insecure --cert-days 30,0" "-D 30,0"
plain_server http
same "not TLS" "$port" "--insecure" ""
same "not TLS, -D 30" "$port" "--insecure --cert-days 30" "-D 30"
# Bad thresholds are a plugin's UNKNOWN (3), naming the token.
timeout -k 2 20 "$bin" check -o nagios "tls://127.0.0.1:$port" --cert-days 5,30 >"$tmp/ours"
rc=$?
[ $rc = 3 ] && grep -q "^PORTSCOPE UNKNOWN - .*'5,30'" "$tmp/ours" || fail "bad --cert-days: $rc $(cat "$tmp/ours")"
echo PASS
