#!/bin/sh
# Without permission to see a socket's owner, the socket is still listed, with
# "processes": []; and a dump under heavy socket churn is never half-reported.
set -u
ps=${PORTSCOPE:-build/portscope}
[ "$(id -u)" = 0 ] || { echo "skip: needs root to drop to another user"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: setpriv (util-linux) missing"; exit 77; }
python3 - "$ps" <<'PY'
import json, os, socket, subprocess, sys, threading, time
ps = sys.argv[1]
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4)
port = l.getsockname()[1]
drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
out = subprocess.run(drop + [ps, "list", "--port", str(port), "-o", "json"],
                     capture_output=True, text=True, timeout=30)
assert out.returncode == 0, out.stderr
socks = json.loads(out.stdout)["sockets"]
assert len(socks) == 1, socks
assert socks[0]["processes"] == [], socks[0]
assert socks[0]["uid"] == 0 and socks[0]["user"] == "root", socks[0]
mine = json.loads(subprocess.run([ps, "list", "--port", str(port), "-o", "json"],
                  capture_output=True, text=True, timeout=30).stdout)["sockets"][0]
assert any(p["pid"] == os.getpid() for p in mine["processes"]), mine

# Churn: 200 listeners opening and closing while list runs; each run must be whole:
# exit 0, valid JSON, and our steady listener present exactly once. At least 3 s and 4
# runs (a busy host with many sockets lists slower), at most 60 s.
stop = time.time() + 3
limit = time.time() + 60
done = threading.Event()
def churn():
    while not done.is_set():
        socks = []
        for _ in range(200):
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); socks.append(s)
        for s in socks:
            s.close()
t = threading.Thread(target=churn); t.start()
runs = 0
while (time.time() < stop or runs < 4) and time.time() < limit:
    r = subprocess.run([ps, "list", "-t", "-4", "-n", "-P", "-o", "json"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert sum(1 for s in doc["sockets"] if s["local_port"] == port) == 1
    assert doc["summary"]["total"] == len(doc["sockets"])
    runs += 1
done.set()
t.join()
assert runs > 3, runs
PY
