#!/bin/sh
# On a terminal the table header is bold; NO_COLOR, or a pipe, gives plain text.
set -u
ps=${PORTSCOPE:-build/portscope}
python3 - "$ps" <<'PY'
import os, pty, sys
ps = sys.argv[1]
def on_tty(env):
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(ps, [ps, "list", "-t"], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    return out
env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
plain = dict(env, NO_COLOR="1")
assert b"\x1b[1mPROTO" in on_tty(env), "no bold header on a terminal"
out = on_tty(plain)
assert b"\x1b" not in out and b"PROTO" in out, out
PY
