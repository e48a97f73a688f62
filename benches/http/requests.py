#!/usr/bin/env python3
"""Sends COUNT identical requests over one keep-alive connection and checks each status.

Why: benches/profile.sh counts instructions per request under callgrind, where a fixed
number of requests matters (wrk runs for a duration). Standard library only.

Usage: requests.py URL METHOD PATH COUNT EXPECTED_STATUS [COOKIE [CSRF]]
"""
import http.client
import sys
from urllib.parse import urlparse

url, method, path, count, expected = sys.argv[1:6]
cookie = sys.argv[6] if len(sys.argv) > 6 else ""
csrf = sys.argv[7] if len(sys.argv) > 7 else ""
u = urlparse(url)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
headers = {"Cookie": f"hallway_session={cookie}"} if cookie else {}
body = None
if method == "POST":
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = f"csrf={csrf}"
for i in range(int(count)):
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    if r.status != int(expected):
        sys.exit(f"request {i}: {r.status} (expected {expected})")
