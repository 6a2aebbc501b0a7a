#!/bin/sh
# Benchmark: portscope list against ss on 20,000 listening TCP sockets on 127.0.0.1.
# Runs the two tools alternately (RUNS times each), prints median wall times and ratios,
# and the peak memory of the JSON run beside ss's. Usage: tests/bench/list.sh [RUNS] [N]
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-21}
n=${2:-20000}
ps=build/portscope
[ -x "$ps" ] || { echo "build first: make" >&2; exit 2; }
command -v ss >/dev/null || { echo "ss (iproute2) is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time, package 'time') is needed" >&2; exit 2; }
. tests/bench/lib.sh
start_holders "$n"
echo "listening TCP sockets on 127.0.0.1: $(ss -Hltn4 | wc -l)"

compare() {	# label, ratio goal, then the two commands separated by --
	label=$1; goal=$2; shift 2
	alternate "$@"
	awk -v l="$label" -v a="$ma" -v b="$mb" -v g="$goal" -v m="$mine" -v p="$peer" 'BEGIN {
		r = a / b
		printf "%-34s %8.1f ms  vs %8.1f ms  ratio %.2fx (goal <= %sx) %s\n    portscope:%s\n    peer:      %s\n",
			l, a / 1000, b / 1000, r, g, (r <= g ? "ok" : "MISSED"), m, p }'
}

echo "median of $runs alternating runs each"
compare "table, no owners (like ss)" 1.0 $ps list -t -4 -n -P -- ss -ltn4
compare "table, owners on (the default)" 1.0 $ps list -t -4 -n -- ss -ltn4
compare "json, no owners (like ss)" 1.5 $ps list -t -4 -n -P -o json -- ss -ltn4
compare "json, owners on (the default)" 1.5 $ps list -t -4 -n -o json -- ss -ltn4
compare "table with owners vs ss -p" 0.6 $ps list -t -4 -- ss -ltnp4

mem() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
echo "peak memory (max RSS): portscope list -t -4 -n -o json $(mem $ps list -t -4 -n -o json) KB," \
	"with -P $(mem $ps list -t -4 -n -P -o json) KB; ss -ltn4 $(mem ss -ltn4) KB;" \
	"ss -ltnp4 $(mem ss -ltnp4) KB"
