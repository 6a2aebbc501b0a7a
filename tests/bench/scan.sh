#!/bin/sh
# Benchmark: a full-range TCP scan of 127.0.0.1 (65,535 ports, a few listeners), portscope
# against nmap's connect scan (-sT) and, as root, nmap's raw SYN scan (-sS), interleaved
# in one run; prints each tool's median wall time, the ratios, portscope's peak RSS with
# -o ndjson, and checks that both tools found the same open ports.
# As root the run happens in a private network namespace holding only the benchmark's
# listeners, so other processes' sockets neither slow nor change it.
# Usage: sh tests/bench/scan.sh [RUNS]   (default 5; the targets: -sT <= 0.15x, -sS <= 1.0x,
# RSS < 16 MB)
set -u
runs=${1:-5}
cd "$(dirname "$0")/../.." || exit 1
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ -x "$bin" ] || make -s all || exit 1
if ! command -v nmap >/dev/null 2>&1; then
	# nmap is only a benchmark dependency: install it here, not for the build.
	PORTSCOPE_EXTRA_DEPS="nmap time" sh scripts/deps.sh ||
		{ echo "bench: nmap is not installed and cannot be installed here"; exit 1; }
fi
[ -x /usr/bin/time ] || PORTSCOPE_EXTRA_DEPS=time sh scripts/deps.sh ||
	{ echo "bench: needs GNU time (/usr/bin/time) for peak RSS"; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "bench: needs python3"; exit 1; }

ns=
if [ "$(id -u)" = 0 ] && [ -z "${PST_BENCH_INNER:-}" ]; then
	ns=pst-bench$$
	ip netns add "$ns" || exit 1
	trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM
	ip -n "$ns" link set lo up
	PST_BENCH_INNER=1 ip netns exec "$ns" sh "$0" "$runs"
	exit $?
fi

python3 - "$bin" "$runs" <<'PY'
import os, re, resource, socket, statistics, subprocess, sys, time

bin_, runs = sys.argv[1], int(sys.argv[2])
root = os.geteuid() == 0
inner = bool(os.environ.get("PST_BENCH_INNER"))

# A few listeners of our own (in the private namespace they are the only ones).
held = []
for _ in range(5):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    held.append(s)

def run(argv):
    """Wall time of one run, its stdout and exit status."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = p.communicate()
    return time.monotonic() - t0, out.decode(errors="replace"), p.returncode

def rss_of(argv):
    """Peak RSS in KiB. ru_maxrss of a child forked from Python would include Python's
    own pages (the kernel carries the pre-exec high-water mark over exec), so measure
    through GNU time, whose own image is small: the figure is an upper bound."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, check=True)
    return int(r.stderr.decode().strip().splitlines()[-1])

ps = [bin_, "scan", "127.0.0.1", "-p", "-", "-o", "ndjson"]
nmap = "/usr/bin/nmap" if os.path.exists("/usr/bin/nmap") else "nmap"
tools = {"portscope": ps, "nmap -sT": [nmap, "-sT", "-p-", "-n", "-Pn", "127.0.0.1", "-oG", "-"]}
if root:
    tools["nmap -sS"] = [nmap, "-sS", "-p-", "-n", "-Pn", "127.0.0.1", "-oG", "-"]
times = {k: [] for k in tools}
opens = {}
for i in range(runs):
    for name, argv in tools.items():
        wall, out, status = run(argv)
        if status != 0:
            sys.exit("bench: %s exited %d" % (name, status))
        times[name].append(wall)
        if name == "portscope":
            found = set(int(m) for m in re.findall(r'"port":(\d+)', out))
        else:
            found = set(int(m) for m in re.findall(r"(\d+)/open/tcp", out))
        opens.setdefault(name, found)
rss = rss_of(ps)

where = "private network namespace" if inner else "host loopback (shared with other processes)"
print("full-range TCP scan of 127.0.0.1, %d listeners, %s, %d runs interleaved" % (len(held), where, runs))
med = {k: statistics.median(v) for k, v in times.items()}
best = {k: min(v) for k, v in times.items()}
for k, v in times.items():
    print("  %-10s median %6.3f s  best %6.3f s  (runs: %s)" % (k, med[k], best[k],
          " ".join("%.3f" % x for x in v)))
print("  ratio portscope / nmap -sT: %.3f median, %.3f best  (target <= 0.15)" %
      (med["portscope"] / med["nmap -sT"], best["portscope"] / best["nmap -sT"]))
if "nmap -sS" in med:
    print("  ratio portscope / nmap -sS: %.3f median, %.3f best  (target <= 1.0)" %
          (med["portscope"] / med["nmap -sS"], best["portscope"] / best["nmap -sS"]))
else:
    print("  nmap -sS: skipped (needs root)")
print("  portscope peak RSS with -o ndjson: %.1f MB  (target < 16 MB)" % (rss / 1024.0))
ref = opens["nmap -sT"]
for k, v in opens.items():
    if v != ref:
        print("  MISMATCH: %s found %s, nmap -sT %s" % (k, sorted(v), sorted(ref)))
        sys.exit(1)
print("  open ports agree across tools: %s" % " ".join(str(p) for p in sorted(ref)))
PY
