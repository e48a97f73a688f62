#!/usr/bin/env python3
"""Cold-storm client: N browser joins spread evenly over a real time window.

Why not wrk: wrk sends as fast as responses come back, so with a 500 ms create the window
would stretch; here join i is sent at t0 + i * window / N on its own connection, whatever the
earlier ones are doing, and the script reports how late the sends actually were.

Usage: storm.py COUNT WINDOW_SECONDS PATH COOKIE CSRF BASE_URL [BASE_URL ...]
Joins go round-robin to the base URLs (several hallway instances). Prints one JSON object:
sent, ok (303 to a BBB join URL), errors by kind, latency p50/p99/max (connect to complete
response), the actual send window and the worst send lag. Python 3 standard library only.
"""

import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def one(host, port, path, cookie, body, timeout):
    t0 = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        req = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Cookie: {cookie}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
        )
        writer.write(req.encode())
        data = await asyncio.wait_for(reader.read(), timeout)
        writer.close()
    except Exception as e:  # noqa: BLE001 - every failure is a result here
        return time.perf_counter() - t0, f"transport:{type(e).__name__}"
    elapsed = time.perf_counter() - t0
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    status = lines[0].split(" ")[1] if len(lines[0].split(" ")) > 1 else "?"
    location = next((l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("location:")), "")
    if status == "303" and "/bigbluebutton/api/join?" in location:
        return elapsed, "ok"
    return elapsed, f"http:{status}"


async def main():
    count, window, path, cookie, csrf = int(sys.argv[1]), float(sys.argv[2]), *sys.argv[3:6]
    bases = [urlsplit(u) for u in sys.argv[6:]]
    body = "csrf=" + csrf
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    lags, tasks = [], []

    async def scheduled(i):
        at = start + i * window / count
        await asyncio.sleep(max(0.0, at - loop.time()))
        sent = loop.time()
        lags.append(sent - at)
        base = bases[i % len(bases)]
        return sent, await one(base.hostname, base.port, path, cookie, body, 15.0)

    tasks = [asyncio.create_task(scheduled(i)) for i in range(count)]
    results = await asyncio.gather(*tasks)
    sends = [s for s, _ in results]
    lat = sorted(r[0] for _, r in results)
    kinds = {}
    for _, (_, k) in results:
        kinds[k] = kinds.get(k, 0) + 1
    pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))]
    print(json.dumps({
        "sent": count,
        "ok": kinds.get("ok", 0),
        "errors": {k: v for k, v in kinds.items() if k != "ok"},
        "p50_ms": round(pct(50) * 1000, 1),
        "p99_ms": round(pct(99) * 1000, 1),
        "max_ms": round(lat[-1] * 1000, 1),
        "send_window_s": round(max(sends) - min(sends), 3),
        "worst_send_lag_ms": round(max(lags) * 1000, 1),
    }))


asyncio.run(main())
