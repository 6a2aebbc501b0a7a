#!/usr/bin/env python3
"""The TLS endpoints of tests/bench/tls.sh: a TLS server on 0.0.0.0:PORT (inside the
benchmark's namespace, where a local route makes every address of a /22 this host), one
process per CPU sharing the port (SO_REUSEPORT), asyncio in each. A connection gets the
handshake, then a short HTTP answer and a close. Prints READY once listening; exits after
LIFE seconds."""
import asyncio
import os
import signal
import ssl
import sys

port, cert, key, life = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])


async def serve(reader, writer):
    try:
        await asyncio.wait_for(reader.read(1), 5)
        writer.write(b"HTTP/1.0 200 OK\r\n\r\n")
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        pass
    writer.close()


async def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = await asyncio.start_server(serve, "0.0.0.0", port, ssl=ctx, reuse_port=True,
                                     backlog=4096)
    print("READY", flush=True)
    async with srv:
        await srv.serve_forever()

for _ in range(max(1, len(os.sched_getaffinity(0))) - 1):
    if os.fork() == 0:
        break
signal.alarm(life)
asyncio.run(main())
