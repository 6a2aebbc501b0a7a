#!/bin/sh
# Benchmark: the monitoring commands against ss, the tool a script would otherwise poll,
# with N extra listening TCP sockets on 127.0.0.1 (kernel-chosen ports).
#  - audit with an allow-all policy (dump + policy match + JSON) vs one `ss -ltn4` dump;
#  - list -o prom with owners vs `ss -ltnp4` (owners too);
#  - watch: CPU per poll of `portscope watch -P` vs an ss polling loop that diffs
#    sorted `ss -Hltn4` output (what a shell "watch" would do).
# The tools run alternately, RUNS times each; medians are printed with ratios.
# Usage: tests/bench/monitor.sh [RUNS] [N]
set -eu
cd "$(dirname "$0")/../.."
runs=${1:-11}
n=${2:-5000}
polls=20
ps=build/portscope
[ -x "$ps" ] || { echo "build first: make" >&2; exit 2; }
command -v ss >/dev/null || { echo "ss (iproute2) is needed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time, package 'time') is needed" >&2; exit 2; }
. tests/bench/lib.sh
start_holders "$n"
echo "listening TCP sockets on 127.0.0.1 (all programs): $(ss -Hltn4 | wc -l)"
echo '{"allow": [{}]}' >"$tmp/allow-all.json"

compare() {	# label, then the two commands separated by --
	label=$1; shift
	alternate "$@"
	awk -v l="$label" -v a="$ma" -v b="$mb" -v m="$mine" -v p="$peer" 'BEGIN {
		printf "%-36s %8.1f ms  vs %8.1f ms  ratio %.2fx\n    portscope:%s\n    peer:      %s\n",
			l, a / 1000, b / 1000, a / b, m, p }'
}

echo "median of $runs alternating runs each"
compare "audit (allow-all), no owners" $ps audit --policy "$tmp/allow-all.json" -t -4 -P -o json \
	-- ss -ltn4
compare "list -o prom, owners on" $ps list -t -4 -o prom -- ss -ltnp4

# CPU seconds (user + sys) of a command, from GNU time.
cpu() { /usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -n 1 | awk '{print $1 + $2}'; }
cat >"$tmp/ssloop.sh" <<LOOP
: >"$tmp/old"
i=0
while [ \$i -lt $polls ]; do
	ss -Hltn4 | sort >"$tmp/new"
	comm -3 "$tmp/old" "$tmp/new" >/dev/null
	mv "$tmp/new" "$tmp/old"
	i=\$((i + 1))
	sleep 0.05
done
LOOP
: >"$tmp/wa"; : >"$tmp/wb"
for _ in $(seq "$runs"); do
	# --duration with a 50 ms interval: polls + 1 dumps (the first, then one per tick).
	cpu $ps watch -t -4 -P --interval 50 --duration $((polls * 50 - 1)) >>"$tmp/wa"
	cpu sh "$tmp/ssloop.sh" >>"$tmp/wb"
done
wa=$(median <"$tmp/wa"); wb=$(median <"$tmp/wb")
awk -v a="$wa" -v b="$wb" -v p="$polls" 'BEGIN {
	printf "%-36s %8.2f ms  vs %8.2f ms  ratio %.2fx\n    portscope: watch -t -4 -P --interval 50\n    peer:      ss -Hltn4 | sort; comm -3 old new\n",
		"watch, CPU per poll", a * 1000 / (p + 1), b * 1000 / p, (b > 0 ? (a / (p + 1)) / (b / p) : 0) }'
