#!/bin/sh
# Heavy socket churn on loopback: a helper keeps a few thousand TCP and UDP listeners on
# 127.0.0.1 and ::1, on 4 ports of each kind shared through SO_REUSEPORT, and closes and
# reopens them as fast as it can for a few seconds, while
# `list -o json` runs again and again; no dump may list one socket twice (the same proto,
# port and inode), which a netlink dump restarted under churn did (docs/design.md).
# Bounded: the churn stops after CHURN_SECONDS (6), the listing after 40 runs or the churn.
set -u
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
. "$(dirname "$0")/lib.sh"
secs=${CHURN_SECONDS:-6}
python3 - "$secs" "$TMP/ready" >"$TMP/churn.log" 2>&1 <<'PY' &
import os, random, resource, socket, sys, time
secs, ready = float(sys.argv[1]), sys.argv[2]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 6000 if hard == resource.RLIM_INFINITY else min(6000, hard)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
except (ValueError, OSError):
    pass
n = max(100, min(5000, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 100))
# A few ports shared through SO_REUSEPORT: hundreds of sockets in one hash bucket of the
# kernel's tables, so a dump resumed mid-bucket sees the bucket change under it.
kinds = [(f, a, t) for f, a in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"))
         for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM)]
ports = {}
def make():
    k = random.choice(kinds)
    fam, addr, typ = k
    s = socket.socket(fam, typ)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if k not in ports or len(ports[k]) < 4:
        s.bind((addr, 0))
        ports.setdefault(k, []).append(s.getsockname()[1])
    else:
        s.bind((addr, random.choice(ports[k])))
    if typ == socket.SOCK_STREAM:
        s.listen(4)
    return s
socks = []
for _ in range(n):
    try:
        socks.append(make())
    except OSError:
        break
open(ready, "w").write("%d\n" % len(socks))
end, ops = time.monotonic() + secs, 0
while time.monotonic() < end and socks:
    for _ in range(200):
        i = random.randrange(len(socks))
        socks[i].close()
        try:
            socks[i] = make()
        except OSError:
            socks[i] = socks[-1]
            socks.pop()
            break
        ops += 1
print("listeners %d, close+open %d in %.0f s" % (len(socks), ops, secs))
PY
PID=$!
i=0
while [ ! -s "$TMP/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$TMP/ready" ] || fail "the churn helper did not start: $(cat "$TMP/churn.log")"
runs=0
while [ $runs -lt 40 ] && kill -0 "$PID" 2>/dev/null; do
	timeout -k 2 20 "$P" list -o json >"$TMP/list.$runs.json" 2>"$TMP/err" ||
		fail "list exit $?: $(cat "$TMP/err")"
	runs=$((runs + 1))
done
wait "$PID"
PID=""
python3 - "$TMP" "$runs" <<'PY' || fail "a socket listed twice under churn"
import collections, json, sys
d, runs = sys.argv[1], int(sys.argv[2])
bad, rows = 0, 0
for k in range(runs):
    socks = json.load(open("%s/list.%d.json" % (d, k)))["sockets"]
    rows += len(socks)
    seen = collections.Counter((s["proto"], s["local_port"], s["inode"]) for s in socks)
    for key, c in seen.items():
        if c > 1:
            bad += 1
            print("run %d: %s listed %d times" % (k, key, c))
print("%d listings, %d rows, %d duplicates" % (runs, rows, bad))
sys.exit(1 if bad or runs < 3 else 0)
PY
echo "ok: $(cat "$TMP/churn.log"); no socket listed twice"
