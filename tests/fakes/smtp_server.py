#!/usr/bin/python3
"""smtp_server.py: a loopback SMTP server for driftwatch's tests (Debian's python3-aiosmtpd).

Each accepted message is saved raw (the DATA bytes, CRLF, dots unstuffed) as OUT/NNNNNN.eml, with
its envelope as one JSON line in OUT/NNNNNN.env (and as plain lines in OUT/NNNNNN.rcpt: each
recipient, then "from ADDR") and appended to OUT/envelopes.jsonl. A message
answered 451 by --fail-first is saved as OUT/rejected-NNNNNN.eml, so a test can compare attempts.

  --port P            listen on 127.0.0.1:P (0: any free port, written to the ready file)
  --out DIR           where messages go
  --starttls CERT KEY offer STARTTLS and require it before MAIL
  --auth USER:PASS    AUTH PLAIN/LOGIN, required before MAIL
  --fail-first N      answer 451 to the first N DATA
  --reject CODE       answer CODE (e.g. 550) to every RCPT
  --stall-after N     after N accepted messages, never answer DATA (the client must time out)
  --ready-file F      written (with the port) once listening

Run it with /usr/bin/python3. It touches nothing but 127.0.0.1: the banner hostname is fixed, so no
DNS lookup of our own name happens either.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.accepted = 0
        self.datas = 0
        self.rejected = 0

    def _save(self, name, envelope):
        path = os.path.join(self.args.out, name)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.args.reject
        if code:
            kind = "5.1.1 mailbox unknown" if code >= 500 else "4.2.0 try later"
            return f"{code} {kind}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.args.stall_after >= 0 and self.accepted >= self.args.stall_after:
            await asyncio.sleep(3600)
        with self.lock:
            self.datas += 1
            if self.datas <= self.args.fail_first:
                self.rejected += 1
                self._save(f"rejected-{self.rejected:06d}.eml", envelope)
                return "451 4.3.0 temporary failure, try again later"
            self.accepted += 1
            n = self.accepted
        env = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
               "auth": session.authenticated, "tls": session.ssl is not None}
        line = json.dumps(env)
        self._save(f"{n:06d}.eml", envelope)
        with open(os.path.join(self.args.out, f"{n:06d}.env"), "w") as f:
            f.write(line + "\n")
        # The same envelope as plain lines, for shell scripts: recipients, then "from ADDR".
        with open(os.path.join(self.args.out, f"{n:06d}.rcpt"), "w") as f:
            f.write("".join(r + "\n" for r in envelope.rcpt_tos) + "from " + str(envelope.mail_from) + "\n")
        with self.lock, open(os.path.join(self.args.out, "envelopes.jsonl"), "a") as f:
            f.write(line + "\n")
        return "250 OK queued"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--reject", type=int, default=0)
    ap.add_argument("--stall-after", type=int, default=-1)
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    port = args.port
    if port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()

    kw = {"server_hostname": "localhost", "ready_timeout": 10.0}
    if args.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.starttls[0], args.starttls[1])
        kw["tls_context"] = ctx
        kw["require_starttls"] = True
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
                  and auth_data.password == password.encode())
            return AuthResult(success=ok, handled=False)

        kw["authenticator"] = authenticator
        kw["auth_required"] = True
        # Without STARTTLS the test is on loopback in the clear, which is what tls = none means.
        kw["auth_require_tls"] = bool(args.starttls)

    handler = Handler(args)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kw)
    controller.start()
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(args.ready_file + ".tmp", args.ready_file)
    print(f"smtp_server: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    while not stop.wait(1.0):
        pass
    # Every message is already on disk (written then renamed), so leave at once: a stalled
    # handler (--stall-after) would otherwise hold controller.stop() for minutes.
    os._exit(0)
    print(f"smtp_server: {handler.accepted} accepted, {handler.rejected} answered 451",
          file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
