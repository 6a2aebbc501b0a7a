#!/bin/bash
# A scan with host discovery against nmap's, in one run, interleaved, ratio printed:
# 198.18.16.0/20 (4,096 addresses) of which three hosts exist, ports 1-1000.
# portscope: `scan 198.18.16.0/20 -p 1-1000 -o ndjson` (discovery on, the default);
# nmap: `nmap -sT -T4 -n -p 1-1000 198.18.16.0/20 -oG -` (its default discovery: as root
# and off-link, ICMP echo and timestamp, SYN to 443, ACK to 80; -n as portscope does no
# reverse DNS either). Both must find the same hosts up and the same open ports.
# The lab (root, namespaces only): the prober in "psd_scan", the target in "psd_tgt", a
# veth between them on 198.19.255.248/29, the /20 routed to the target, which holds the
# three addresses (198.18.16.10, 198.18.21.77, 198.18.30.200) and drops the rest silently
# (a blackhole route: a dead host that says nothing). Listeners on 22, 80, 443 everywhere
# and 25 on 198.18.16.10 only: 10 open ports.
# Usage: bash tests/bench/discover.sh [RUNS] (default 3). nmap is installed with apt-get.
set -u
runs=${1:-3}
P=$(pwd)/build/portscope
[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespaces)"; exit 77; }
command -v nmap >/dev/null || apt-get install -y nmap >/dev/null 2>&1 || { echo "skip: no nmap"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
tmp=$(mktemp -d)
A=psd_scan B=psd_tgt
holder=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	ns_del $A $B
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. tests/sh/netns_lib.sh
ns_add $A $B || exit 1
ns_veth $A psd0 198.19.255.249/29 $B psd1 198.19.255.250/29 || exit 1
ip -n $A route add 198.18.16.0/20 via 198.19.255.250
live="198.18.16.10 198.18.21.77 198.18.30.200"
for h in $live; do ip -n $B addr add "$h/32" dev lo; done
ip -n $B route add blackhole 198.18.16.0/20
timeout 1800 ip netns exec $B python3 -c '
import select, socket
ls = []
for a, p in (("0.0.0.0", 22), ("0.0.0.0", 80), ("0.0.0.0", 443), ("198.18.16.10", 25)):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, p)); s.listen(4096); s.setblocking(False); ls.append(s)
open("'"$tmp"'/ready", "w").close()
while True:
    for s in select.select(ls, [], [], 1)[0]:
        try:
            while True:
                c, _ = s.accept(); c.close()
        except BlockingIOError:
            pass' &
holder=$!
for _ in $(seq 50); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
[ -f "$tmp/ready" ] || { echo "FAIL: listeners did not start"; exit 1; }

now() { date +%s%N; }
# run_ms OUT CMD...: wall time in ms, output to OUT
run_ms() {
	local out=$1 a b
	shift
	a=$(now); ip netns exec $A timeout 600 "$@" >"$out" 2>"$tmp/err"; b=$(now)
	echo $(((b - a) / 1000000))
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# "address:port" of every open port, sorted; and the hosts up.
ours() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["state"] == "open": print("%s:%d" % (r["address"], r["port"]))' "$1" | sort; }
theirs() { python3 -c '
import re, sys
for l in open(sys.argv[1]):
    m = re.match(r"Host: (\S+) .*Ports: (.*)", l)
    for p in (m.group(2).split(", ") if m else []):
        f = p.split("/")
        if f[1] == "open": print("%s:%s" % (m.group(1), f[0]))' "$1" | sort; }
nmap_up() { grep -c 'Status: Up' "$1"; }

: >"$tmp/a"; : >"$tmp/b"
for i in $(seq "$runs"); do
	run_ms "$tmp/ours$i" "$P" scan 198.18.16.0/20 -p 1-1000 -o ndjson >>"$tmp/a"
	run_ms "$tmp/nmap$i" nmap -sT -T4 -n -p 1-1000 198.18.16.0/20 -oG - >>"$tmp/b"
	ours "$tmp/ours$i" >"$tmp/o$i"; theirs "$tmp/nmap$i" >"$tmp/n$i"
	cmp -s "$tmp/o$i" "$tmp/n$i" || { echo "FAIL: run $i: open ports differ"; diff "$tmp/o$i" "$tmp/n$i"; exit 1; }
done
up=$(ip netns exec $A "$P" scan 198.18.16.0/20 -sn --ndjson | wc -l)
ma=$(median <"$tmp/a"); mb=$(median <"$tmp/b")
echo "198.18.16.0/20 (4,096 addresses, 3 hosts), ports 1-1000, discovery on, $runs run(s) interleaved, median wall time"
printf '  portscope scan -o ndjson        %8d ms  %d open  (%d hosts up by -sn)\n' "$ma" "$(wc -l <"$tmp/o1")" "$up"
printf '  nmap -sT -T4 -n                 %8d ms  %d open  (%d hosts up)\n' "$mb" "$(wc -l <"$tmp/n1")" "$(nmap_up "$tmp/nmap1")"
echo "  runs (ms): portscope $(tr '\n' ' ' <"$tmp/a")| nmap $(tr '\n' ' ' <"$tmp/b")"
awk -v a="$ma" -v b="$mb" 'BEGIN { printf "  ratio portscope/nmap: %.3f (goal: at most 0.5)\n", a / b }'
