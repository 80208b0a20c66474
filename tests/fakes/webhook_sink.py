#!/usr/bin/python3
"""webhook_sink.py: a loopback webhook receiver for driftwatch's tests.

HTTP/1.1 with keep-alive (ThreadingHTTPServer) on 127.0.0.1. Every POST is counted and, with
--secret, its Standard Webhooks signature checked (a bad or missing one gets 401 and is counted).
Each POST is recorded as one JSON line in --out: {id, timestamp, body, verified, status}.
GET /stats returns the counts as JSON.

  --port P          listen on 127.0.0.1:P (0: any free port, written to the ready file)
  --secret S        "whsec_<base64>" or raw; verify signatures
  --out FILE        JSON lines, one per POST
  --status CODE     answer CODE (default 200); with --fail-first only the first N get it (default 503)
  --fail-first N    answer --status (or 503) to the first N POSTs, then 200
  --retry-after S   send "Retry-After: S" with every non-2xx answer
  --max-skew S      as Standard Webhooks libraries do, refuse (400, counted "stale") a webhook-timestamp
                    more than S seconds from this machine's real clock; each record says "fresh"
  --mode M          storm: 503 always; 429: 429 with Retry-After (default 120); 410: 410 always;
                    slow: wait --delay seconds (default 5) before answering 200
  --ready-file F    written (with the port) once listening
  --tls CERT KEY    HTTPS with this certificate and key instead of plain HTTP
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
STATS = {"requests": 0, "posts": 0, "verified": 0, "bad_signature": 0, "stale": 0, "connections": 0, "status": {}}


def signing_key(secret):
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[6:])
    return secret.encode()


def verify(headers, body):
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not (msg_id and ts and sigs):
        return False
    mac = hmac.new(signing_key(ARGS.secret), f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    want = base64.b64encode(mac).decode()
    for sig in sigs.split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, want):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with LOCK:
            STATS["connections"] += 1

    def log_message(self, fmt, *args):
        pass

    def _answer(self, code, body=b"", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _fresh(self):
        """Whether webhook-timestamp is within --max-skew of the real time (None without it)."""
        if ARGS.max_skew is None:
            return None
        try:
            return abs(time.time() - int(self.headers.get("webhook-timestamp") or "")) <= ARGS.max_skew
        except ValueError:
            return False

    def _record(self, verified, body, code):
        with LOCK:
            STATS["status"][str(code)] = STATS["status"].get(str(code), 0) + 1
            if ARGS.out:
                rec = {"id": self.headers.get("webhook-id"), "timestamp": self.headers.get("webhook-timestamp"),
                       "body": body.decode("utf-8", "replace"), "verified": verified, "status": code,
                       "fresh": self._fresh(), "at": time.time()}
                with open(ARGS.out, "a") as f:
                    f.write(json.dumps(rec) + "\n")

    def do_GET(self):
        with LOCK:
            STATS["requests"] += 1
            body = json.dumps(STATS).encode()
        if self.path == "/stats":
            self._answer(200, body)
        else:
            self._answer(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        verified = verify(self.headers, body) if ARGS.secret else None
        with LOCK:
            STATS["requests"] += 1
            STATS["posts"] += 1
            index = STATS["posts"]
            if verified:
                STATS["verified"] += 1
        code, extra = 200, {}
        if ARGS.secret and not verified:
            code = 401
            with LOCK:
                STATS["bad_signature"] += 1
        elif self._fresh() is False:
            code = 400
            with LOCK:
                STATS["stale"] += 1
        elif ARGS.mode == "storm":
            code = 503
        elif ARGS.mode == "429":
            code = 429
            extra["Retry-After"] = ARGS.retry_after or "120"
        elif ARGS.mode == "410":
            code = 410
        elif ARGS.mode == "slow":
            # The receiver has taken the notice (recorded now), but answers late: a sender killed
            # meanwhile never learns it was accepted, and must re-send it with the same id.
            self._record(verified, body, 200)
            time.sleep(ARGS.delay)
            self._answer(200)
            return
        elif ARGS.fail_first:
            if index <= ARGS.fail_first:
                code = ARGS.status or 503
        elif ARGS.status:
            code = ARGS.status
        if ARGS.retry_after and not 200 <= code < 300:
            extra["Retry-After"] = ARGS.retry_after
        self._record(verified, body, code)
        self._answer(code, b"" if 200 <= code < 300 else json.dumps({"status": code}).encode(), extra)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret")
    ap.add_argument("--out")
    ap.add_argument("--status", type=int, default=0)
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--retry-after")
    ap.add_argument("--max-skew", type=float)
    ap.add_argument("--mode", choices=["storm", "429", "410", "slow"])
    ap.add_argument("--delay", type=float, default=5.0)
    ap.add_argument("--ready-file")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ARGS = ap.parse_args()

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    if ARGS.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    if ARGS.ready_file:
        with open(ARGS.ready_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(ARGS.ready_file + ".tmp", ARGS.ready_file)
    print(f"webhook_sink: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    print(f"webhook_sink: {json.dumps(STATS)}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
