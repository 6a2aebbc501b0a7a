#!/bin/bash
# Network scans against nmap (and masscan beside), in one run, interleaved, ratios printed:
#   - 1,024 addresses x 4 ports: a /22 that answers everywhere (`ip route add local
#     198.18.4.0/22 dev lo` in the target namespace), 22 and 80 open, 443 and 8080 closed;
#   - 65,536 addresses x 3 ports: a /16 (198.18.128.0/17 and 198.19.0.0/17... no: the
#     whole 198.18.0.0/16 answers), 22 and 80 open, 443 closed;
#   - the peak memory (VmHWM) of a 198.18.0.0/15 x 1-1024 scan's first 3 seconds.
# portscope: `scan NET -Pn -p P -o ndjson` (no host discovery, as nmap's -Pn) and the same
# with --syn (half-open, raw sockets); nmap: `nmap -sT -n -Pn -T4 -p P NET -oG -` (the goal's
# peer) and, beside, `nmap -sS` (its own SYN scan, the like of --syn); masscan
# (when installed): `--adapter --router-mac --source-ip` (a spare address on the link),
# `--rate 100000`, its time and open count shown, not compared. Root; namespaces only:
# the prober in "psb_scan", the targets in "psb_tgt", a veth between them on 198.19.255.248/29.
# Usage: bash tests/bench/targets.sh [RUNS] (default 3; the /16 runs once per tool).
set -u
runs=${1:-3}
P=$(pwd)/build/portscope
[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespaces)"; exit 77; }
command -v nmap >/dev/null || apt-get install -y nmap >/dev/null 2>&1 || { echo "skip: no nmap"; exit 77; }
command -v masscan >/dev/null || apt-get install -y masscan >/dev/null 2>&1 || true
tmp=$(mktemp -d)
A=psb_scan B=psb_tgt
holder=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	ns_del $A $B
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. tests/sh/netns_lib.sh
ns_add $A $B || exit 1
ns_veth $A psb0 198.19.255.249/29 $B psb1 198.19.255.250/29 || exit 1
ip -n $A route add 198.18.0.0/16 via 198.19.255.250
ip -n $B route add local 198.18.0.0/16 dev lo
# Answer SYNs at full speed: no syncookies fallback, deep backlogs.
ip netns exec $B sysctl -qw net.ipv4.tcp_max_syn_backlog=65536 net.core.somaxconn=65535 \
	net.ipv4.tcp_syncookies=1
ip netns exec $B python3 -c '
import os, select, socket, time
ls = []
for p in (22, 80):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p)); s.listen(65535); s.setblocking(False); ls.append(s)
open("'"$tmp"'/ready", "w").close()
end = time.time() + 1800
while time.time() < end:
    r, _, _ = select.select(ls, [], [], 1)
    for s in r:
        try:
            while True:
                c, _ = s.accept(); c.close()
        except BlockingIOError:
            pass' &
holder=$!
for _ in $(seq 50); do [ -f "$tmp/ready" ] && break; sleep 0.1; done

now() { date +%s%N; }
# run_ms CMD...: wall time in ms, output to $tmp/out
run_ms() { local a b; a=$(now); ip netns exec $A "$@" >"$tmp/out" 2>"$tmp/err"; b=$(now); echo $(((b - a) / 1000000)); }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
open_ours() { grep -c '"state":"open"' "$tmp/out"; }
open_nmap() { grep -o '[0-9]*/open/' "$tmp/out" | wc -l; }
open_masscan() { grep -c '^open' "$tmp/out"; }
mac=$(ip -n $B -o link show psb1 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)

# compare NET PORTS RUNS LABEL
compare() {
	local net=$1 ports=$2 n=$3 label=$4
	: >"$tmp/a"; : >"$tmp/b"; : >"$tmp/c"; : >"$tmp/d"; : >"$tmp/e"
	for _ in $(seq "$n"); do
		run_ms "$P" scan "$net" -Pn -p "$ports" -o ndjson >>"$tmp/a"; oa=$(open_ours)
		run_ms "$P" scan "$net" -Pn --syn -p "$ports" -o ndjson >>"$tmp/d"; od=$(open_ours)
		run_ms nmap -sT -n -Pn -T4 -p "$ports" "$net" -oG - >>"$tmp/b"; ob=$(open_nmap)
		run_ms nmap -sS -n -Pn -T4 -p "$ports" "$net" -oG - >>"$tmp/e"; oe=$(open_nmap)
		if command -v masscan >/dev/null; then
			run_ms masscan "$net" -p "$ports" --adapter psb0 --router-mac "$mac" \
				--source-ip 198.19.255.251 --rate 100000 --wait 2 -oL - >>"$tmp/c"
			oc=$(open_masscan)
		fi
	done
	ma=$(median <"$tmp/a"); mb=$(median <"$tmp/b"); md=$(median <"$tmp/d")
	echo "$label, $n run(s) interleaved, median wall time"
	printf '  portscope scan -Pn -o ndjson  %8d ms  %6d open\n' "$ma" "$oa"
	printf '  portscope scan -Pn --syn      %8d ms  %6d open\n' "$md" "$od"
	printf '  nmap -sT -n -Pn -T4           %8d ms  %6d open\n' "$mb" "$ob"
	printf '  nmap -sS -n -Pn -T4 (beside)  %8d ms  %6d open\n' "$(median <"$tmp/e")" "$oe"
	if [ -s "$tmp/c" ]; then
		printf '  masscan --rate 100000 (beside) %7d ms  %6d open\n' "$(median <"$tmp/c")" "$oc"
	fi
	awk -v a="$ma" -v b="$mb" -v d="$md" -v e="$(median <"$tmp/e")" 'BEGIN {
		printf "  ratio portscope/nmap -sT: connect %.3f, --syn %.3f (goal: at most 0.3)\n", a / b, d / b
		printf "  ratio portscope --syn/nmap -sS: %.3f\n", d / e }'
}

compare 198.18.4.0/22 22,80,443,8080 "$runs" "1,024 addresses x 4 ports (a /22 answering everywhere)"
compare 198.18.0.0/16 22,80,443 1 "65,536 addresses x 3 ports (a /16 answering everywhere)"

# Peak memory of the /15 x 1-1024 start-up (134 million jobs): 3 s, then SIGINT.
ip netns exec $A "$P" scan 198.18.0.0/15 -Pn -p 1-1024 -o json >"$tmp/out" 2>/dev/null &
bg=$!
sleep 3
pid=$(pgrep -n -f "portscope scan 198.18.0.0/15")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
kill -INT "$pid"; wait "$bg"
echo "198.18.0.0/15 x 1-1024 (134,217,728 jobs): peak memory after 3 s ${hwm} kB (goal: under 16384 kB)"
