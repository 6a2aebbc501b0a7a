#!/bin/sh
# TERM=dumb gets no escape sequence at all: no bold table header, no erase-line in the
# progress line. On a narrow terminal (40 columns) no progress line is longer than the
# width, so it never wraps. The terminal is a pty; the scan (--rate 20 over 50 loopback
# ports) lasts about 2.5 s, long enough for the progress line.
set -u
bin=${PORTSCOPE:-build/portscope}
command -v python3 >/dev/null 2>&1 || { echo "skip: python3 not installed"; exit 77; }
python3 - "$bin" <<'PY'
import fcntl, os, re, struct, subprocess, sys, termios

bin = sys.argv[1]
base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "TERM")}

def on_pty(argv, env, cols=80, stdout_too=False):
    """Run argv with stderr (and stdout when asked) on a pty of cols columns."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    p = subprocess.Popen(argv, env=env, stdout=slave if stdout_too else subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    tty = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        tty += chunk
    out = b"" if stdout_too else p.stdout.read()
    p.wait()
    os.close(master)
    if p.returncode != 0:
        sys.exit("%s exited %d: %r" % (argv, p.returncode, tty[-300:]))
    return tty, out

scan = [bin, "scan", "127.0.0.1", "-p", "1-50", "--rate", "20", "-o", "json"]

tty, _ = on_pty([bin, "list", "-t"], dict(base, TERM="dumb"), stdout_too=True)
if b"PROTO" not in tty or b"\x1b" in tty:
    sys.exit("TERM=dumb table: %r" % tty[:200])
tty, _ = on_pty([bin, "list", "-t"], dict(base, TERM="xterm"), stdout_too=True)
if b"\x1b[1mPROTO" not in tty:
    sys.exit("no bold header with TERM=xterm: %r" % tty[:200])

tty, _ = on_pty(scan, dict(base, TERM="dumb"))
if b"scan: " not in tty or b"\x1b" in tty:
    sys.exit("TERM=dumb progress: %r" % tty)

tty, _ = on_pty(scan, dict(base, TERM="xterm"), cols=40)
text = tty.replace(b"\x1b[K", b"")
if b"\x1b" in text or b"scan: " not in text:
    sys.exit("progress on a 40-column terminal: %r" % tty)
for line in re.split(rb"[\r\n]", text):
    if len(line) >= 40:
        sys.exit("progress line of %d columns on a 40-column terminal: %r" % (len(line), line))
print("ok")
PY
