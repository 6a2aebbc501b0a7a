#!/bin/sh
# Benchmark: a full-range UDP scan of 127.0.0.1 (65,535 ports: an echoing socket, a few
# bound silent ones, the rest closed), portscope against nmap's UDP scan (-sU, root),
# interleaved in one run; prints each tool's median wall time, the ratio, portscope's
# peak RSS, and compares the verdicts of both tools port by port.
# As root the run happens in a private network namespace holding only the benchmark's
# sockets, so other processes' sockets neither slow nor change it.
# Usage: sh tests/bench/udp.sh [RUNS]   (default 5; targets: <= 0.3x nmap, RSS < 16 MB)
set -u
runs=${1:-5}
cd "$(dirname "$0")/../.." || exit 1
bin=${PORTSCOPE:-build/portscope}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
[ -x "$bin" ] || make -s all || exit 1
[ "$(id -u)" = 0 ] || { echo "bench udp: nmap -sU needs root; skipped"; exit 0; }
if ! command -v nmap >/dev/null 2>&1 || [ ! -x /usr/bin/time ]; then
	# nmap and GNU time are only benchmark dependencies: installed here, not for the build.
	PORTSCOPE_EXTRA_DEPS="nmap time" sh scripts/deps.sh ||
		{ echo "bench udp: nmap or GNU time missing and cannot be installed here"; exit 1; }
fi
command -v python3 >/dev/null 2>&1 || { echo "bench udp: needs python3"; exit 1; }

if [ -z "${PSU_BENCH_INNER:-}" ]; then
	ns=psu-bench$$
	ip netns add "$ns" || exit 1
	trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM
	ip -n "$ns" link set lo up
	PSU_BENCH_INNER=1 ip netns exec "$ns" sh "$0" "$runs"
	exit $?
fi

python3 - "$bin" "$runs" <<'PY'
import json, os, re, socket, statistics, subprocess, sys, threading, time

bin_, runs = sys.argv[1], int(sys.argv[2])

# The namespace's only UDP sockets: one that echoes, four that stay silent.
echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
echo.bind(("127.0.0.1", 0))
def serve():
    while True:
        data, peer = echo.recvfrom(2048)
        echo.sendto(b"echo:" + data, peer)
threading.Thread(target=serve, daemon=True).start()
silent = []
for _ in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    silent.append(s)
expect = {echo.getsockname()[1]: "open"}
for s in silent:
    expect[s.getsockname()[1]] = "open|filtered"

def run(argv):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = p.communicate()
    return time.monotonic() - t0, out.decode(errors="replace"), p.returncode

def rss_of(argv):
    """Peak RSS in KiB through GNU time (an upper bound: time's own image is small)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    return int(r.stderr.decode().strip().splitlines()[-1])

def verdicts_portscope(out):
    v = {}
    for line in out.splitlines():
        r = json.loads(line)
        v[r["port"]] = r["state"]
    return v

def verdicts_nmap(out):
    v = {p: "closed" for p in range(1, 65536)}
    for port, state in re.findall(r"(\d+)/([a-z|]+)/udp", out):
        v[int(port)] = state
    m = re.search(r"Ignored State: (\S+) \((\d+)\)", out)
    if m and m.group(1) != "closed":
        sys.exit("bench udp: nmap ignored state %s, not closed" % m.group(1))
    return v

# Timed: the commands as a user types them (each prints what is open, nmap also what is
# open|filtered). Verdicts: portscope once more with every state, untimed, beside the
# same run's nmap output (nmap lists every port that is not closed).
ps = [bin_, "scan", "-u", "127.0.0.1", "-p", "-", "-o", "ndjson"]
ps_all = [bin_, "scan", "-u", "127.0.0.1", "-p", "-", "--all-states", "-o", "ndjson"]
nmap = "/usr/bin/nmap" if os.path.exists("/usr/bin/nmap") else "nmap"
tools = {"portscope": ps, "nmap -sU": [nmap, "-sU", "-p-", "-n", "-Pn", "127.0.0.1", "-oG", "-"]}
times = {k: [] for k in tools}
times_all = []
mismatch = 0
for i in range(runs):
    got = {}
    for name, argv in tools.items():
        wall, out, status = run(argv)
        if status not in (0, 1):
            sys.exit("bench udp: %s exited %d" % (name, status))
        times[name].append(wall)
        if name == "nmap -sU":
            got[name] = verdicts_nmap(out)
    wall, out, status = run(ps_all)
    times_all.append(wall)
    got["portscope"] = verdicts_portscope(out)
    a, b = got["portscope"], got["nmap -sU"]
    diff = [p for p in range(1, 65536) if a.get(p) != b.get(p)]
    if len(a) != 65535 or diff:
        mismatch += 1
        print("  run %d: %d ports differ: %s" % (i + 1, len(diff),
              ", ".join("%d portscope=%s nmap=%s" % (p, a.get(p), b.get(p)) for p in diff[:10])))
    wrong = [p for p, s in expect.items() if a.get(p) != s]
    if wrong:
        mismatch += 1
        print("  run %d: portscope wrong on our own sockets: %s" % (i + 1, wrong))
rss = rss_of(ps)
rss_all = rss_of(ps_all)

print("full-range UDP scan of 127.0.0.1 (1 echo, 4 silent sockets), private network namespace, "
      "%d runs interleaved" % runs)
med = {k: statistics.median(v) for k, v in times.items()}
for k, v in times.items():
    print("  %-10s median %6.3f s   (runs: %s)" % (k, med[k], " ".join("%.3f" % x for x in v)))
print("  ratio portscope / nmap -sU: %.3f  (target <= 0.3)" % (med["portscope"] / med["nmap -sU"]))
print("  portscope --all-states (65,535 NDJSON lines) median %.3f s, ratio %.3f" % (
      statistics.median(times_all), statistics.median(times_all) / med["nmap -sU"]))
print("  portscope peak RSS: %.1f MB, with --all-states %.1f MB  (target < 16 MB)" % (
      rss / 1024.0, rss_all / 1024.0))
if mismatch:
    print("  VERDICTS DIFFER in %d of %d runs" % (mismatch, runs))
    sys.exit(1)
print("  verdicts identical for all 65,535 ports in every run (open %s, open|filtered %s)" % (
      " ".join(str(p) for p, s in sorted(expect.items()) if s == "open"),
      " ".join(str(p) for p, s in sorted(expect.items()) if s != "open")))
PY
