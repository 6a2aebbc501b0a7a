#!/bin/sh
# "Before any packet", counted by the kernel: the exporter runs in a network namespace of
# its own with a veth pair (198.18.0.1/15 on one end, nobody
# else on the link), an nftables table counts what leaves for
# 198.18.0.9 (refused: outside allow_targets) and for 198.18.0.2 (allowed, the control).
# A refused /probe is 403 and the counter stays 0; the allowed one moves its counter.
# Needs root, ip and nft; skipped without them.
set -u
P=${PORTSCOPE:-build/portscope}
case $P in /*) ;; *) P="$(pwd)/$P" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for a network namespace and nftables"; exit 77; }
for t in ip nft curl python3; do
	command -v $t >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
NS=psxn$$
TMP=$(mktemp -d)
XPID=""
cleanup() {
	[ -n "$XPID" ] && kill "$XPID" 2>/dev/null && wait "$XPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; tail -n 5 "$TMP/exporter.log"; exit 1; }
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" || { echo "skip: cannot create a network namespace"; exit 77; }
in_ns ip link set lo up
in_ns ip link add v0 type veth peer name v1 && in_ns ip link set v0 up &&
	in_ns ip link set v1 up && in_ns ip addr add 198.18.0.1/15 dev v0 || fail "veth link"
in_ns nft -f - <<'EOT' || fail "nft table"
table inet psx {
	counter refused {}
	counter allowed {}
	chain out {
		type filter hook output priority 0;
		ip daddr 198.18.0.9 counter name refused
		ip daddr 198.18.0.2 counter name allowed
	}
}
EOT
printf '{"allow_targets": ["127.0.0.0/8", "198.18.0.2"]}\n' >"$TMP/config.json"
in_ns timeout -k 2 60 "$P" exporter --listen 127.0.0.1:9799 --config "$TMP/config.json" \
	2>"$TMP/exporter.log" &
XPID=$!
i=0; until in_ns curl -sf -o /dev/null http://127.0.0.1:9799/-/healthy; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "the exporter did not start"; sleep 0.1; done
packets() { in_ns nft list counter inet psx "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

code=$(in_ns curl -s -m 5 -o "$TMP/body" -w '%{http_code}' \
	'http://127.0.0.1:9799/probe?target=198.18.0.9:80&module=tcp')
[ "$code" = 403 ] || fail "refused target: status $code"
code=$(in_ns curl -s -m 5 -o "$TMP/body" -w '%{http_code}' \
	'http://127.0.0.1:9799/probe?target=198.18.0.9:53&module=udp')
[ "$code" = 403 ] || fail "refused udp target: status $code"
[ "$(packets refused)" = 0 ] || fail "$(packets refused) packets left for the refused target"
code=$(in_ns curl -s -m 5 -o "$TMP/body" -w '%{http_code}' \
	'http://127.0.0.1:9799/probe?target=198.18.0.2:80&module=tcp')
[ "$code" = 200 ] || fail "allowed target: status $code"
grep -q '^probe_success 0' "$TMP/body" || fail "allowed target on an empty link answered?"
[ "$(packets allowed)" -gt 0 ] || fail "the control counter did not move: the check proves nothing"
exit 0
