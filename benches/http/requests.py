#!/usr/bin/env python3
"""Sends COUNT identical requests over one keep-alive connection and checks each status.

Why: benches/profile.sh counts instructions per request under callgrind, where a fixed
number of requests matters (wrk runs for a duration). Standard library only.

Usage: requests.py URL METHOD PATH COUNT EXPECTED_STATUS [COOKIE [CSRF]]

A PATH with `{at}` gets a new instant per request (RFC 3339, a random start between now - 6 h
and now + 4 h, then a millisecond apart): the now page as `/?at={at}` can then never be
answered from the page cache.
"""
import http.client
import random
import sys
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

url, method, path, count, expected = sys.argv[1:6]
cookie = sys.argv[6] if len(sys.argv) > 6 else ""
csrf = sys.argv[7] if len(sys.argv) > 7 else ""
u = urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
headers = {"Cookie": cookie} if cookie else {}
body = None
if method == "POST":
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = f"csrf={csrf}"
# A random start, so that two runs (warm-up, measurement) do not send the same instants.
# Within now - 6 h … now + 4 h, where the bench schedule (gen_schedule.py) runs sessions.
t0 = datetime.now(timezone.utc) - timedelta(hours=6) + timedelta(milliseconds=random.randrange(36_000_000))
for i in range(int(count)):
    at = (t0 + timedelta(milliseconds=i)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    conn.request(method, path.replace("{at}", at), body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status != int(expected):
        sys.exit(f"request {i}: {r.status} (expected {expected})")
