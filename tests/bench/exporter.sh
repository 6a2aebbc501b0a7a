#!/bin/sh
# Benchmark: portscope exporter against prometheus-blackbox-exporter, same run, loopback.
# 1. /metrics first (see 2.), then /probe?module=tcp (blackbox: a tcp prober module) on one open loopback port, 50
#    concurrent keep-alive clients (wrk, Debian package), rounds interleaved: probes per
#    second and p99 latency (medians over the rounds), and each exporter's peak memory
#    (VmHWM). Goal: >= 2x blackbox's throughput, <= half its peak memory.
# 2. /metrics with N listening sockets (tests/bench/hold.c) against `portscope list -o prom`
#    run alternately: median wall time of one scrape (curl) beside the command's.
# The target is tests/bench/sink.c (closes after its peer: no TIME_WAIT on its side).
# Installs wrk and prometheus-blackbox-exporter with apt-get when missing (as root).
# Usage: tests/bench/exporter.sh [ROUNDS] [SECONDS] [N]
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-3}
secs=${2:-5}
n=${3:-20000}
runs=11
ps=build/portscope
[ -x "$ps" ] || { echo "build first: make" >&2; exit 2; }
# As root the whole run happens in a network namespace of its own (its own loopback and
# port space), so listeners and TIME_WAITs of other programs on the machine cannot use up
# the ephemeral ports the probes need.
if [ -z "${PS_BENCH_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	ns=psbx$$
	ip netns add "$ns" && ip -n "$ns" link set lo up || { echo "cannot make a namespace" >&2; exit 1; }
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM
	PS_BENCH_NS=$ns ip netns exec "$ns" sh "$0" "$@"
	exit $?
fi
[ -n "${PS_BENCH_NS:-}" ] && echo "(in network namespace $PS_BENCH_NS)"
need=""
command -v wrk >/dev/null || need="$need wrk"
command -v prometheus-blackbox-exporter >/dev/null || need="$need prometheus-blackbox-exporter"
command -v curl >/dev/null || need="$need curl"
if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] || { echo "install:$need" >&2; exit 2; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null
fi
. tests/bench/lib.sh
pids=""
stop_all() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	stop_holders
}
trap stop_all EXIT INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { i=0; until curl -sf -o /dev/null "$1"; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done; }

target=$(port); xp=$(port); bp=$(port)
${CC:-cc} -O2 -Wall -Wextra -o build/bench/sink tests/bench/sink.c
build/bench/sink "$target" >"$tmp/sink" &
pids="$pids $!"
"$ps" exporter --listen "127.0.0.1:$xp" --max-probes 1000 --max-connections 1000 2>"$tmp/x.log" &
xpid=$!
pids="$pids $xpid"
printf 'modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 1s\n' >"$tmp/bb.yml"
prometheus-blackbox-exporter --config.file="$tmp/bb.yml" --web.listen-address="127.0.0.1:$bp" \
	>"$tmp/bb.log" 2>&1 &
bpid=$!
pids="$pids $bpid"
wait_up "http://127.0.0.1:$xp/-/healthy"
wait_up "http://127.0.0.1:$bp/-/healthy"
curl -s "http://127.0.0.1:$xp/probe?target=127.0.0.1:$target&module=tcp" | grep -q '^probe_success 1' ||
	{ echo "portscope probe failed" >&2; exit 1; }
curl -s "http://127.0.0.1:$bp/probe?target=127.0.0.1:$target&module=tcp_connect" | grep -q '^probe_success 1' ||
	{ echo "blackbox probe failed" >&2; exit 1; }

# Sockets other programs hold count too (the machine is shared): top up to N.
have=$(ss -Hltn | wc -l)
[ "$have" -lt "$n" ] && start_holders $((n - have))
echo "/metrics with $(ss -Hltn | wc -l) listening TCP sockets, median of $runs alternating runs"
alternate curl -sf -o /dev/null "http://127.0.0.1:$xp/metrics" -- "$ps" list -o prom
curl -sf "http://127.0.0.1:$xp/metrics" >"$tmp/m"
awk -v a="$ma" -v b="$mb" -v s="$(grep -c '^portscope_listening{' "$tmp/m")" 'BEGIN {
	printf "  scrape %.1f ms (%d portscope_listening samples)   list -o prom %.1f ms   ratio %.2fx\n",
		a / 1000, s, b / 1000, a / b }'
for p in $holder_pids; do kill "$p" 2>/dev/null || true; done
for p in $holder_pids; do wait "$p" 2>/dev/null || true; done
holder_pids=""
sleep 1
# The probe part's peak memory, not the scrape's: reset the exporter's peak RSS.
echo 5 >"/proc/$xpid/clear_refs" 2>/dev/null || true

# run URL OUT: one wrk round; appends "rps p99_ms" to OUT.
run() {
	wrk -t2 -c50 -d"${secs}s" --latency "$1" >"$tmp/wrk" 2>&1
	if grep -q 'Non-2xx' "$tmp/wrk"; then echo "non-2xx answers:" >&2; cat "$tmp/wrk" >&2; exit 1; fi
	awk '/Requests\/sec/ {r = $2}
	     $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		m = u == "us" ? v / 1000 : u == "s" ? v * 1000 : v }
	     END {print r, m}' "$tmp/wrk" >>"$2"
}
: >"$tmp/ra"; : >"$tmp/rb"
for _ in $(seq "$rounds"); do
	run "http://127.0.0.1:$xp/probe?target=127.0.0.1:$target&module=tcp" "$tmp/ra"
	run "http://127.0.0.1:$bp/probe?target=127.0.0.1:$target&module=tcp_connect" "$tmp/rb"
done
med() { awk -v c="$1" '{print $c}' "$2" | median; }
ra=$(med 1 "$tmp/ra"); rb=$(med 1 "$tmp/rb"); la=$(med 2 "$tmp/ra"); lb=$(med 2 "$tmp/rb")
ha=$(awk '/VmHWM/ {print $2}' "/proc/$xpid/status"); hb=$(awk '/VmHWM/ {print $2}' "/proc/$bpid/status")
echo "/probe?module=tcp, 50 clients (wrk -t2 -c50), $rounds interleaved rounds of $secs s, medians"
awk -v ra="$ra" -v rb="$rb" -v la="$la" -v lb="$lb" -v ha="$ha" -v hb="$hb" 'BEGIN {
	printf "  probes/s    portscope %9.0f   blackbox %9.0f   ratio %.2fx (goal >= 2x) %s\n",
		ra, rb, ra / rb, (ra / rb >= 2 ? "ok" : "MISSED")
	printf "  p99 latency portscope %7.2f ms   blackbox %7.2f ms\n", la, lb
	printf "  peak RSS    portscope %6.1f MB   blackbox %6.1f MB   ratio %.2fx (goal <= 0.5x) %s\n",
		ha / 1024, hb / 1024, ha / hb, (ha / hb <= 0.5 ? "ok" : "MISSED") }'
kill "$bpid" 2>/dev/null || true
