#!/bin/sh
# A reader that goes away is not a failure: list, audit and watch --initial write to a
# pipe whose reader has already closed it, and exit as they would have (0 here), not 141
# (SIGPIPE), with nothing on stderr. scan treats it as a stop: it ends at once with 141
# (docs/design.md, "Stopping"), quietly too.
set -u
bin=${PORTSCOPE:-build/portscope}
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$bin" audit --init >"$tmp/policy.json" || { echo "FAIL: audit --init exit $?"; exit 1; }
python3 - "$bin" "$tmp/policy.json" <<'PY'
import os, subprocess, sys
bin, policy = sys.argv[1], sys.argv[2]
cases = [
    ([bin, "list"], 0),
    ([bin, "list", "-a", "-o", "json"], 0),
    ([bin, "audit", "--init"], 0),
    ([bin, "audit", "--policy", policy, "-o", "ndjson"], None),
    ([bin, "scan", "127.0.0.1", "-p", "1-200", "--all-states", "-o", "ndjson"], 141),
    ([bin, "watch", "--initial", "--duration", "300"], 0),
]
bad = 0
for argv, want in cases:
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first write
    p = subprocess.run(argv, stdout=w, stderr=subprocess.PIPE, timeout=30)
    os.close(w)
    ok = p.returncode >= 0 and (p.returncode != 141 or want == 141) and not p.stderr
    if want is not None:
        ok = ok and p.returncode == want
    if not ok:
        print("FAIL: %s: exit %d, stderr %r" % (" ".join(argv[1:]), p.returncode, p.stderr))
        bad += 1
sys.exit(1 if bad else 0)
PY
