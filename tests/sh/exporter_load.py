"""Load helpers for the exporter's shell tests.

flood PORT PATH N: N requests at once, each on its own connection (asyncio, bounded by a
30 s overall timeout); prints "status count" lines, "dropped N" for connections closed
without an answer.
slow PORT SECONDS: send a request head one byte a second; prints how many seconds passed
before the server closed the connection (or "open" after SECONDS).
"""
import asyncio
import collections
import resource
import socket
import sys
import time


async def one(port, path, counts):
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        await w.drain()
        line = await r.readline()
        await r.read()
        w.close()
        parts = line.split()
        counts[parts[1].decode() if len(parts) > 1 else "dropped"] += 1
    except (ConnectionError, OSError):
        counts["dropped"] += 1


async def flood(port, path, n):
    counts = collections.Counter()
    await asyncio.wait_for(asyncio.gather(*(one(port, path, counts) for _ in range(n))), 30)
    for k, v in sorted(counts.items()):
        print(k, v)


def slow(port, seconds):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(1)
    head = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    start = time.monotonic()
    for b in head:
        if time.monotonic() - start > seconds:
            print("open")
            return
        try:
            s.send(bytes([b]))
            s.recv(1, socket.MSG_PEEK)
            break  # an answer or the close: the server let go
        except socket.timeout:
            continue
        except OSError:
            break
    print(int(time.monotonic() - start))


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if sys.argv[1] == "flood":
        asyncio.run(flood(int(sys.argv[2]), sys.argv[3], int(sys.argv[4])))
    else:
        slow(int(sys.argv[2]), float(sys.argv[3]))
