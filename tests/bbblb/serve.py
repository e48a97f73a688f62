"""Runs BBBLB (PyPI bbblb) for tests/api/bbblb.rs on a port the kernel picks.

BBBLB reads BBBLB_DOMAIN when its ASGI app is imported, and the tenant realm must name the
same host:port, so the port has to be known first: this binds 127.0.0.1:0 itself, prints
"bbblb listening on 127.0.0.1:PORT" (the test reads that line), sets BBBLB_DOMAIN, and hands
the bound socket to uvicorn (fd=...). No port is picked and released.
"""

import os
import socket

import uvicorn

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
os.environ["BBBLB_DOMAIN"] = f"127.0.0.1:{port}"
print(f"bbblb listening on 127.0.0.1:{port}", flush=True)
uvicorn.run("bbblb.asgi:app", fd=sock.fileno(), log_level="warning")
