# Sourced by the list and monitoring benchmarks ($runs must be set).
# start_holders N: hold N listening TCP sockets on 127.0.0.1 in background processes
#   (tests/bench/hold.c), at most 10,000 per process since the descriptor limit may stop one
#   process short of N. Sets $tmp (a scratch directory) and a trap that stops the holders
#   and removes it.
# alternate CMD... -- PEER...: run the two commands alternately $runs times each, output
#   discarded, and set $ma and $mb to their median wall times (us), $mine and $peer to the
#   command lines.
hold=build/bench/hold
mkdir -p build/bench
${CC:-cc} -O2 -Wall -Wextra -o "$hold" tests/bench/hold.c
tmp=$(mktemp -d)
holder_pids=""
stop_holders() {
	for p in $holder_pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap stop_holders EXIT INT TERM

start_holders() {
	left=$1
	i=0
	while [ "$left" -gt 0 ]; do
		c=$((left > 10000 ? 10000 : left))
		"$hold" "$c" >"$tmp/hold$i" &
		holder_pids="$holder_pids $!"
		left=$((left - c))
		i=$((i + 1))
	done
	for j in $(seq 0 $((i - 1))); do
		t=0
		until grep -q ready "$tmp/hold$j" 2>/dev/null; do
			sleep 0.2; t=$((t + 1))
			[ "$t" -lt 300 ] || { echo "holder $j did not start" >&2; cat "$tmp/hold$j" >&2; exit 1; }
		done
	done
}

now() { date +%s%N; }
time_us() {
	a=$(now); "$@" >/dev/null 2>&1 || true; b=$(now)
	echo $(((b - a) / 1000))
}
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

alternate() {
	mine=""
	while [ "$1" != "--" ]; do mine="$mine $1"; shift; done
	shift
	peer="$*"
	: >"$tmp/a"; : >"$tmp/b"
	# shellcheck disable=SC2086
	for _ in $(seq "$runs"); do
		time_us $mine >>"$tmp/a"
		time_us $peer >>"$tmp/b"
	done
	ma=$(median <"$tmp/a"); mb=$(median <"$tmp/b")
}
