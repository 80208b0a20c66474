"""browser.py: a real browser for the tests: headless Chromium driven over the Chrome DevTools
Protocol on --remote-debugging-pipe (JSON messages, NUL-terminated, on fds 3 and 4), so no
driver or websocket library is needed.

Usage: browser.py URL [--type TEXT] [--into SELECTOR] [--submit] [--screenshot PNG] [--dump FILE]

It opens URL and waits for the page; with --type it clicks the field SELECTOR (as a person would:
a mouse click at its place) and types TEXT; with --submit it clicks the page's submit button and
waits for the next page. --screenshot writes the first page as PNG (a phone-sized window), --dump
the last page's text. Exit 0, or 1 with the reason.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="dw-chromium-")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        # The pipe transport reads commands from fd 3 and writes answers to fd 4 (copied out of the
        # way first, in case either pipe end is 3 or 4 already; kept open through pass_fds).
        def fds():
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--window-size=412,860", "--user-data-dir=" + self.profile,
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4, to_r, from_w), preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False, wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.from_r, 65536)
            if not chunk:
                raise EOFError("chromium went away")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=True, wait=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        if not wait:
            return None
        deadline = time.time() + timeout
        while True:
            m = self.read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method:
                    del self.events[i]
                    return m
            self.events.append(self.read_message(deadline))

    def attach(self):
        targets = self.send("Target.getTargets", session=False)["targetInfos"]
        page = [t for t in targets if t["type"] == "page"][0]
        self.session = self.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def evaluate(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def click(self, selector):
        box = self.evaluate("(() => { const r = document.querySelector(%s).getBoundingClientRect(); "
                            "return [r.x + r.width / 2, r.y + r.height / 2]; })()" % json.dumps(selector))
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                   "clickCount": 1})

    def navigate(self, url):
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")


def main(argv):
    args = {"--type": None, "--into": "textarea", "--screenshot": None, "--dump": None}
    url, submit, i = argv[1], False, 2
    while i < len(argv):
        if argv[i] == "--submit":
            submit = True
            i += 1
        else:
            args[argv[i]] = argv[i + 1]
            i += 2
    b = Browser()
    try:
        b.attach()
        b.navigate(url)
        if args["--screenshot"]:
            png = b.send("Page.captureScreenshot", {"format": "png"})["data"]
            with open(args["--screenshot"], "wb") as f:
                f.write(base64.b64decode(png))
        if args["--type"] is not None:
            b.click(args["--into"])
            b.send("Input.insertText", {"text": args["--type"]})
        if submit:
            b.click("button[type=submit]")
            b.wait_event("Page.loadEventFired")
        if args["--dump"]:
            with open(args["--dump"], "w") as f:
                f.write(b.evaluate("document.title + '\\n' + document.body.innerText"))
    finally:
        b.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:  # the test prints why
        print("browser.py: %s" % e, file=sys.stderr)
        sys.exit(1)
