#!/bin/sh
# TCP verdicts against a test host built in network namespaces (198.18.0.0/15 only, the
# prober inside a namespace too): open, reset, nftables drop (filtered/timeout), reject
# with reset (closed), reject with ICMP admin-prohibited and port-unreachable (filtered),
# an address with no host behind it (unreachable), an address with no route (error),
# --retries counted by an nft counter, connect timeouts that follow the host's round trip,
# and --rate as a lower bound on the time taken.
set -u
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ "$(id -u)" = 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
for tool in ip nft python3; do
	command -v $tool >/dev/null 2>&1 || { echo "skip: $tool not installed"; exit 77; }
done

id=$$
c=pst-c$id s=pst-s$id v0=pst-v0-$id v1=pst-v1-$id
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	ns_del "$c" "$s"
	rm -f "${out:-}"
}
trap cleanup EXIT INT TERM
out=$(mktemp)

fail() { echo "FAIL: $*"; [ -s "$out" ] && cat "$out"; exit 1; }
. "$(dirname "$0")/netns_lib.sh"

ns_add "$c" "$s" || { echo "skip: cannot create network namespaces"; exit 77; }
ns_veth "$c" "$v0" 198.18.0.1/24 "$s" "$v1" 198.18.0.2/24 || fail "veth"
ip -n "$s" addr add 198.18.0.3/24 dev "$v1" || fail "address"
# An address nobody answers ARP for fails after one probe of 200 ms, not the default 3 s.
ip netns exec "$c" sysctl -qw net.ipv4.neigh."$v0".mcast_solicit=1 \
	net.ipv4.neigh."$v0".retrans_time_ms=200 || fail "sysctl"

ip netns exec "$s" nft -f - <<'NFT' || fail "nft"
table inet pst_filter {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 8081 counter drop
		tcp dport 9100-9103 drop
		tcp dport 8082 reject with tcp reset
		tcp dport 8083 reject with icmp type admin-prohibited
		tcp dport 8084 reject with icmp type port-unreachable
	}
}
NFT

# The test host's service: a listener on 8080 that lives at most 60 s.
ip netns exec "$s" python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.2", 8080))
s.listen(64)
time.sleep(60)' &
server_pid=$!
i=0
until ip netns exec "$s" ss -H -ltn | grep -q 198.18.0.2:8080; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "listener did not start"; sleep 0.1
done

# One check over every case: one verdict each, exit 1 (not all reachable).
ip netns exec "$c" "$bin" check -o json --timeout 600 198.18.0.2:8080 198.18.0.2:8086 \
	198.18.0.2:8081 198.18.0.2:8082 198.18.0.2:8083 198.18.0.2:8084 198.18.0.99:80 \
	198.19.0.1:80 >"$out"
rc=$?
[ $rc = 1 ] || fail "check exit $rc, expected 1"
python3 - "$out" <<'PY' || fail "verdicts"
import json, sys
doc = json.load(open(sys.argv[1]))
want = {
    "198.18.0.2:8080": ("open", "syn-ack"),
    "198.18.0.2:8086": ("closed", "reset"),
    "198.18.0.2:8081": ("filtered", "timeout"),
    "198.18.0.2:8082": ("closed", "reset"),
    "198.18.0.2:8083": ("filtered", "icmp-admin-prohibited"),
    "198.18.0.2:8084": ("filtered", "icmp-port-unreachable"),
    "198.18.0.99:80": ("unreachable", "icmp-host-unreachable"),
    "198.19.0.1:80": ("error", "no-route"),
}
got = {r["target"]: (r["state"], r["reason"]) for r in doc["results"]}
bad = [(t, got.get(t), w) for t, w in want.items() if got.get(t) != w]
for t, g, w in bad:
    print("%s: got %s, want %s" % (t, g, w))
r = [x for x in doc["results"] if x["target"] == "198.18.0.2:8081"][0]
if r["rtt_ms"] is not None:
    print("a timeout has no rtt"); bad.append(1)
if doc["summary"]["total"] != 8 or doc["summary"]["filtered"] != 3:
    print("summary", doc["summary"]); bad.append(1)
sys.exit(1 if bad else 0)
PY

# The whole scan view of the same host.
ip netns exec "$c" "$bin" scan 198.18.0.2 -p 8080-8086 --all-states --timeout 600 --ndjson >"$out" ||
	fail "scan exit $?"
[ "$(grep -c '"state":"open"' "$out")" = 1 ] || fail "scan: open count"
[ "$(grep -c '"state":"filtered"' "$out")" = 3 ] || fail "scan: filtered count"
[ "$(grep -c '"state":"closed"' "$out")" = 3 ] || fail "scan: closed count"

