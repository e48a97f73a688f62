"""A real SMTP server (PyPI aiosmtpd) for tests/api/login_link.rs.

Usage: python tests/smtp/sink.py FOLDER
It listens on 127.0.0.1, port 0, prints "listening PORT", and writes every message it accepts
to FOLDER/NNNN.json (envelope, From, To, Subject, and the decoded text/plain body, parsed by
Python's own e-mail package). It exits when stdin closes, so it never outlives the test.
"""

import asyncio
import email
import json
import os
import sys
from email import policy

from aiosmtpd.smtp import SMTP


class Folder:
    def __init__(self, path):
        self.path = path
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        doc = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["From"]),
            "to": str(msg["To"]),
            "subject": str(msg["Subject"]),
            "body": body.get_content() if body is not None else "",
        }
        self.count += 1
        tmp = os.path.join(self.path, f".{self.count:04}.json")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(self.path, f"{self.count:04}.json"))
        return "250 OK"


async def main():
    folder = Folder(sys.argv[1])
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(folder, hostname="localhost"), "127.0.0.1", 0
    )
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
