#!/bin/bash
# Host discovery in network namespaces on 198.18.0.0/15, the prober inside one (root):
#   - a subnet where only three addresses exist (198.18.8.2-4) and the rest get no
#     neighbour answer: discovery finds exactly those three, on every run, and a scan
#     probes only them;
#   - a host that drops everything (nftables, policy drop): down;
#   - --discover-only in every format; ICMP through a raw socket (root), a ping socket
#     (an unprivileged user inside net.ipv4.ping_group_range) and none (TCP alone); ICMPv6
#     on ::1; --source (raw, ping socket, TCP alone, another family); --rate paces it;
#     SIGINT keeps the hosts decided; a single address is never
#     discovered; bad option mixes.
# -Pn (the scan as before discovery) is tests/sh/test_scan_netns.sh.
set -u
P=${PORTSCOPE:-$(pwd)/build/portscope}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (network namespaces)"; exit 77; }
command -v ip >/dev/null || { echo "skip: no ip (iproute2)"; exit 77; }
command -v nft >/dev/null || { echo "skip: no nft (nftables)"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: no setpriv (util-linux)"; exit 77; }
A=pst9d_scan C=pst9d_lan D=pst9d_drop
tmp=$(mktemp -d)
cleanup() {
	ns_del $A $C $D
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/netns_lib.sh"

ns_add $A $C $D || { echo "skip: cannot make namespaces"; exit 77; }
ns_veth $A pst9e 198.18.8.1/24 $C pst9f 198.18.8.2/24 || { echo "skip: no veth"; exit 77; }
for h in 3 4; do ip -n $C addr add 198.18.8.$h/24 dev pst9f; done
ns_veth $A pst9g 198.18.10.1/24 $D pst9h 198.18.10.2/24 || fail "veth"
ip netns exec $D nft -f - <<'EOF' || fail "nft in $D"
table inet pst9d { chain in { type filter hook input priority 0; policy drop; }; }
EOF
# The binary where an unprivileged user can run it.
chmod 755 "$tmp"
cp "$P" "$tmp/portscope" && chmod 755 "$tmp/portscope" || fail "copy of $P"

scan() { ip netns exec $A timeout -k 2 60 "$tmp/portscope" scan "$@"; }
addrs() { python3 -c 'import json,sys; print(" ".join(sorted(json.loads(l)["address"] for l in sys.stdin)))'; }

# The subnet: exactly the three hosts, three runs in a row. (A dead host costs the
# discovery wait, 400 ms here: these replies come within a millisecond.)
for run in 1 2 3; do
	got=$(scan 198.18.8.0/24 --exclude 198.18.8.1 --discover-timeout 400 -sn --ndjson | addrs)
	[ "$got" = "198.18.8.2 198.18.8.3 198.18.8.4" ] || fail "discovery run $run: '$got'"
done

# --discover-only in each format.
scan 198.18.8.0/24 --exclude 198.18.8.1 --discover-timeout 400 --discover-only >"$tmp/table" || fail "table exit $?"
[ "$(head -1 "$tmp/table" | tr -s ' ')" = "ADDRESS STATE REASON RTT" ] || fail "table header: $(head -1 "$tmp/table")"
[ "$(grep -c '^198\.18\.8\.[234] .* up ' "$tmp/table")" = 3 ] || fail "table rows: $(cat "$tmp/table")"
tail -1 "$tmp/table" | grep -q '^255 addresses, 3 hosts up in [0-9.]* s$' || fail "table summary: $(tail -1 "$tmp/table")"
scan 198.18.8.0/24 --exclude 198.18.8.1 --discover-timeout 400 -sn -j >"$tmp/json" || fail "json exit $?"
python3 - "$tmp/json" <<'EOF' || fail "json document"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "portscope.discover/1", d["schema"]
assert [h["address"] for h in d["hosts"]] == ["198.18.8.2", "198.18.8.3", "198.18.8.4"], d["hosts"]
assert all(h["state"] == "up" and h["reason"] in ("echo-reply", "reset") and h["rtt_ms"] >= 0 for h in d["hosts"])
s = d["summary"]
assert (s["addresses"], s["hosts_up"], s["interrupted"]) == (255, 3, False), s
EOF
scan 198.18.8.0/24 --exclude 198.18.8.1 --discover-timeout 400 -sn --all-states --ndjson >"$tmp/all" || fail "ndjson exit $?"
python3 - "$tmp/all" <<'EOF' || fail "--all-states records"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 255, len(rs)
up = sorted(r["address"] for r in rs if r["state"] == "up")
assert up == ["198.18.8.2", "198.18.8.3", "198.18.8.4"], up
for r in rs:
    if r["state"] == "down":
        # No neighbour answer: nothing, or the connect's failure if the kernel gave up on
        # the neighbour first; the subnet's broadcast address: TCP refuses it (no-route).
        why = ("no-response", "icmp-host-unreachable")
        if r["address"] == "198.18.8.255":
            why = ("no-route",)
        assert r["reason"] in why and r["rtt_ms"] is None, r
EOF

# A scan with discovery probes only the hosts up; the JSON per-host summary says so.
scan 198.18.8.2-9 -p 20-29 --discover-timeout 400 --all-states --ndjson >"$tmp/scan" || fail "scan exit $?"
python3 - "$tmp/scan" <<'EOF' || fail "scan after discovery"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
assert len(rs) == 30, len(rs)
assert all(r["state"] == "closed" and r["address"] in ("198.18.8.2", "198.18.8.3", "198.18.8.4") for r in rs), rs
EOF
scan 198.18.8.2-9 -p 20-29 --discover-timeout 400 | tail -1 | grep -qx "8 addresses, 3 hosts up" || fail "host count line"
# -t -u of the same targets: one discovery serves both protocols; -sn lists each host once.
got=$(scan 198.18.8.2-9 -t -u -sn --discover-timeout 400 --ndjson | addrs)
[ "$got" = "198.18.8.2 198.18.8.3 198.18.8.4" ] || fail "-t -u -sn: '$got'"
scan 198.18.8.2-9 -t -u -p 20-21 --discover-timeout 400 --all-states --ndjson >"$tmp/tu" ||
	fail "-t -u scan exit $?"
python3 - "$tmp/tu" <<'EOF' || fail "-t -u after one discovery"
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
got = sorted((r["address"], r["proto"], r["port"]) for r in rs)
want = sorted((a, p, n) for a in ("198.18.8.2", "198.18.8.3", "198.18.8.4")
              for p in ("tcp", "udp") for n in (20, 21))
assert got == want, got
EOF
scan 198.18.8.2-9 -p 20-29 --discover-timeout 400 -j --all-states >"$tmp/scan.json" || fail "scan -j exit $?"
python3 - "$tmp/scan.json" <<'EOF' || fail "per-host summary"
import json, sys
d = json.load(open(sys.argv[1]))
hs = d["hosts"]
assert len(hs) == 8, hs
for h in hs:
    live = h["address"] in ("198.18.8.2", "198.18.8.3", "198.18.8.4")
    assert h["state"] == ("up" if live else "down"), h
    assert h["ports"]["closed"] == (10 if live else 0) and h["proto"] == "tcp", h
assert (d["summary"]["addresses"], d["summary"]["hosts_up"]) == (8, 3), d["summary"]
EOF

# A host that drops everything is down; a scan of it and a dead neighbour probes nothing.
scan 198.18.10.2-3 --discover-timeout 400 -sn --all-states --ndjson >"$tmp/drop" || fail "drop exit $?"
grep -q '"address":"198.18.10.2","state":"down","reason":"no-response","rtt_ms":null' "$tmp/drop" ||
	fail "dropping host: $(cat "$tmp/drop")"
[ "$(grep -c '"state":"down"' "$tmp/drop")" = 2 ] || fail "drop: $(cat "$tmp/drop")"
scan 198.18.10.2-3 --discover-timeout 400 -p 22 >"$tmp/drops" || fail "drop scan exit $?"
tail -1 "$tmp/drops" | grep -qx "2 addresses, 0 hosts up" || fail "drop scan: $(cat "$tmp/drops")"
# One address is never discovered: it is probed, and times out.
scan 198.18.10.2 -p 22 --timeout 300 --retries 0 --all-states --ndjson | grep -q '"state":"filtered"' ||
	fail "single address not probed"

# ICMP paths: raw (root, above), a ping socket for a user in ping_group_range, none at all
# (TCP decides: reset), ICMPv6 on ::1.
asuser() { ip netns exec $A setpriv --reuid 65534 --regid 65534 --clear-groups \
	timeout -k 2 60 "$tmp/portscope" scan "$@"; }
ip netns exec $A sysctl -qw net.ipv4.ping_group_range="0 2147483647" || fail "ping_group_range"
asuser 198.18.8.2-3 -sn --ndjson >"$tmp/ping" || fail "ping socket exit $?"
[ "$(grep -c '"reason":"echo-reply"' "$tmp/ping")" = 2 ] || fail "ping socket: $(cat "$tmp/ping")"
asuser ::1 -sn --ndjson | grep -q '"address":"::1","state":"up","reason":"echo-reply"' ||
	fail "ICMPv6 ping socket"
ip netns exec $A sysctl -qw net.ipv4.ping_group_range="1 0" || fail "ping_group_range"
asuser 198.18.8.2-3 -sn --ndjson >"$tmp/noicmp" || fail "no icmp exit $?"
[ "$(grep -c '"reason":"reset"' "$tmp/noicmp")" = 2 ] || fail "TCP alone: $(cat "$tmp/noicmp")"
scan ::1 -sn --ndjson | grep -q '"address":"::1","state":"up","reason":"echo-reply"' || fail "ICMPv6 raw"

# --rate: 16 hosts x 3 packets at 20 a second take over two seconds.
ms=$(scan 198.18.8.0/28 -sn --rate 20 -j | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["summary"]["elapsed_ms"]))')
[ "$ms" -ge 2000 ] || fail "--rate 20: discovery took $ms ms"

# SIGINT during discovery (loopback, paced to 5 packets a second): the hosts decided so
# far, a valid document saying interrupted, exit 130; NDJSON lines so far.
ip netns exec $A timeout --foreground --preserve-status -k 5 -s INT 2 "$tmp/portscope" scan 127.0.0.0/24 -sn --rate 5 -j >"$tmp/int.json"
rc=$?
[ $rc = 130 ] || fail "interrupted discovery: exit $rc"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["summary"]["interrupted"] is True and 1 <= len(d["hosts"]) < 256, d' "$tmp/int.json" ||
	fail "interrupted discovery: $(cat "$tmp/int.json")"
ip netns exec $A timeout --foreground --preserve-status -k 5 -s INT 2 "$tmp/portscope" scan 127.0.0.0/24 -p 1 --rate 5 -j >"$tmp/int2.json"
rc=$?
[ $rc = 130 ] && grep -q '"interrupted": true' "$tmp/int2.json" || fail "scan interrupted in discovery: exit $rc"

# --source: discovery leaves from it. The subnet's hosts drop whatever comes from
# 198.18.8.1 (the route's source), so only probes from 198.18.8.100 find them: over a raw
# socket (root), a ping socket (a user) and TCP alone; a host of a family that no
# --source has is down at once, "no-route".
ip -n $A addr add 198.18.8.100/24 dev pst9e
ip netns exec $C nft -f - <<'EOF' || fail "nft in $C"
table ip pst9src { chain in { type filter hook input priority 0; ip saddr 198.18.8.1 drop; }; }
EOF
got=$(scan 198.18.8.2-4 --discover-timeout 400 -sn --ndjson --source 198.18.8.100 | addrs)
[ "$got" = "198.18.8.2 198.18.8.3 198.18.8.4" ] || fail "--source, raw: '$got'"
got=$(scan 198.18.8.2-4 --discover-timeout 400 -sn --ndjson | addrs)
[ -z "$got" ] || fail "without --source the hosts drop the probes, yet up: '$got'"
ip netns exec $A sysctl -qw net.ipv4.ping_group_range="0 2147483647" || fail "ping_group_range"
asuser 198.18.8.2-3 --discover-timeout 400 -sn --ndjson --source 198.18.8.100 >"$tmp/srcping"
[ "$(grep -c '"reason":"echo-reply"' "$tmp/srcping")" = 2 ] || fail "--source, ping socket: $(cat "$tmp/srcping")"
ip netns exec $A sysctl -qw net.ipv4.ping_group_range="1 0" || fail "ping_group_range"
asuser 198.18.8.2-3 --discover-timeout 400 -sn --ndjson --source 198.18.8.100 >"$tmp/srctcp"
[ "$(grep -c '"reason":"reset"' "$tmp/srctcp")" = 2 ] || fail "--source, TCP alone: $(cat "$tmp/srctcp")"
scan 198.18.8.2-3 --discover-timeout 400 --discover-only --all-states -j --source ::1 >"$tmp/srcfam" ||
	fail "--source ::1 exit $?"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [(h["state"], h["reason"]) for h in d["hosts"]] == [("down", "no-route")] * 2, d' "$tmp/srcfam" ||
	fail "--source of another family: $(cat "$tmp/srcfam")"
ip netns exec $C nft delete table ip pst9src
echo "ok: discovery leaves from --source (raw, ping socket, TCP alone); another family is no-route"

# Bad mixes: one line, exit 2.
for bad in "-sn -Pn" "-sn -p 22" "--discover-timeout 0" "--discover-retries 11" "-sn -o prom"; do
	# shellcheck disable=SC2086
	"$tmp/portscope" scan 198.18.8.0/30 $bad >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] || fail "scan $bad: exit $rc, $(cat "$tmp/err")"
done
echo "ok: discovery finds exactly the live hosts on every run, in every format; a dropping host is down; raw, ping socket, TCP alone, ICMPv6; --rate; SIGINT; bad mixes"
