#!/usr/bin/env python3
"""Loopback SMTP sink for benchmarks: speaks enough ESMTP for a client (EHLO, MAIL, RCPT, DATA,
RSET, NOOP, QUIT), keeps connections open, counts accepted messages and stores nothing, as
webhook-sink.py does for HTTP. `--port P --expect N --out FILE` writes `COUNT SPAN_SECONDS` when N
messages have been accepted (or on SIGTERM). Standard library only."""
import argparse
import asyncio
import signal
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=2525)
ap.add_argument("--expect", type=int, default=0)
ap.add_argument("--out", default="-")
a = ap.parse_args()
count = 0
first = last = None


class Session(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t
        self.buf = b""
        self.data = False
        t.write(b"220 localhost bench sink ESMTP\r\n")

    def data_received(self, d):
        global count, first, last
        self.buf += d
        while True:
            if self.data:
                i = self.buf.find(b"\r\n.\r\n")
                if i < 0:
                    return
                self.buf = self.buf[i + 5:]
                self.data = False
                count += 1
                now = time.monotonic()
                first = first or now
                last = now
                self.t.write(b"250 2.0.0 accepted\r\n")
                if a.expect and count >= a.expect:
                    stop()
                continue
            i = self.buf.find(b"\r\n")
            if i < 0:
                return
            line, self.buf = self.buf[:i], self.buf[i + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.t.write(b"250-localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            elif verb == b"HELO":
                self.t.write(b"250 localhost\r\n")
            elif verb == b"DATA":
                self.data = True
                # The terminator may follow at once: the loop looks for it in what is left.
                self.buf = b"\r\n" + self.buf
                self.t.write(b"354 end with <CRLF>.<CRLF>\r\n")
            elif verb == b"QUIT":
                self.t.write(b"221 bye\r\n")
                self.t.close()
                return
            else:  # MAIL, RCPT, RSET, NOOP
                self.t.write(b"250 OK\r\n")


def stop():
    o = sys.stdout if a.out == "-" else open(a.out, "w")
    span = (last - first) if first else 0
    print(f"{count} {span:.3f}", file=o, flush=True)
    asyncio.get_event_loop().stop()


async def main():
    loop = asyncio.get_running_loop()
    await loop.create_server(Session, "127.0.0.1", a.port, backlog=1024)
    loop.add_signal_handler(signal.SIGTERM, stop)


loop = asyncio.new_event_loop()
loop.run_until_complete(main())
loop.run_forever()
