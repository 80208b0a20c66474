#!/usr/bin/python3
"""A real SMTP server for scenario tests (Debian's python3-aiosmtpd), on loopback only.

Each accepted message is saved as OUT/NNNNNN.eml (the DATA bytes exactly) with OUT/NNNNNN.rcpt
(one envelope recipient a line, then "from <addr>"). Options make it misbehave on purpose.
Run it with /usr/bin/python3, which sees Debian's python3-* packages.
"""
import argparse
import asyncio
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, SMTP


class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.data_seen = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.args.reject_rcpt and address == self.args.reject_rcpt:
            return "550 5.1.1 mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_seen += 1
            seen = self.data_seen
        if self.args.fail_first and seen <= self.args.fail_first:
            return "451 4.3.0 try again later"
        if self.args.reject:
            return f"{self.args.reject} 5.7.1 rejected"
        if self.args.stall_after >= 0 and seen > self.args.stall_after:
            # Accept nothing and answer nothing: the client's timeout must fire.
            await asyncio.sleep(3600)
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.args.out, "%06d" % n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + ".tmp", base + ".eml")
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\nfrom " + str(envelope.mail_from) + "\n")
        return "250 2.0.0 accepted"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth", help="USER:PASS; AUTH becomes required")
    ap.add_argument("--fail-first", type=int, default=0, help="answer 451 to the first N DATA")
    ap.add_argument("--reject", type=int, default=0, help="answer this 5xx code to every DATA")
    ap.add_argument("--reject-rcpt", help="answer 550 to RCPT for this address")
    ap.add_argument("--stall-after", type=int, default=-1, help="after N messages, never answer DATA")
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    handler = Handler(args)
    kwargs = {}
    if args.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.starttls[0], args.starttls[1])
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = True
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password
            return AuthResult(success=ok)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        # Without STARTTLS the test still exercises AUTH over plain loopback.
        kwargs["auth_require_tls"] = bool(args.starttls)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port, **kwargs)
    controller.start()
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    controller.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
