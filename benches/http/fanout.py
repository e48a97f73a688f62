#!/usr/bin/env python3
"""Lobby fan-out client (benches/lobby.sh): opens N server-sent-event streams on one URL with
raw asyncio connections, waits until every one got the greeting, fires one trigger request
(a command given on the command line, run through the shell), and measures until each stream
got its `event: started`. Prints one line: `clients=N connected_s=.. p50_ms=.. p99_ms=..
last_ms=.. heard=K`, times from just before the trigger."""
import asyncio, subprocess, sys, time
from urllib.parse import urlsplit

url, count, cookie, trigger = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
u = urlsplit(url)
path = u.path + ("?" + u.query if u.query else "")
request = (f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nAccept: text/event-stream\r\n"
           + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode()

async def open_one():
    r, w = await asyncio.open_connection(u.hostname, u.port)
    w.write(request)
    await w.drain()
    buf = b""
    while b": connected" not in buf:
        chunk = await r.read(4096)
        if not chunk:
            raise SystemExit(f"stream closed before the greeting: {buf[:200]!r}")
        buf += chunk
    return r, w, buf

async def heard(r, buf, t0):
    while b"event: started" not in buf:
        chunk = await r.read(4096)
        if not chunk:
            return None
        buf += chunk
    return time.perf_counter() - t0

async def main():
    c0 = time.perf_counter()
    streams = []
    for i in range(0, count, 200):
        streams += await asyncio.gather(*(open_one() for _ in range(min(200, count - i))))
    connected = time.perf_counter() - c0
    t0 = time.perf_counter()
    waits = [asyncio.create_task(heard(r, buf, t0)) for r, _, buf in streams]
    await asyncio.sleep(0)
    await asyncio.to_thread(subprocess.run, trigger, shell=True, check=True, stdout=subprocess.DEVNULL)
    times = sorted(t for t in await asyncio.gather(*waits) if t is not None)
    for _, w, _ in streams:
        w.close()
    ms = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000 if times else float("nan")
    print(f"clients={count} connected_s={connected:.2f} p50_ms={ms(0.5):.1f} "
          f"p99_ms={ms(0.99):.1f} last_ms={times[-1] * 1000 if times else float('nan'):.1f} heard={len(times)}")

asyncio.run(main())
