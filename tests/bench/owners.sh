#!/bin/sh
# Benchmark: the cost of the cgroup owner fields (cgroup, unit, container). 20,000
# listening TCP sockets on 127.0.0.1 held by 50 processes, each started inside its own
# cgroup (portscope-bench.slice/svcN.service under the cgroup v2 mount). Three comparisons,
# runs alternating, medians of RUNS each, wall and CPU time (alternate.py):
#  1. the owner fields' own cost: this build's `list -P` against the same build run where
#     cgroup v2 is not mounted (a private mount namespace with the v2 mount taken away:
#     owners unknown, no UNIT column), both entered with nsenter, so both pay the same;
#  2. `list -P` of this tree against `list -P` of BASE (default: the commit before the
#     cgroup module, "today's list -P" of issue 13), built into a scratch directory: the
#     owner fields plus everything else merged since;
#  3. start-up alone (--version) of the two builds: what the libraries linked since cost.
# Needs root and cgroup v2.
# Usage: tests/bench/owners.sh [RUNS] [BASE]
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-21}
base=${2:-$(git log --diff-filter=A --format=%H -- probe/cgroup.c | tail -1)^}
ps=build/portscope
[ -x "$ps" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root to make cgroups" >&2; exit 2; }
mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$mnt" ] || { echo "cgroup v2 is not mounted" >&2; exit 2; }
. tests/bench/lib.sh
slice="$mnt/portscope-bench-$$.slice"
ns_pids=""
cleanup() {
	for p in $ns_pids; do kill "$p" 2>/dev/null || true; done
	stop_holders
	for d in "$slice"/*.service; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rmdir "$slice" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
hold_abs="$(pwd)/$hold"
ps_abs="$(pwd)/$ps"

# The baseline: the same tree at BASE, built once.
git archive "$base" | (mkdir -p "$tmp/base" && tar -x -C "$tmp/base")
make -s -C "$tmp/base" -j2 build/portscope >/dev/null 2>&1 || { echo "cannot build $base" >&2; exit 2; }
old="$tmp/base/build/portscope"

# Two mount namespaces held by a sleeping process each (15 minutes at most): one as the
# host's, one without any cgroup v2 mount.
unshare -m --propagation private sh -c 'echo ready >"$1"; exec sleep 900' sh "$tmp/ns_on" &
ns_on=$!
unshare -m --propagation private sh -c \
	'awk '\''$9 == "cgroup2" { print $5 }'\'' /proc/self/mountinfo | while read -r m; do
		umount -l "$m" || exit 1; done && echo ready >"$1" && exec sleep 900' sh "$tmp/ns_off" &
ns_off=$!
ns_pids="$ns_on $ns_off"

mkdir -p "$slice"
for i in $(seq 1 50); do
	mkdir -p "$slice/svc$i.service"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 400' sh "$slice/svc$i.service" "$hold_abs" \
		>"$tmp/hold$i" &
	holder_pids="$holder_pids $!"
done
for f in $(seq 1 50 | sed 's/^/hold/') ns_on ns_off; do
	t=0
	until grep -q ready "$tmp/$f" 2>/dev/null; do
		sleep 0.2; t=$((t + 1)); [ "$t" -lt 300 ] || { echo "$f did not start" >&2; exit 1; }
	done
done
units() { "$@" list -t -4 -n -P --ndjson | grep -c '"unit":"svc' || true; }
echo "listening TCP sockets on 127.0.0.1: $(ss -Hltn4 | wc -l), in 50 cgroups; units seen:" \
	"$(units "$ps"), with cgroup v2 hidden: $(units nsenter -t "$ns_off" -m -- "$ps_abs")"
echo "median of $runs alternating runs each; baseline $(git rev-parse --short "$base"); load average $(cut -d" " -f1 /proc/loadavg) on $(nproc) CPUs"
compare() {	# label, ratio goal ("-": none), then the two commands separated by --
	python3 tests/bench/alternate.py "$runs" "$@"
}
on="nsenter -t $ns_on -m $ps_abs"	# no "--": alternate.py splits on the first
off="nsenter -t $ns_off -m $ps_abs"
echo "1. this build, cgroup v2 visible vs hidden:"
compare "list -P, table (UNIT column)" 1.10 $on list -t -4 -n -P -- $off list -t -4 -n -P
compare "list -P -o json (unit fields)" 1.10 $on list -t -4 -n -P -o json -- \
	$off list -t -4 -n -P -o json
echo "2. this tree vs $(git rev-parse --short "$base"):"
compare "list -P, table (UNIT column)" 1.10 $ps list -t -4 -n -P -- "$old" list -t -4 -n -P
compare "list -P -o json (unit fields)" 1.10 $ps list -t -4 -n -P -o json -- \
	"$old" list -t -4 -n -P -o json
echo "3. start-up alone:"
compare "--version" - $ps --version -- "$old" --version
