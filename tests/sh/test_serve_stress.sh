#!/bin/sh
# serve under attack, on loopback (tests/sh/serve_stress.py does each step, bounded):
# a spoofed-source ping-pong with an echo peer and a request-sending peer ends at once or
# within the per-source rate; no reply is longer than its request for every size from 0
# to 1,500 bytes (request-only and --answer-any); 5,000 held connections (all set up
# before measuring, so no SYN retries compete for the backlog) at a soft
# descriptor limit of 1,024 cost under 10% of a core and new clients are greeted within
# 50 ms; with stderr a pipe nobody reads, replies continue and SIGTERM ends serve within
# a second.
set -u
bin=${PORTSCOPE:-build/portscope}
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
[ -x "$bin" ] || { echo "FAIL: no $bin"; exit 1; }
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 8192 ] ||
	{ echo "skip: the held-connections step needs a hard descriptor limit of 8192"; exit 77; }
here=$(dirname "$0")
for step in pingpong amplification held stderr; do
	timeout -k 5 120 python3 "$here/serve_stress.py" "$bin" "$step" || exit 1
done
exit 0
