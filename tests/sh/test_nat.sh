#!/bin/sh
# list --nat: a DNAT rule in a scratch namespace's nftables ruleset (the way Docker without
# its userland proxy publishes a container port) shows as a published port with its
# destination, table and chain; nothing listens on it. No traffic is sent. Needs root and
# nftables.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for a namespace and nftables"; exit 77; }
command -v ip >/dev/null 2>&1 || { echo "skip: no ip (iproute2)"; exit 77; }
command -v nft >/dev/null 2>&1 || { echo "skip: nftables (nft) is not installed"; exit 77; }
NS=psnat-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
run() { timeout -k 2 20 "$bin" "$@"; }

ip netns add "$NS" || { echo "skip: ip netns add failed"; exit 77; }
ip netns exec "$NS" nft -f - <<'NFT' || { echo "skip: nftables nat is not available"; exit 77; }
table ip pstest {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname != "docker0" tcp dport 8080 counter dnat to 198.18.6.2:80
		udp dport { 5300, 5301 } dnat to 198.18.6.3
	}
}
NFT
run list --netns "$NS" --nat -o json >"$tmp/nat.json" || fail "list --nat exit $?"
python3 - "$tmp/nat.json" <<'PY' || fail "list --nat: $(cat "$tmp/nat.json")"
import json, sys
socks = json.load(open(sys.argv[1]))["sockets"]
d = [s for s in socks if s["state"] == "dnat"]
got = sorted((s["proto"], s["local_port"], s["remote_address"], s["remote_port"]) for s in d)
assert got == [("tcp", 8080, "198.18.6.2", 80), ("udp", 5300, "198.18.6.3", 5300),
               ("udp", 5301, "198.18.6.3", 5301)], got
for s in d:
    assert s["nat"]["table"] == "pstest" and s["nat"]["chain"] == "prerouting", s
    assert s["nat"]["family"] == "ip" and s["uid"] is None and s["processes"] == [], s
    assert s["local_address"] == "0.0.0.0" and s["exposure"] == "all", s
PY
if python3 -c 'from jsonschema import Draft202012Validator' 2>/dev/null; then
	python3 "$(dirname "$0")/schema_check.py" list.json "$tmp/nat.json" >/dev/null ||
		fail "list --nat does not match docs/schema"
fi
run list --netns "$NS" --nat -t | grep -q '^tcp .*dnat .*0\.0\.0\.0:8080 .*198\.18\.6\.2:80 .*nft ip pstest/prerouting$' ||
	fail "list --nat table: $(run list --netns "$NS" --nat -t)"
[ "$(run list --netns "$NS" --nat --port 8080 --ndjson | wc -l)" = 1 ] || fail "--nat with --port"
run list --netns "$NS" --ndjson | grep -q dnat && fail "dnat records without --nat"
run list --nat --all-netns >/dev/null 2>&1; [ $? = 2 ] || fail "--nat with --all-netns"
echo "ok: list --nat shows the DNAT rule's published ports"
exit 0
