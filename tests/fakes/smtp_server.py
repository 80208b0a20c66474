#!/usr/bin/python3
"""smtp_server.py: a loopback SMTP server for driftwatch's tests (Debian's python3-aiosmtpd).

Each accepted message is saved raw (the DATA bytes, CRLF, dots unstuffed) as OUT/NNNNNN.eml, with
its envelope as one JSON line in OUT/NNNNNN.env (and as plain lines in OUT/NNNNNN.rcpt: each
recipient, then "from ADDR") and appended to OUT/envelopes.jsonl. The envelope's "tls" says whether
the session was encrypted (STARTTLS or --smtps), "auth" whether it authenticated and
"auth_mechanism" with which mechanism (PLAIN, LOGIN, XOAUTH2; null without AUTH). A message
answered 451 by --fail-first is saved as OUT/rejected-NNNNNN.eml, so a test can compare attempts.

  --port P            listen on 127.0.0.1:P (0: any free port, written to the ready file)
  --out DIR           where messages go
  --starttls CERT KEY offer STARTTLS and require it before MAIL
  --smtps CERT KEY    implicit TLS from the first byte (smtps://, port 465 style)
  --auth USER:PASS    AUTH PLAIN/LOGIN, required before MAIL
  --xoauth2 USER:TOKEN
                      AUTH XOAUTH2 with this bearer token, required before MAIL; a wrong token
                      gets the XOAUTH2 error challenge (334 + base64 JSON, as Gmail answers),
                      then 535 once the client replies
  --xoauth2-no-challenge
                      answer a wrong token 535 at once (as Microsoft 365 answers)
  --fail-first N      answer 451 to the first N DATA
  --reject CODE       answer CODE (e.g. 550) to every RCPT
  --stall-after N     after N accepted messages, never answer DATA (the client must time out)
  --ready-file F      written (with the port) once listening

Run it with /usr/bin/python3. It touches nothing but 127.0.0.1: the banner hostname is fixed, so no
DNS lookup of our own name happens either.
"""
import argparse
import asyncio
import base64
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, AuthResult, LoginPassword


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
        # session.ssl is set only by STARTTLS; the transport knows about implicit TLS too.
        tls = server.transport.get_extra_info("ssl_object") is not None
        env = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
               "auth": session.authenticated, "auth_mechanism": getattr(session, "auth_mechanism", None),
               "tls": tls}
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

    async def auth_XOAUTH2(self, server, args):
        """SASL XOAUTH2: base64 of "user=U\\x01auth=Bearer T\\x01\\x01", inline or after a 334."""
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        else:
            try:
                blob = base64.b64decode(args[1].encode(), validate=True)
            except ValueError:
                await server.push("501 5.5.2 Can't decode base64")
                return AuthResult(success=False, handled=True)
        fields = dict(f.split("=", 1) for f in blob.decode("utf-8", "replace").split("\x01") if "=" in f)
        user, _, token = self.args.xoauth2.partition(":")
        if fields.get("user") == user and fields.get("auth") == "Bearer " + token:
            server.session.auth_mechanism = "XOAUTH2"
            return AuthResult(success=True, auth_data=user)
        if self.args.xoauth2_no_challenge:
            return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")
        # An error challenge, the client's (empty) reply, then 535 (RFC 7628 section 3.2.3).
        err = json.dumps({"status": "401", "schemes": "bearer", "scope": "https://mail.example/"})
        if await server.challenge_auth(err) is MISSING:
            return AuthResult(success=False, handled=True)
        return AuthResult(success=False, handled=False, message="535 5.7.8 Username and Password not accepted")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--smtps", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth")
    ap.add_argument("--xoauth2")
    ap.add_argument("--xoauth2-no-challenge", action="store_true")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--reject", type=int, default=0)
    ap.add_argument("--stall-after", type=int, default=-1)
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    if args.starttls and args.smtps:
        ap.error("--starttls and --smtps exclude each other")
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
    if args.smtps:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.smtps[0], args.smtps[1])
        kw["ssl_context"] = ctx
    if args.auth or args.xoauth2:
        user, _, password = (args.auth or "").partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (args.auth is not None and isinstance(auth_data, LoginPassword)
                  and auth_data.login == user.encode() and auth_data.password == password.encode())
            if ok:
                session.auth_mechanism = mechanism
            return AuthResult(success=ok, handled=False)

        kw["authenticator"] = authenticator
        kw["auth_required"] = True
        # Without STARTTLS the test is on loopback in the clear, which is what tls = none means.
        # aiosmtpd's check knows only STARTTLS; with --smtps every byte is encrypted anyway.
        kw["auth_require_tls"] = bool(args.starttls)
    if not args.xoauth2:
        kw["auth_exclude_mechanism"] = ["XOAUTH2"]

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
