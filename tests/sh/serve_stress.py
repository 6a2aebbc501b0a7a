#!/usr/bin/env python3
"""serve under attack, on loopback only, every step bounded in count and time.

usage: serve_stress.py BINARY STEP   (STEP: pingpong, amplification, held, stderr)
Exit 0 when the step holds, 1 with a message when it does not, 77 when it cannot run."""
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import time

BIN = sys.argv[1]
REQUEST = b"portscope-probe 1\n"


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Serve:
    """serve on 127.0.0.1, stderr to a file (or a pipe nobody reads), killed at the end."""

    def __init__(self, args, nofile=None, stderr=None):
        self.udp, self.tcp = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
        cmd = [BIN, "serve", "--bind", "127.0.0.1", "--udp", str(self.udp),
               "--tcp", str(self.tcp)] + args

        def limit():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.log = open(os.devnull, "w") if stderr is None else None
        self.p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=stderr if stderr is not None else self.log,
                                  preexec_fn=limit)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # ready when the greeting comes
            try:
                with socket.create_connection(("127.0.0.1", self.tcp), timeout=0.5) as c:
                    if c.recv(100).startswith(b"portscope "):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        fail("serve did not start: " + " ".join(cmd))

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.p.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, within=3.0):
        """SIGTERM; returns (exit status, seconds it took)."""
        t = time.monotonic()
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(within)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            rc = None
        if self.log:
            self.log.close()
        return rc, time.monotonic() - t


