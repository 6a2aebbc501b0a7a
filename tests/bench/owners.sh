#!/bin/sh
# Benchmark: the cost of the cgroup owner fields (cgroup, unit, container). 20,000
# listening TCP sockets on 127.0.0.1 held by 50 processes, each started inside its own
# cgroup (portscope-bench.slice/svcN.service under the cgroup v2 mount); `list -P` of this
# tree (owners from cgroups: one walk of the tree, cached per id) against `list -P` of the
# commit before them (BASE, default: the merge base with integ), built into a scratch
# directory. Runs alternate, medians of RUNS each, wall and CPU time (alternate.py). Needs
# root and cgroup v2.
# Usage: tests/bench/owners.sh [RUNS] [BASE]
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-21}
base=${2:-$(git merge-base HEAD integ 2>/dev/null || git rev-parse HEAD~1)}
ps=build/portscope
[ -x "$ps" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root to make cgroups" >&2; exit 2; }
mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$mnt" ] || { echo "cgroup v2 is not mounted" >&2; exit 2; }
. tests/bench/lib.sh
slice="$mnt/portscope-bench-$$.slice"
cleanup() {
	stop_holders
	for d in "$slice"/*.service; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rmdir "$slice" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
hold_abs="$(pwd)/$hold"

# The baseline: the same tree at BASE, built once.
git archive "$base" | (mkdir -p "$tmp/base" && tar -x -C "$tmp/base")
make -s -C "$tmp/base" -j2 build/portscope >/dev/null 2>&1 || { echo "cannot build $base" >&2; exit 2; }
old="$tmp/base/build/portscope"

mkdir -p "$slice"
for i in $(seq 1 50); do
	mkdir -p "$slice/svc$i.service"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 400' sh "$slice/svc$i.service" "$hold_abs" \
		>"$tmp/hold$i" &
	holder_pids="$holder_pids $!"
done
for i in $(seq 1 50); do
	t=0
	until grep -q ready "$tmp/hold$i" 2>/dev/null; do
		sleep 0.2; t=$((t + 1)); [ "$t" -lt 300 ] || { echo "holder $i did not start" >&2; exit 1; }
	done
done
echo "listening TCP sockets on 127.0.0.1: $(ss -Hltn4 | wc -l), in 50 cgroups;" \
	"units seen: $($ps list -t -4 -n -P --ndjson | grep -c '"unit":"svc')"
echo "median of $runs alternating runs each; baseline $(git rev-parse --short "$base"); load average $(cut -d" " -f1 /proc/loadavg) on $(nproc) CPUs"
compare() {	# label, ratio goal, then the two commands separated by --
	python3 tests/bench/alternate.py "$runs" "$@"
}
compare "list -P, table (UNIT column)" 1.10 $ps list -t -4 -n -P -- "$old" list -t -4 -n -P
compare "list -P -o json (unit fields)" 1.10 $ps list -t -4 -n -P -o json -- \
	"$old" list -t -4 -n -P -o json
