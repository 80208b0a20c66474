#!/usr/bin/python3
"""http_proxy.py: a loopback HTTP proxy for driftwatch's tests, CONNECT only (how HTTPS and SMTP go
through a proxy), as a council's outbound proxy would be used.

Each CONNECT is appended to --out as one line, "CONNECT host:port STATUS", then (when allowed) a
tunnel is opened to the target and bytes are copied both ways until either side closes. Any other
method gets 405. Standard library only.

  --port P          listen on 127.0.0.1:P (0: any free port, written to the ready file)
  --out FILE        one line per CONNECT
  --refuse          answer 403 to every CONNECT (a proxy that does not allow the destination)
  --auth USER:PASS  require Basic proxy authentication: 407 without it (recorded with status 407)
  --ready-file F    written (with the port) once listening
"""
import argparse
import base64
import os
import select
import signal
import socket
import sys
import threading

ARGS = None
LOCK = threading.Lock()


def record(line):
    with LOCK:
        with open(ARGS.out, "a") as f:
            f.write(line + "\n")


def pump(a, b):
    """Copy bytes both ways until one side closes."""
    socks = [a, b]
    while True:
        ready, _, _ = select.select(socks, [], [], 60)
        if not ready:
            return
        for s in ready:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def handle(conn):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
            if len(head) > 65536:
                return
        line = head.split(b"\r\n", 1)[0].decode("latin1")
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            record(f"{parts[0] if parts else '?'} {parts[1] if len(parts) > 1 else '?'} 405")
            return
        target = parts[1]
        if ARGS.auth:
            want = "Basic " + base64.b64encode(ARGS.auth.encode()).decode()
            got = [l.split(b":", 1)[1].strip().decode("latin1") for l in head.split(b"\r\n")[1:]
                   if l.lower().startswith(b"proxy-authorization:")]
            if got != [want]:
                conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                             b"Proxy-Authenticate: Basic realm=\"council\"\r\n"
                             b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                record(f"CONNECT {target} 407")
                return
        if ARGS.refuse:
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            record(f"CONNECT {target} 403")
            return
        host, _, port = target.rpartition(":")
        try:
            up = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            record(f"CONNECT {target} 502")
            return
        record(f"CONNECT {target} 200")
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            up.sendall(rest)
        with up:
            pump(conn, up)
    finally:
        conn.close()


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--refuse", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--ready-file")
    ARGS = ap.parse_args()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", ARGS.port))
    srv.listen(64)
    port = srv.getsockname()[1]
    if ARGS.ready_file:
        with open(ARGS.ready_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        os.rename(ARGS.ready_file + ".tmp", ARGS.ready_file)
    print(f"http_proxy: listening on 127.0.0.1:{port}", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