# --retries 2: three SYNs reach the dropping firewall (nft counter), then filtered.
syns() {
	ip netns exec "$s" nft list table inet pst_filter |
		sed -n 's/.*dport 8081 counter packets \([0-9]*\).*/\1/p'
}
before=$(syns)
ip netns exec "$c" "$bin" check 198.18.0.2:8081 --timeout 300 --retries 2 -o json >"$out"
[ $? = 1 ] || fail "retries: exit code"
grep -q '"state": *"filtered"' "$out" || fail "retries: not filtered"
pk=$(( $(syns) - before ))
[ "$pk" = 3 ] || fail "retries: $pk SYNs reached the host, expected 3"

# A host whose round trip is known: a dropped port waits a few round trips (at least
# 100 ms, doubled for the retry), not --timeout, and connects launched before the first
# answer are shortened by it. With --timeout 10000 the four dropped ports would take 20 s.
s0=$(date +%s)
ip netns exec "$c" "$bin" scan 198.18.0.2 -p 8080,8082,8086,9100-9103 --all-states \
	--timeout 10000 --ndjson >"$out" || fail "adaptive: scan exit $?"
s1=$(date +%s)
[ "$(grep -c '"state":"filtered","rtt_ms":null,"reason":"timeout"' "$out")" = 4 ] ||
	fail "adaptive: the dropped ports are not filtered (timeout)"
[ $((s1 - s0)) -le 5 ] || fail "adaptive: took $((s1 - s0)) s, the full --timeout"

# --rate 20 over 10 closed ports cannot finish in less than 9 intervals (0.45 s).
start=$(date +%s%N)
ip netns exec "$c" "$bin" scan 198.18.0.2 -p 9001-9010 --rate 20 -o json >"$out" || fail "rate scan"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -ge 440 ] || fail "--rate 20: 10 attempts took only $ms ms"
grep -q '"closed": *10' "$out" || fail "rate scan summary"
# --concurrency 2 over four dropped ports: two rounds of the 300 ms timeout at least.
start=$(date +%s%N)
ip netns exec "$c" "$bin" scan 198.18.0.2 -p 9100-9103 --concurrency 2 --timeout 300 -o json >"$out" ||
	fail "concurrency scan"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $ms -ge 590 ] || fail "--concurrency 2: four timeouts of 300 ms took only $ms ms"
grep -q '"filtered": *4' "$out" || fail "concurrency scan summary"

# A name with two addresses (a private /etc/hosts in a mount namespace): both probed,
# each result names its address, and the target is reachable through one of them.
if command -v unshare >/dev/null 2>&1; then
	hosts=$(mktemp)
	printf '198.18.0.2 pst-multi.test\n198.18.0.3 pst-multi.test\n' >"$hosts"
	ip netns exec "$c" unshare -m sh -c "mount --bind '$hosts' /etc/hosts &&
		exec '$bin' check pst-multi.test:8080 -4 -o json" >"$out"
	rc=$?
	rm -f "$hosts"
	[ $rc = 0 ] || fail "two addresses: exit $rc"
	python3 - "$out" <<'PY' || fail "two addresses"
import json, sys
doc = json.load(open(sys.argv[1]))
got = sorted((r["address"], r["state"]) for r in doc["results"])
want = [("198.18.0.2", "open"), ("198.18.0.3", "closed")]
if got != want or any(r["target"] != "pst-multi.test:8080" for r in doc["results"]):
    print("got", got); sys.exit(1)
PY
fi

# Loopback answers inside connect(); where a firewall drops loopback SYNs the engine
# must fall back to waiting (epoll) and report the dropped ports filtered, the rest closed.
ip netns exec "$c" nft -f - <<'NFT' || fail "nft on the prober"
table inet pst_lo {
	chain input {
		type filter hook input priority 0; policy accept;
		iif lo tcp dport 7000-7099 drop
	}
}
NFT
ip netns exec "$c" "$bin" scan 127.0.0.1 -p 6990-7109 --timeout 300 -o json >"$out" ||
	fail "loopback drop scan"
grep -q '"filtered": *100,' "$out" && grep -q '"closed": *20,' "$out" || fail "loopback drop"
ip netns exec "$c" nft delete table inet pst_lo

# Answers that come back after connect() returned (a token bucket on the host's link
# delays them): the epoll path, and sockets reused after an asynchronous reset.
if ip netns exec "$s" tc qdisc add dev "$v1" root tbf rate 1mbit burst 1600 latency 400ms \
	2>/dev/null; then
	ip netns exec "$c" "$bin" scan 198.18.0.2 -p 1-400,8080 --concurrency 20 --timeout 3000 \
		-o json >"$out" || fail "delayed answers: scan exit $?"
	grep -q '"open": *1,' "$out" && grep -q '"closed": *400,' "$out" || fail "delayed answers"
	ip netns exec "$s" tc qdisc del dev "$v1" root
else
	echo "note: tbf qdisc not available, delayed-answer case not run"
fi
echo "ok"
