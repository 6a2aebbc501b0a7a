#!/bin/bash
# Network scans in namespaces on 198.18.0.0/15, the prober inside one (root):
#   - a target namespace answering for a whole /22 (`ip route add local 198.18.4.0/22 dev
#     lo`) with port 22 open: every address is a live host;
#   - a subnet where only three addresses exist (198.18.8.2-4) and the rest get no
#     neighbour answer: every port of a dead host is unreachable, on every run;
#   - a route that is unreachable: one no-route error per host, not one per port.
# The last two scan with -Pn (no host discovery: every address is probed); the /22 is
# discovered first (every host up). Discovery itself: tests/sh/test_scan_discover.sh.
set -u
P=${PORTSCOPE:-$(pwd)/build/portscope}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespaces)"; exit 77; }
command -v ip >/dev/null || { echo "skip: no ip (iproute2)"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
A=pst9_scan B=pst9_tgt C=pst9_lan
tmp=$(mktemp -d)
holder=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
	ns_del $A $B $C
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/netns_lib.sh"

ns_add $A $B $C || { echo "skip: cannot make namespaces"; exit 77; }
ns_veth $A pst9a 198.19.255.249/29 $B pst9b 198.19.255.250/29 || { echo "skip: no veth"; exit 77; }
ns_veth $A pst9c 198.18.8.1/24 $C pst9d 198.18.8.2/24 || fail "veth"
for h in 3 4; do ip -n $C addr add 198.18.8.$h/24 dev pst9d; done
ip -n $A route add 198.18.4.0/22 via 198.19.255.250
ip -n $A route add unreachable 198.18.9.0/24
ip -n $B route add local 198.18.4.0/22 dev lo
ip netns exec $B timeout 60 python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22)); s.listen(4096)
open("'"$tmp"'/ready", "w").close()
while True:
    c, _ = s.accept(); c.close()' &
holder=$!
for _ in $(seq 50); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
[ -f "$tmp/ready" ] || fail "listener did not start"

scan() { ip netns exec $A timeout 60 "$P" scan "$@"; }
summary() { python3 -c '
import json, sys
s = json.load(sys.stdin)["summary"]
print(" ".join("%s=%d" % (k, s[k]) for k in ("total", "open", "closed", "filtered", "unreachable", "error", "addresses",
                                       "hosts_up")))'; }

# The /22 (discovered first): every address a live host, 22 open and 23 closed everywhere.
got=$(scan 198.18.4.0/22 -p 22,23 -j | summary)
[ "$got" = "total=2048 open=1024 closed=1024 filtered=0 unreachable=0 error=0 addresses=1024 hosts_up=1024" ] ||
	fail "/22: $got"

# No route: one error per host, port null.
scan 198.18.9.0/30 -Pn -p 1-50 --all-states --ndjson >"$tmp/noroute"
[ "$(wc -l <"$tmp/noroute")" -eq 4 ] || fail "no-route: $(wc -l <"$tmp/noroute") lines, want 4"
[ "$(grep -c '"port":null,"state":"error".*"reason":"no-route"' "$tmp/noroute")" -eq 4 ] ||
	fail "no-route records: $(cat "$tmp/noroute")"

# Three live hosts among eight: the dead ones are unreachable on every port, every run
# (--timeout over the kernel's 3 s of neighbour solicitation).
for run in 1 2; do
	scan 198.18.8.2-9 -Pn -p 20-29 --timeout 4000 --all-states --ndjson >"$tmp/lan$run"
	python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 80, len(rs)
for r in rs:
    live = r["address"] in ("198.18.8.2", "198.18.8.3", "198.18.8.4")
    want = "closed" if live else "unreachable"
    assert r["state"] == want, r
' "$tmp/lan$run" || fail "subnet run $run"
done
scan 198.18.8.2-9 -Pn -p 20-29 --timeout 4000 | tail -1 | grep -qx "8 addresses, 3 hosts up" ||
	fail "host count line"
echo "ok: /22 answering everywhere, one no-route error per host, dead hosts unreachable on every port"
