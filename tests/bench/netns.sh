#!/bin/sh
# Benchmark: list --all-netns over 20 network namespaces holding 1,000 listening TCP
# sockets each, against a loop of `ip netns exec NS ss -ltn` over the same 20. Runs
# alternate, medians of RUNS each. Needs root. Usage: tests/bench/netns.sh [RUNS]
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-11}
ps=build/portscope
[ -x "$ps" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces" >&2; exit 2; }
command -v ss >/dev/null && command -v ip >/dev/null || { echo "iproute2 is needed" >&2; exit 2; }
. tests/bench/lib.sh
names=""
for i in $(seq 1 20); do names="$names psbn$$-$i"; done
cleanup() {
	stop_holders
	for n in $names; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM
for n in $names; do
	ip netns add "$n"
	ip -n "$n" link set lo up
	ip netns exec "$n" "$hold" 1000 >"$tmp/$n" &
	holder_pids="$holder_pids $!"
done
for n in $names; do
	t=0
	until grep -q ready "$tmp/$n" 2>/dev/null; do
		sleep 0.2; t=$((t + 1)); [ "$t" -lt 300 ] || { echo "holder in $n did not start" >&2; exit 1; }
	done
done
printf 'for n in %s; do ip netns exec $n ss -ltn; done\n' "$names" >"$tmp/loop.sh"
echo "namespaces: $($ps list -t -n -P --all-netns --ndjson | sed 's/.*"inode":\([0-9]*\),"pid.*/\1/' |
	sort -u | wc -l) in all, 20 made here; sockets found: $($ps list -t -4 -n -P --all-netns \
	--ndjson | grep -c '"name":"psbn')"
echo "median of $runs alternating runs each; load average $(cut -d" " -f1 /proc/loadavg) on $(nproc) CPUs"
compare() {	# label, ratio goal, then the two commands separated by --
	python3 tests/bench/alternate.py "$runs" "$@"
}
compare "list --all-netns -P (no owners)" 0.3 $ps list -t -n -P --all-netns -- sh "$tmp/loop.sh"
compare "list --all-netns (owners on)" 0.3 $ps list -t -n --all-netns -- sh "$tmp/loop.sh"
