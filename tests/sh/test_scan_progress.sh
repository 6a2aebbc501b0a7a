#!/bin/sh
# The progress line of a scan over two seconds: on stderr when stderr is a terminal (a
# pty here), never when it is not; stdout stays clean either way. A --rate of 20 over 50
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
print("ok")
PY
