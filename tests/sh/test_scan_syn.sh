#!/bin/sh
# scan --syn (-sS) in network namespaces (198.18.2.0/24): the prober in one, the target .2
# behind a veth in another, with 22 and 80 open, 25 dropped by nftables, 26 rejected
# with ICMP admin-prohibited, the rest closed; 198.18.3.0/28 answers everywhere through a
# local route. Every port's state and reason must be the connect scan's, port by port; the
# range must give the connect scan's open ports; an IPv6 target is an error row (the SYN
# scan is IPv4 only); SIGINT gives the results so far; without CAP_NET_RAW it is exit 3;
# --syn with --tls, --send, --expect or --banner is exit 2 with one line. A few seconds.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces and raw sockets"; exit 77; }
for tool in ip nft python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done

id=$$
p=pss$id-p
t=pss$id-t
pids=
tmp=$(mktemp -d)
cleanup() {
	for x in $pids; do kill "$x" 2>/dev/null; done
	for x in $pids; do wait "$x" 2>/dev/null; done
	ns_del "$p" "$t"
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/netns_lib.sh"

ns_add "$p" || { echo "skip: cannot create network namespaces"; exit 77; }
ns_add "$t" || fail "netns"
ns_veth "$p" pss$id 198.18.2.1/24 "$t" pss${id}t 198.18.2.2/24 || fail "veth"
ip -n "$p" route add 198.18.3.0/28 via 198.18.2.2 || fail "route"
ip -n "$t" route add local 198.18.3.0/28 dev lo || fail "local route"
ip netns exec "$t" nft -f - <<'NFT' || fail "nft"
table inet pss_filter {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 25 drop
		tcp dport 26 reject with icmp type admin-prohibited
	}
}
NFT
# Listeners on 22 and 80 for every address; they live at most 60 s whatever happens here.
ip netns exec "$t" timeout -k 2 60 python3 -c '
import socket, time
ls = []
for port in (22, 80):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(128)
    ls.append(s)
time.sleep(60)
' &
pids="$pids $!"
n=0
until [ "$(ip netns exec "$t" ss -H -ltn | grep -c -E ':(22|80) ')" = 2 ]; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "the listeners did not start"; sleep 0.1
done

run() { ip netns exec "$p" timeout -k 2 30 "$bin" "$@"; }
# verdicts FILE: "port state reason" per line, sorted.
verdicts() {
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print(r["address"], r["port"], r["state"], r["reason"])' "$1" | sort
}

run scan 198.18.2.2 -p 20-30,80 --all-states --timeout 300 -o ndjson >"$tmp/connect" ||
	fail "connect scan exit $?"
run scan 198.18.2.2 -p 20-30,80 --all-states --timeout 300 -o ndjson --syn >"$tmp/syn" ||
	fail "--syn exit $?"
verdicts "$tmp/connect" >"$tmp/c.txt"
verdicts "$tmp/syn" >"$tmp/s.txt"
[ "$(wc -l <"$tmp/s.txt")" = 12 ] || fail "--syn: $(cat "$tmp/s.txt")"
diff "$tmp/c.txt" "$tmp/s.txt" || fail "--syn and the connect scan disagree"
grep -q '^198.18.2.2 22 open syn-ack$' "$tmp/s.txt" || fail "22 not open"
grep -q '^198.18.2.2 25 filtered timeout$' "$tmp/s.txt" || fail "25 not filtered"
grep -q '^198.18.2.2 26 filtered icmp-admin-prohibited$' "$tmp/s.txt" || fail "26: ICMP"
grep -q '^198.18.2.2 23 closed reset$' "$tmp/s.txt" || fail "23 not closed"
echo "ok: --syn gives the connect scan's verdicts, port by port"

# -sS is --syn; a range: the connect scan's open ports, every job reported once.
run scan 198.18.3.0/28 -Pn -p 22,80,443 --all-states -o ndjson >"$tmp/connect" || fail "range"
run scan 198.18.3.0/28 -Pn -p 22,80,443 --all-states -o ndjson -sS >"$tmp/syn" || fail "-sS"
verdicts "$tmp/connect" >"$tmp/c.txt"
verdicts "$tmp/syn" >"$tmp/s.txt"
[ "$(wc -l <"$tmp/s.txt")" = 48 ] || fail "-sS range: $(wc -l <"$tmp/s.txt") results"
[ "$(grep -c ' open syn-ack$' "$tmp/s.txt")" = 32 ] || fail "-sS range: $(cat "$tmp/s.txt")"
diff "$tmp/c.txt" "$tmp/s.txt" || fail "-sS and the connect scan disagree on the range"
echo "ok: -sS on a /28: 32 open, 16 closed, as the connect scan"

# SIGINT mid-scan (--rate 200, 1,600 probes): exit 130 with the results so far. The signal
# goes to portscope alone (ip netns exec execs it: $! is its pid).
ip netns exec "$p" "$bin" scan 198.18.3.0/28 -Pn -sS -p 1-100 --rate 200 --all-states \
	-o ndjson >"$tmp/int" 2>/dev/null &
pid=$!
sleep 1.5
kill -INT $pid
n=0
while kill -0 $pid 2>/dev/null; do
	n=$((n + 1)); [ $n -gt 50 ] && { kill -9 $pid; fail "--syn outlived SIGINT by 5 s"; }
	sleep 0.1
done
wait $pid
rc=$?
[ $rc = 130 ] || fail "--syn after SIGINT exited $rc, expected 130"
got=$(wc -l <"$tmp/int")
[ "$got" -gt 50 ] && [ "$got" -lt 1600 ] || fail "--syn after SIGINT: $got results"
echo "ok: SIGINT stops --syn with its $got results so far, exit 130"

# IPv6 is the connect scan's: an error row, exit 1.
run scan ::1 -p 22 --syn -o ndjson >"$tmp/v6"
rc=$?
[ $rc = 1 ] || fail "--syn on ::1 exited $rc, expected 1"
grep -q '"state":"error".*IPv4 only' "$tmp/v6" || fail "--syn on ::1: $(cat "$tmp/v6")"
echo "ok: --syn on IPv6 is an error row"

# Without CAP_NET_RAW: exit 3, one line saying what it needs, nothing on stdout.
if command -v setpriv >/dev/null 2>&1; then
	chmod 755 "$tmp" && cp "$bin" "$tmp/portscope" && chmod 755 "$tmp/portscope" ||
		fail "copy of $bin"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/portscope" scan 127.0.0.1 \
		-p 22 --syn >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 3 ] || fail "--syn without CAP_NET_RAW exited $rc, expected 3"
	[ "$(wc -l <"$tmp/err")" = 1 ] && grep -q 'CAP_NET_RAW' "$tmp/err" ||
		fail "--syn without CAP_NET_RAW: $(cat "$tmp/err")"
	[ ! -s "$tmp/out" ] || fail "--syn without CAP_NET_RAW wrote: $(cat "$tmp/out")"
	echo "ok: --syn without CAP_NET_RAW: exit 3, $(cat "$tmp/err")"
fi

for args in "--tls" "--send x" "--expect x" "--banner"; do
	# shellcheck disable=SC2086
	run scan 198.18.2.2 -p 22 --syn $args >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] || fail "'--syn $args' exited $rc, expected 2"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "'--syn $args': stderr not one line"
	grep -q -- "${args% *}" "$tmp/err" || fail "'--syn $args': $(cat "$tmp/err")"
done
echo "ok: --syn with a connection's options is exit 2"
exit 0
