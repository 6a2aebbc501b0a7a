#!/bin/sh
# UDP verdicts, serve and broadcast on a LAN built in network namespaces (198.18.0.0/24,
# no default route anywhere): a bridge in its own namespace joins the prober (.1) and
# hosts a (.2: serve --udp 7000 --tcp 7100), b (.3: serve --udp 7000) and c (.4: nothing
# serving; nftables drops UDP 7001 and rejects UDP 7002 with ICMP admin-prohibited).
# broadcast finds exactly a and b; check gives open, closed, open|filtered, filtered;
# TCP to serve is open with its greeting read; no route is an error; bad input exits 2.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
for tool in ip nft python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done

id=$$
pids=
out=$(mktemp)
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	for n in p a b c sw; do ip netns del "psu$id-$n" 2>/dev/null; done
	rm -f "$out"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; [ -s "$out" ] && cat "$out"; exit 1; }
ns() { echo "psu$id-$1"; }

ip netns add "$(ns sw)" || { echo "skip: cannot create network namespaces"; exit 77; }
ip -n "$(ns sw)" link add psu-br0 type bridge && ip -n "$(ns sw)" link set psu-br0 up ||
	fail "bridge"
i=1
for h in p a b c; do
	ip netns add "$(ns $h)" || fail "netns $h"
	ip -n "$(ns $h)" link set lo up
	ip link add "psu$id$h" netns "$(ns $h)" type veth peer name "psu-$h" netns "$(ns sw)" ||
		fail "veth $h"
	ip -n "$(ns sw)" link set "psu-$h" master psu-br0 up || fail "bridge port $h"
	ip -n "$(ns $h)" addr add "198.18.0.$i/24" broadcast 198.18.0.255 dev "psu$id$h" || fail "addr"
	ip -n "$(ns $h)" link set "psu$id$h" up || fail "link $h"
	i=$((i + 1))
done

ip netns exec "$(ns c)" nft -f - <<'NFT' || fail "nft"
table inet psu_filter {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7001 drop
		udp dport 7002 reject with icmp type admin-prohibited
	}
}
NFT

# The responders live at most 60 s whatever happens to this script.
# Broadcast discovery needs --answer-broadcast on the responders; b also serves 7004
# without it, which answers a unicast request and ignores a broadcast one.
ip netns exec "$(ns a)" timeout -k 5 60 "$bin" serve --udp 7000 --tcp 7100 \
	--answer-broadcast 2>/dev/null &
pids="$pids $!"
ip netns exec "$(ns b)" timeout -k 5 60 "$bin" serve --udp 7000 --answer-broadcast 2>/dev/null &
pids="$pids $!"
ip netns exec "$(ns b)" timeout -k 5 60 "$bin" serve --udp 7004 2>/dev/null &
pids="$pids $!"
for h in a b; do
	n=0
	until ip netns exec "$(ns $h)" ss -H -lun | grep -q ':7000 ' &&
		{ [ $h = a ] || ip netns exec "$(ns $h)" ss -H -lun | grep -q ':7004 '; }; do
		n=$((n + 1)); [ $n -gt 50 ] && fail "serve on $h did not start"; sleep 0.1
	done
done

# Broadcast: exactly the two responders, each once, on the prober's interface.
ip netns exec "$(ns p)" "$bin" broadcast --port 7000 --wait 700 -o json >"$out"
rc=$?
[ $rc = 0 ] || fail "broadcast exit $rc"
python3 - "$out" "psu${id}p" <<'PY' || fail "broadcast responders"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "portscope.broadcast/1", doc["schema"]
got = sorted(r["address"] for r in doc["results"])
assert got == ["198.18.0.2", "198.18.0.3"], got
for r in doc["results"]:
    assert r["interface"] == sys.argv[2], r
    assert r["state"] == "open" and r["reason"] == "udp-response", r
    assert r["port"] == 7000 and r["proto"] == "udp" and r["family"] == "ipv4", r
    assert r["reply_bytes"] > 0 and r["banner"].startswith("portscope-reply 1 "), r
    assert r["rtt_ms"] >= 0, r
assert doc["summary"]["responders"] == 2, doc["summary"]
PY
# A responder without --answer-broadcast: silent to a broadcast, open to a request.
ip netns exec "$(ns p)" "$bin" broadcast --port 7004 --wait 300 -o ndjson >"$out"
rc=$?
[ $rc = 1 ] || fail "broadcast to serve without --answer-broadcast: exit $rc, expected 1"
ip netns exec "$(ns p)" "$bin" check --timeout 500 udp://198.18.0.3:7004 >/dev/null ||
	fail "unicast request to serve without --answer-broadcast: exit $?"