def count_peer(serve_port, first, answer, seconds=2.0, port=0):
    """A peer at 127.0.0.1:port that answers every datagram (answer(data) -> bytes) sends
    first to serve, as a spoofed source would make serve do; returns how many datagrams
    the peer got back within seconds."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.sendto(first, ("127.0.0.1", serve_port))
    got, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        data, addr = s.recvfrom(4096)
        got += 1
        if got > 100000:
            break
        s.sendto(answer(data), addr)
    s.close()
    return got


def pingpong():
    sv = Serve([])
    try:
        # An echo service: serve's reply comes back as a reply, which it never answers.
        n = count_peer(sv.udp, REQUEST + bytes(110), lambda d: d)
        if n != 1:
            fail("echo peer: %d datagrams came back in 2 s, expected 1" % n)
        # A chargen-style peer that answers with a fresh request every time: the
        # per-source rate (10 a second, bursts of 20) bounds the exchange.
        n = count_peer(sv.udp, REQUEST + bytes(110), lambda d: REQUEST + bytes(110))
        if n > 50:
            fail("request-sending peer: %d datagrams in 2 s (rate limit is 10/s)" % n)
    finally:
        sv.stop()
    sv = Serve(["--answer-any"])
    try:
        n = count_peer(sv.udp, b"x", lambda d: d)
        if n != 1:
            fail("--answer-any, echo peer: %d datagrams in 2 s, expected 1" % n)
        n = count_peer(sv.udp, b"x" * 64, lambda d: b"chargen " * 8)
        if n > 50:
            fail("--answer-any, chargen-style peer: %d datagrams in 2 s" % n)
        if os.geteuid() == 0:
            # A service on a port below 1024 is never answered.
            try:
                n = count_peer(sv.udp, b"x" * 64, lambda d: b"chargen " * 8, 1.0, 1019)
            except PermissionError:
                n = 0
            if n:
                fail("--answer-any answered a datagram from port 1019")
    finally:
        sv.stop()
    print("pingpong: no loop (echo peer 1 datagram, chargen-style peer rate-limited)")


def amplification():
    for args in ([], ["--answer-any"]):
        sv = Serve(args + ["--source-rate", "0", "--reply", "x" * 109])
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        worst, answered = 0.0, 0
        try:
            for size in range(0, 1501):
                data = (REQUEST + bytes(size))[:size] if size % 2 == 0 else \
                       (b"Q" * size)
                c.sendto(data, ("127.0.0.1", sv.udp))
                r, _, _ = select.select([c], [], [], 0.02 if size >= 18 else 0.005)
                if not r:
                    continue
                reply = c.recv(4096)
                answered += 1
                if len(reply) > size:
                    fail("%s: %d-byte request drew a %d-byte reply" % (args, size, len(reply)))
                worst = max(worst, len(reply) / size)
        finally:
            sv.stop()
            c.close()
        if answered < 700:
            fail("%s: only %d of 1501 requests answered" % (args, answered))
        print("amplification %s: %d answers, largest reply/request %.2f" %
              (" ".join(args) or "default", answered, worst))


def held():
    resource.setrlimit(resource.RLIMIT_NOFILE, (8192, 8192))
    sv = Serve([], nofile=1024)
    held = []
    try:
        t = time.monotonic()
        while len(held) < 5000 and time.monotonic() - t < 30:
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", sv.tcp))
            except BlockingIOError:
                pass
            held.append(c)
        # Wait until every held connection is set up: beyond the listen backlog a SYN
        # is dropped and retried 1, 3, 7 s later, and such a burst of retries would
        # compete with the new clients for the backlog, which measures the kernel's
        # queue, not serve.
        pending = {c.fileno(): c for c in held}
        poller = select.poll()
        for fd in pending:
            poller.register(fd, select.POLLOUT)
        t = time.monotonic()
        while pending and time.monotonic() - t < 40:
            for fd, _ in poller.poll(500):
                poller.unregister(fd)
                del pending[fd]
        if pending:
            fail("%d of 5,000 held connections not set up in 40 s" % len(pending))
        time.sleep(1.0)
        cpu0, t0 = sv.cpu_seconds(), time.monotonic()
        waits = []
        for _ in range(20):  # new clients while 5,000 are held
            t = time.monotonic()
            with socket.create_connection(("127.0.0.1", sv.tcp), timeout=2) as c:
                c.settimeout(2)
                line = c.recv(200)
            waits.append(time.monotonic() - t)
            if not line.startswith(b"portscope "):
                fail("new client got %r" % line)
            time.sleep(0.1)
        cpu = (sv.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    finally:
        for c in held:
            c.close()
        rc, took = sv.stop()
    if cpu > 0.10:
        fail("%.0f%% of a core with 5,000 held connections" % (cpu * 100))
    # 19 of 20 new clients within 50 ms, none past 250 ms: on a shared machine one may
    # wait for a core (before the fix they all waited about 2 s).
    waits.sort()
    worst = waits[-2]
    if worst > 0.05 or waits[-1] > 0.25:
        fail("new clients waited %s ms for the greeting" %
             ", ".join("%.0f" % (w * 1000) for w in waits[-3:]))
    if rc != 0:
        fail("serve exit %s after SIGTERM" % rc)
    print("held: 5,000 connections at a limit of 1,024: %.1f%% CPU, greeting within %.1f ms"
          " (19 of 20; slowest %.1f ms)" % (cpu * 100, worst * 1000, waits[-1] * 1000))


def blocked_stderr():
    r, w = os.pipe()  # nobody ever reads r
    sv = Serve(["--source-rate", "0", "-o", "ndjson"], stderr=w)
    os.close(w)
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    answered = 0
    try:
        for _ in range(3000):
            c.sendto(REQUEST + bytes(110), ("127.0.0.1", sv.udp))
            if select.select([c], [], [], 0.2)[0]:
                c.recv(4096)
                answered += 1
    finally:
        rc, took = sv.stop()
        os.close(r)
        c.close()
    if answered < 2990:
        fail("blocked stderr: %d of 3000 requests answered" % answered)
    if rc != 0 or took > 1.0:
        fail("blocked stderr: SIGTERM gave exit %s after %.2f s" % (rc, took))
    print("stderr blocked: %d of 3000 answered, SIGTERM honoured in %.0f ms" %
          (answered, took * 1000))


{"pingpong": pingpong, "amplification": amplification, "held": held,
 "stderr": blocked_stderr}[sys.argv[2]]()
