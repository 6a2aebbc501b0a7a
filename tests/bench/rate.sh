#!/bin/sh
# Benchmark: does --rate hold? scan -t and scan -u of closed loopback ports at requested
# rates from 10 to 100,000 attempts a second. As root, in a namespace of its own, the
# achieved rate is what an nftables counter on the output hook saw (TCP SYNs, UDP
# datagrams) over SECONDS once the scan has run half a second; otherwise the number of
# attempts (one per port: a closed loopback port answers at once) over the wall time. The peer is another portscope binary (the build
# before the change: PEER=path), interleaved rate by rate in one run.
# As root the run happens in a private network namespace holding nothing, so every port
# is closed and no other process's traffic shares the loopback.
# Usage: sh tests/bench/rate.sh [SECONDS]   (default 2; PEER=/path/to/portscope to compare)
set -u
secs=${1:-2}
cd "$(dirname "$0")/../.." || exit 1
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ -x "$bin" ] || make -s all || exit 1
command -v python3 >/dev/null 2>&1 || { echo "bench rate: needs python3"; exit 1; }
if [ "$(id -u)" = 0 ] && [ -z "${PSR_BENCH_INNER:-}" ]; then
	ns=psr-bench$$
	ip netns add "$ns" || exit 1
	trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM	# its nft table goes with it
	ip -n "$ns" link set lo up
	PSR_BENCH_INNER=1 ip netns exec "$ns" sh "$0" "$secs"
	exit $?
fi
if [ -n "${PSR_BENCH_INNER:-}" ] && command -v nft >/dev/null 2>&1; then
	# Count what leaves: TCP SYNs and UDP datagrams on lo, by an nftables counter.
	nft -f - <<'NFT' || exit 1
table inet psr {
	counter syn {}
	counter dgram {}
	chain out {
		type filter hook output priority 0; policy accept;
		tcp flags & (syn | ack) == syn counter name syn
		meta l4proto udp counter name dgram
	}
}
NFT
	export PSR_NFT=1
fi
python3 - "$bin" "${PEER:-}" "$secs" <<'PY'
import json, os, subprocess, sys, time
mine, peer, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
nft = os.environ.get("PSR_NFT") == "1"


def counter(name):
    """(packets, when): when is the middle of the read, which may take a while on a busy
    machine."""
    t = time.monotonic()
    out = subprocess.run(["nft", "-j", "list", "counter", "inet", "psr", name],
                         stdout=subprocess.PIPE, check=True).stdout
    for item in json.loads(out)["nftables"]:
        if "counter" in item:
            return item["counter"]["packets"], (t + time.monotonic()) / 2
    raise SystemExit("no counter " + name)


def run(binary, proto, rate):
    """Attempts a second, sampled over secs once the scan has run 0.5 s (nftables), or
    over the whole scan's wall time without it."""
    n = max(10, int(rate * (secs + (2.0 if nft else 0.0))))
    c = min(n, 65535)
    hosts = ["127.0.0.%d" % (i + 1) for i in range((n + c - 1) // c)]
    args = [binary, "scan", proto, "--rate", str(rate), "--all-states", "--timeout",
            "2000", "-o", "ndjson", "--concurrency", "4096", "-p", "1-%d" % c] + hosts
    t = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if nft:
        name = "syn" if proto == "-t" else "dgram"
        time.sleep(0.5)
        c0, t0 = counter(name)
        time.sleep(secs)
        c1, t1 = counter(name)
        p.kill()
        p.wait()
        return (c1 - c0) / (t1 - t0)
    p.wait(secs * 20 + 30)
    return (n - 1) / (time.monotonic() - t)


rates = [10, 100, 500, 900, 1000, 10000, 100000]
print("%-4s %9s  %12s %7s  %12s %7s   (%s)" % ("", "requested", "achieved", "ratio",
                                                "peer", "ratio",
                                                "nftables counter" if nft else "wall time"))
for proto in ("-t", "-u"):
    for r in rates:
        a = run(mine, proto, r)
        line = "%-4s %9d  %12.1f %7.3f" % (proto, r, a, a / r)
        if peer:
            b = run(peer, proto, r)
            line += "  %12.1f %7.3f" % (b, b / r)
        print(line, flush=True)
PY