# No broadcast-capable IPv4 interface (the bridge's namespace has no address): the system
# cannot do it, exit 3 with one line, not the negative answer 1.
ip netns exec "$(ns sw)" "$bin" broadcast --port 7000 --wait 100 >/dev/null 2>"$out"
rc=$?
[ $rc = 3 ] || fail "broadcast without a broadcast-capable interface: exit $rc, expected 3"
[ "$(wc -l <"$out")" = 1 ] || fail "broadcast without an interface: stderr not one line"

# Nobody on another port: exit 1, no results.
ip netns exec "$(ns p)" "$bin" broadcast --port 7003 --wait 300 -o ndjson >"$out"
rc=$?
[ $rc = 1 ] || fail "broadcast to a silent port: exit $rc, expected 1"
[ -s "$out" ] && fail "broadcast to a silent port listed responders"

# One check over every UDP case, and TCP to serve with its greeting.
ip netns exec "$(ns p)" "$bin" check -o json --timeout 500 --banner udp://198.18.0.2:7000 \
	udp://198.18.0.4:7000 udp://198.18.0.4:7001 udp://198.18.0.4:7002 tcp://198.18.0.2:7100 \
	udp://198.19.0.1:7000 >"$out"
rc=$?
[ $rc = 1 ] || fail "check exit $rc, expected 1"
python3 - "$out" <<'PY' || fail "check verdicts"
import json, sys
doc = json.load(open(sys.argv[1]))
want = {
    "udp://198.18.0.2:7000": ("open", "udp-response"),
    "udp://198.18.0.4:7000": ("closed", "icmp-port-unreachable"),
    "udp://198.18.0.4:7001": ("open|filtered", "timeout"),
    "udp://198.18.0.4:7002": ("filtered", "icmp-admin-prohibited"),
    "tcp://198.18.0.2:7100": ("open", "syn-ack"),
    "udp://198.19.0.1:7000": ("error", "no-route"),
}
got = {r["target"]: r for r in doc["results"]}
assert sorted(got) == sorted(want), sorted(got)
for t, (state, reason) in want.items():
    r = got[t]
    assert (r["state"], r["reason"]) == (state, reason), (t, r)
assert got["udp://198.18.0.2:7000"]["banner"].startswith("portscope-reply 1 "), got
assert got["tcp://198.18.0.2:7100"]["banner"].startswith("portscope 0."), got
assert got["udp://198.19.0.1:7000"]["error"], got
PY

# scan -u agrees with check, port by port.
ip netns exec "$(ns p)" "$bin" scan -u 198.18.0.4 -p 7000-7002 --all-states --timeout 500 \
	-o ndjson >"$out" || true
python3 - "$out" <<'PY' || fail "scan -u verdicts"
import json, sys
got = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    got[r["port"]] = r["state"]
assert got == {7000: "closed", 7001: "open|filtered", 7002: "filtered"}, got
PY

# ICMP rate limiting on the target (4 errors a second after a burst of 6 here; Linux's
# default is 1 a second): errors dropped by the target must not turn closed ports into
# open|filtered. The engine notices errors that only retries drew out and paces itself.
ip netns exec "$(ns c)" sysctl -qw net.ipv4.icmp_ratelimit=250 || fail "sysctl"
ip netns exec "$(ns p)" "$bin" scan -u 198.18.0.4 -p 7100-7119 --all-states -o ndjson >"$out" ||
	true
python3 - "$out" <<'PY' || fail "scan -u under ICMP rate limiting"
import json, sys
got = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    got[r["port"]] = r["state"]
assert len(got) == 20 and set(got.values()) == {"closed"}, got
PY

# Bad input exits 2 with one line naming the token.
for args in "check --payload-hex zz udp://198.18.0.2:7000" "broadcast --port 0" \
	"broadcast --port 7000 --payload-hex 0g" "serve --udp 0"; do
	# shellcheck disable=SC2086
	ip netns exec "$(ns p)" "$bin" $args >/dev/null 2>"$out"
	rc=$?
	[ $rc = 2 ] || fail "'$args' exited $rc, expected 2"
	[ "$(wc -l <"$out")" = 1 ] || fail "'$args' stderr not one line"
done
exit 0
