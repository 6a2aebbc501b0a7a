#!/bin/sh
# addrs and list --reachable-on in a namespace with two interfaces (d1 198.18.9.1/24 and
# d2 198.18.10.1/24, each a veth whose peer p1, p2 stays in the namespace with no address) and five listeners: a wildcard 0.0.0.0:7201, one
# bound to each address (7202 on d1's, 7203 on d2's), a wildcard bound to device d2
# (7204), and a dual-stack [::]:7205. Each address must show exactly the listeners a peer
# could reach there. No traffic is sent. Needs root.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
command -v ip >/dev/null 2>&1 || { echo "skip: no ip (iproute2)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "skip: no python3"; exit 77; }
NS=psaddr-$$
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
run() { timeout -k 2 20 "$bin" "$@"; }

ip netns add "$NS" || { echo "skip: ip netns add failed"; exit 77; }
ip -n "$NS" link set lo up || fail "lo up"
for d in 1 2; do
	ip -n "$NS" link add "d$d" type veth peer name "p$d" 2>/dev/null ||
		{ echo "skip: cannot make veth links"; exit 77; }
	ip -n "$NS" addr add "198.18.$((8 + d)).1/24" dev "d$d" || fail "address on d$d"
	ip -n "$NS" link set "p$d" up && ip -n "$NS" link set "d$d" up || fail "d$d up"
done
ip netns exec "$NS" timeout -k 2 60 python3 -c '
import socket, sys, time
def tcp(addr, port, dev=None, fam=socket.AF_INET):
    s = socket.socket(fam)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    if dev:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev)
    s.bind((addr, port)); s.listen(4); return s
keep = [tcp("0.0.0.0", 7201), tcp("198.18.9.1", 7202), tcp("198.18.10.1", 7203),
        tcp("0.0.0.0", 7204, b"d2"), tcp("::", 7205, fam=socket.AF_INET6)]
open(sys.argv[1] + "/ready", "w").close()
time.sleep(60)' "$tmp" &
pid=$!
i=0
until [ -e "$tmp/ready" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "listeners did not start"; sleep 0.1
done

run addrs --netns "$NS" -t --port 7201-7205 -o json >"$tmp/addrs.json" || fail "addrs exit $?"
python3 - "$tmp/addrs.json" <<'PY' || fail "addrs: $(cat "$tmp/addrs.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
at = {}
for i in doc["interfaces"]:
    for a in i["addresses"]:
        at[(i["name"], a["address"])] = sorted(s["local_port"] for s in a["listeners"])
    assert i["mtu"] > 0 and i["state"], i
want = {("d1", "198.18.9.1"): [7201, 7202, 7205],
        ("d2", "198.18.10.1"): [7201, 7203, 7204, 7205],
        ("lo", "127.0.0.1"): [7201, 7205]}
for k, v in want.items():
    assert at.get(k) == v, (k, at.get(k), v)
names = {i["name"] for i in doc["interfaces"]}
assert {"lo", "d1", "d2"} <= names, names
d1 = [i for i in doc["interfaces"] if i["name"] == "d1"][0]
assert d1["mac"] and d1["addresses"][0]["prefix"] == 24 and d1["addresses"][0]["scope"] == "global"
PY
run addrs --netns "$NS" -t --port 7201-7205 >"$tmp/table" || fail "addrs table"
grep -q '^d2 .* 198\.18\.10\.1/24 .* tcp/7201,tcp/7203,tcp/7204,tcp/7205$' "$tmp/table" ||
	fail "addrs table: $(cat "$tmp/table")"

# list --reachable-on, by address and by interface.
ports() { run list --netns "$NS" -t -n --port 7201-7205 --ndjson "$@" |
	sed 's/.*"local_port":\([0-9]*\),.*/\1/' | sort -n | tr '\n' ' '; }
[ "$(ports --reachable-on 198.18.9.1)" = "7201 7202 7205 " ] || fail "--reachable-on 198.18.9.1"
[ "$(ports --reachable-on d2)" = "7201 7203 7204 7205 " ] || fail "--reachable-on d2"
run list --netns "$NS" --reachable-on 198.18.99.1 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "198.18.99.1" "$tmp/err" || fail "--reachable-on unknown: exit $rc"
echo "ok: addrs and --reachable-on over two interfaces"
exit 0
