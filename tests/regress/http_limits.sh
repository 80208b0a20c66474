#!/bin/sh
# HTTP limits: a 10 MB body gets 413 and the daemon still serves; a slowloris client (a byte every
# quarter second) is dropped at the request deadline while other requests are served meanwhile;
# connections over connections_max are closed at once and cost the others nothing.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
printf '[http]\nconnections_max = 8\nlisten = 127.0.0.1:%s\ntimeout = 2s\n' "$PORT" | write_config
URL=http://127.0.0.1:$PORT
start_daemon
wait_log "http: listening on 127.0.0.1:$PORT" 5 || fail "no listener"

head -c 10485760 /dev/zero >"$T/big"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$URL/healthz")
[ "$code" = 413 ] || fail "a 10 MB body: $code, want 413"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Expect:' --data-binary @"$T/big" "$URL/healthz")
[ "$code" = 413 ] || fail "a 10 MB body without Expect: $code, want 413"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] || fail "not serving after the 10 MB body"
ok "a 10 MB body gets 413 and the daemon still serves"

# The slow client: headers a byte at a time, never finished; it must be closed near the deadline.
cat >"$T/slow.py" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.time()
open(sys.argv[2], "w").close()
for ch in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200:
    try:
        s.send(bytes([ch]))
    except OSError:
        break
    time.sleep(0.25)
    try:
        if s.recv(1, socket.MSG_DONTWAIT) == b"":
            break
    except BlockingIOError:
        pass
    except OSError:
        break
    if time.time() - t > 20:
        print("never closed")
        sys.exit(1)
print("closed after %.1f" % (time.time() - t))
PY
$PY "$T/slow.py" "$PORT" "$T/slow.started" >"$T/slow.out" 2>&1 &
SLOW=$!
wait_until 5 test -f "$T/slow.started" || fail "slow client did not start"
# Meanwhile, others are served at once.
i=0
while [ $i -lt 5 ]; do
	[ "$(curl -s -m 1 -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] ||
		fail "a request was not served while the slow client trickled"
	i=$((i + 1))
done
wait $SLOW || fail "the slow client was never dropped: $(cat "$T/slow.out")"
secs=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' "$T/slow.out")
[ -n "$secs" ] && [ "$secs" -ge 2 ] && [ "$secs" -le 4 ] || fail "slow client: $(cat "$T/slow.out"), want about 2s"
grep -q "http: a request was still arriving after 2s; connection closed" "$T/daemon.log" ||
	fail "no log of the dropped client"
ok "a slowloris client is dropped at the 2s deadline while others are served"

# Twelve idle connections against a cap of 8: the extra ones are closed, requests still served.
cat >"$T/many.py" <<'PY'
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(12)]
time.sleep(0.5)
closed = 0
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print(closed)
PY
closed=$($PY "$T/many.py" "$PORT")
[ "$closed" -ge 4 ] || fail "over connections_max: $closed of 12 closed, want at least 4"
wait_log "http: more than 8 connections; one closed" 5 || fail "no log of a refused connection"
# The flood's sockets are released by the next sweep (every 100 ms): until then a new connection
# still counts as one too many, so serving again is waited for, briefly.
wait_until 3 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$URL/healthz')\" = 200 ]" ||
	fail "not serving after the connection flood: $(curl -s -w ' %{http_code}' "$URL/healthz")"
ok "connections over connections_max are closed; the daemon still serves"

stop_daemon || fail "daemon did not stop cleanly"
finish
