"""A real SMTP server (PyPI aiosmtpd) for tests/api/login_link.rs.

Usage: python tests/smtp/sink.py FOLDER [--tls starttls|tls --cert PEM --key PEM]
                                        [--user NAME --password SECRET]
It listens on 127.0.0.1, port 0, prints "listening PORT", and writes every message it accepts
to FOLDER/NNNN.json (envelope, From, To, Subject, and the decoded text/plain body, parsed by
Python's own e-mail package). With --tls starttls it requires STARTTLS before anything else;
with --tls tls it speaks TLS from the first byte; with --user it requires AUTH (PLAIN/LOGIN).
It exits when stdin closes, so it never outlives the test.
"""

import argparse
import asyncio
import email
import json
import os
import ssl
import sys
from email import policy

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


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
            # STARTTLS sets session.ssl; implicit TLS is visible on the transport only.
            "tls": session.ssl is not None
            or server.transport.get_extra_info("sslcontext") is not None,
            "authenticated": session.authenticated,
        }
        self.count += 1
        tmp = os.path.join(self.path, f".{self.count:04}.json")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        os.rename(tmp, os.path.join(self.path, f"{self.count:04}.json"))
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok)

    return check


async def main():
    args = argparse.ArgumentParser()
    args.add_argument("folder")
    args.add_argument("--tls", choices=["starttls", "tls"])
    args.add_argument("--cert")
    args.add_argument("--key")
    args.add_argument("--user")
    args.add_argument("--password")
    a = args.parse_args()
    folder = Folder(a.folder)
    context = None
    if a.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
    options = {"hostname": "localhost"}
    if a.tls == "starttls":
        options.update(tls_context=context, require_starttls=True)
    if a.user:
        options.update(
            authenticator=authenticator(a.user, a.password),
            auth_required=True,
            # aiosmtpd counts only STARTTLS as TLS here; implicit TLS is TLS from the start.
            auth_require_tls=a.tls == "starttls",
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(folder, **options),
        "127.0.0.1",
        0,
        ssl=context if a.tls == "tls" else None,
    )
    print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
