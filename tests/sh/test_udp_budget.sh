#!/bin/sh
# UDP against a Linux target's ICMP budget, in network namespaces (198.18.1.0/24, prober
# with source addresses .10-.17, target .2 behind a veth): nftables drops UDP 5, 15, 105,
# 205, rejects 25 with admin-prohibited, a python3 responder answers on 30. Profiles: no
# limit (icmp_ratemask=0), per-host limit off (icmp_ratelimit=0: only the global 1,000/s,
# burst 50), Linux's default (one a second per source after a burst of 6). Every verdict is
# checked port by port; --retries 0 --timeout 100 is obeyed (fast, nothing wrongly
# closed); two and four --source addresses are exact and faster; --max-time ends a run
# with no-time; a non-local --source is exit 2. About a minute in all.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
for tool in ip nft python3 sysctl; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done

id=$$
p=psb$id-p
t=psb$id-t
pids=
out=$(mktemp)
cleanup() {
	for x in $pids; do kill "$x" 2>/dev/null; done
	for x in $pids; do wait "$x" 2>/dev/null; done
	ns_del "$p" "$t"
	rm -f "$out"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/netns_lib.sh"

ns_add "$p" || { echo "skip: cannot create network namespaces"; exit 77; }
ns_add "$t" || fail "netns"
ns_veth "$p" psb$id 198.18.1.10/24 "$t" psb${id}t 198.18.1.2/24 || fail "veth"
for i in 11 12 13 14 15 16 17; do
	ip -n "$p" addr add 198.18.1.$i/24 dev psb$id || fail "addr"
done
ip netns exec "$t" nft -f - <<'NFT' || fail "nft"
table inet psb_filter {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport { 5, 15, 105, 205 } drop
		udp dport 25 reject with icmp type admin-prohibited
	}
}
NFT
# The responder lives at most 120 s whatever happens to this script.
ip netns exec "$t" timeout -k 2 120 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.1.2", 30))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"pong", a)
' &
pids="$pids $!"
n=0
until ip netns exec "$t" ss -H -lun | grep -q '198.18.1.2:30 '; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "the responder did not start"; sleep 0.1
done

# scan NAME MAXPORT [options...]: run, check every verdict, print the seconds taken.
scan() {
	name=$1 hi=$2
	shift 2
	s0=$(date +%s.%N)
	ip netns exec "$p" timeout -k 2 100 "$bin" scan -u 198.18.1.2 -p "1-$hi" --all-states \
		-o ndjson "$@" >"$out"
	s1=$(date +%s.%N)
	python3 - "$out" "$hi" "$name" <<'PY' || fail "$name: verdicts"
import json, sys
hi, name = int(sys.argv[2]), sys.argv[3]
got = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    got[r["port"]] = (r["state"], r["reason"])
want = {}
for port in range(1, hi + 1):
    if port in (5, 15, 105, 205):
        want[port] = ("open|filtered", "timeout")
    elif port == 25:
        want[port] = ("filtered", "icmp-admin-prohibited")
    elif port == 30:
        want[port] = ("open", "udp-response")
    else:
        want[port] = ("closed", "icmp-port-unreachable")
bad = {p: (got.get(p), w) for p, w in want.items() if got.get(p) != w}
assert not bad and len(got) == hi, (name, bad)
PY
	echo "$s0 $s1" | awk '{ printf "%.1f", $2 - $1 }'
}

tsys() { ip netns exec "$t" sysctl -qw "$1" || fail "sysctl $1"; }

# No limit at all: as fast as the waits allow.
tsys net.ipv4.icmp_ratemask=0
s=$(scan no-limit 300 --source 198.18.1.10) || exit 1
echo "no limit, 300 ports: ${s}s"
awk "BEGIN { exit !($s < 15) }" || fail "no limit took ${s}s"

# Only the global limit: 1,000 errors a second after a burst of 50.
tsys net.ipv4.icmp_ratemask=6168
tsys net.ipv4.icmp_ratelimit=0
s=$(scan global-limit 300 --source 198.18.1.11) || exit 1
echo "per-host limit off, 300 ports: ${s}s"
# Usually under a second; when the last suspects' errors all arrive before the rate is
# measured, canaries measure it after the guess time (about 2.5 s); the bound leaves room.
awk "BEGIN { exit !($s < 15) }" || fail "per-host limit off took ${s}s"

# Linux's default: one error a second per source address after a burst of 6.
tsys net.ipv4.icmp_ratelimit=1000
s1=$(scan default-1 30 --source 198.18.1.12) || exit 1
s2=$(scan default-2 30 --source 198.18.1.13,198.18.1.14) || exit 1
s4=$(scan default-4 30 --source 198.18.1.15,198.18.1.16,198.18.1.17,198.18.1.10) || exit 1
echo "default limit, 30 ports: one source ${s1}s, two ${s2}s, four ${s4}s"
awk "BEGIN { exit !($s2 < 0.75 * $s1 && $s4 < 0.8 * $s2) }" ||
	fail "more sources were not faster: $s1 $s2 $s4"

# Explicit options are obeyed: one attempt of 100 ms; what drew no error is open|filtered,
# never closed.
s0=$(date +%s)
ip netns exec "$p" timeout -k 2 30 "$bin" scan -u 198.18.1.2 -p 1-20 --retries 0 --timeout 100 \
	--all-states -o ndjson --source 198.18.1.11 >"$out"
s1=$(date +%s)
[ $((s1 - s0)) -le 2 ] || fail "--retries 0 --timeout 100 took $((s1 - s0)) s"
python3 - "$out" <<'PY' || fail "--retries 0 verdicts"
import json, sys
got = {json.loads(l)["port"]: json.loads(l)["state"] for l in open(sys.argv[1])}
assert len(got) == 20, got
for port, st in got.items():
    assert st in ("closed", "open|filtered", "filtered", "open"), (port, st)
    if port in (5, 15):
        assert st == "open|filtered", (port, st)
assert list(got.values()).count("closed") < 18, got
PY

# --max-time: what is undecided by then is open|filtered for want of time.
s0=$(date +%s)
ip netns exec "$p" timeout -k 2 30 "$bin" scan -u 198.18.1.2 -p 1-100 --max-time 1500ms \
	--all-states -o ndjson --source 198.18.1.12 >"$out"
s1=$(date +%s)
[ $((s1 - s0)) -le 3 ] || fail "--max-time 1500ms took $((s1 - s0)) s"
python3 - "$out" <<'PY' || fail "--max-time verdicts"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 100, len(rs)
assert any(r["reason"] == "no-time" and r["state"] == "open|filtered" for r in rs), rs
PY

# TCP from a source address; bad sources and durations are exit 2 with one line.
ip netns exec "$p" "$bin" check tcp://198.18.1.2:30 --source 198.18.1.13 -o ndjson >"$out"
grep -q '"state":"closed"' "$out" || fail "TCP check from a source address"
for args in "--source 198.18.1.99" "--source 198.18.1.10,nope" "--source 198.18.1.10,198.18.1.10" \
	"--max-time 5q" "--max-time 0"; do
	# shellcheck disable=SC2086
	ip netns exec "$p" "$bin" scan -u 198.18.1.2 -p 1 $args >/dev/null 2>"$out"
	rc=$?
	[ $rc = 2 ] || fail "'$args' exited $rc, expected 2"
	[ "$(wc -l <"$out")" = 1 ] || fail "'$args' stderr not one line"
done
exit 0
