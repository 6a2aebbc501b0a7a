#!/bin/sh
# The progress line of a scan over two seconds: on stderr when stderr is a terminal (a
# pty here), never when it is not, unless --progress asks (log lines, or NDJSON status
# lines with --progress=ndjson); stdout stays clean either way. A --rate of 20 over 50
# loopback ports makes the scan last about 2.5 s.
set -u
bin=${PORTSCOPE:-build/portscope}
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
python3 - "$bin" <<'PY'
import os, subprocess, sys

argv = [sys.argv[1], "scan", "127.0.0.1", "-p", "1-50", "--rate", "20", "-o", "json"]

def run(tty):
    if tty:
        master, slave = os.openpty()
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        out = p.stdout.read()
        p.wait()
        os.close(master)
    else:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.stdout, p.stderr
    if p.returncode != 0:
        sys.exit("scan exited %d" % p.returncode)
    if b"scan:" in out or not out.startswith(b"{"):
        sys.exit("stdout is not the JSON document alone: %r" % out[:200])
    return err.decode(errors="replace")

err = run(True)
if "scan: " not in err or "/50" not in err or "ETA" not in err:
    sys.exit("no progress line on a terminal: %r" % err)
err = run(False)
if err:
    sys.exit("stderr not a terminal, yet it got: %r" % err)

# --progress: log lines when stderr is not a terminal; here the scan is short, so only the
# final line (the first comes after 5 s), with the whole count.
argv = argv + ["--progress"]
err = run(False)
lines = err.splitlines()
if len(lines) != 1 or not lines[0].startswith("scan: 50/50 (100%)") or "\r" in err:
    sys.exit("--progress to a file: %r" % err)

# --progress=ndjson: a status line each second, counts that only grow, then final.
import json
argv[-1] = "--progress=ndjson"
err = run(False)
st = [json.loads(l) for l in err.splitlines()]
if len(st) < 2 or not st[-1]["final"] or any(s["final"] for s in st[:-1]):
    sys.exit("--progress=ndjson: want status lines then one final: %r" % err)
if st[-1]["done"] != 50 or st[-1]["total"] != 50 or st[-1]["percent"] != 100:
    sys.exit("--progress=ndjson: final line counts: %r" % st[-1])
if [s["done"] for s in st] != sorted(s["done"] for s in st) or not 0 < st[0]["done"] < 50:
    sys.exit("--progress=ndjson: done should grow: %r" % err)
for bad in (["--progress=json"], ["--progress=\x1b[31m"]):
    p = subprocess.run(argv[:-1] + bad, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 2 or p.stderr.count(b"\n") != 1 or b"\x1b" in p.stderr:
        sys.exit("%r: exit %d, %r" % (bad, p.returncode, p.stderr))
print("ok")
PY
