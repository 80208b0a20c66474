#!/bin/sh
# HTTPS: [http] tls_cert_file and tls_key_file with a throw-away certificate. check-config refuses
# a bad certificate path, a key others can read and plain HTTP off loopback, each with its line,
# and takes a non-loopback address once TLS is set. curl --cacert gets answers (an authenticated
# read too), plain HTTP to the TLS port fails cleanly and costs nothing, a SIGHUP serves a renewed
# certificate, and the limits hold under TLS: a 10 MB body gets 413, a client trickling its request
# or its handshake is closed at the deadline.
. "$(dirname "$0")/lib.sh"

# A self-signed certificate for 127.0.0.1 (and localhost), its own authority.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$2" \
		-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$1.key" -out "$1.pem" >/dev/null 2>&1 ||
		fail "openssl req failed"
	chmod 600 "$1.key"
}
make_cert "$T/one" driftwatch-one
make_cert "$T/two" driftwatch-two

PORT=$(free_port)
TOKEN=tok-portal-0123456789abcdef
printf '%s\n' "$TOKEN" >"$T/portal.token"
chmod 600 "$T/portal.token"
cp "$T/one.pem" "$T/cert.pem"
cp "$T/one.key" "$T/key.pem"
chmod 600 "$T/key.pem"

# The [http] section with a listen address; line 7 is listen, 9 tls_cert_file, 10 tls_key_file.
http_ini() {
	printf '[http]\nlisten = %s\ntimeout = 2s\ntls_cert_file = %s\ntls_key_file = %s\n' "$1" "$2" "$3"
	printf '[client "portal"]\nmay = read\ntoken_file = %s/portal.token\n' "$T"
}
refused() {
	"$DWD" --check-config -f "$T/dw.ini" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 78 ] || fail "$1: check-config exited $rc, want 78: $(cat "$T/out")"
	grep -q -- "$2" "$T/out" || fail "$1: want \"$2\" in: $(cat "$T/out")"
}

http_ini "127.0.0.1:$PORT" "$T/missing.pem" "$T/key.pem" | write_config
refused "a missing certificate" "dw.ini:9: tls_cert_file: $T/missing.pem: No such file or directory"
chmod 644 "$T/key.pem"
http_ini "127.0.0.1:$PORT" "$T/cert.pem" "$T/key.pem" | write_config
refused "a key others can read" "dw.ini:10: $T/key.pem: mode 0644 is too open"
chmod 600 "$T/key.pem"
http_ini "127.0.0.1:$PORT" "$T/cert.pem" "$T/two.key" | write_config
refused "the key of another certificate" "dw.ini:10: tls_key_file: $T/two.key: not the key of the certificate"
printf '[http]\nlisten = 0.0.0.0:%s\n' "$PORT" | write_config
refused "plain HTTP off loopback" 'dw.ini:7: listen: "0.0.0.0:'"$PORT"'": plain HTTP only on loopback'
ok "check-config refuses a missing certificate, an open key, a foreign key and plain HTTP off loopback, with lines"

http_ini "0.0.0.0:$PORT" "$T/cert.pem" "$T/key.pem" | write_config
"$DWD" --check-config -f "$T/dw.ini" >"$T/out" 2>&1 || fail "TLS on 0.0.0.0 refused: $(cat "$T/out")"
ok "with TLS, a non-loopback address is taken"

http_ini "127.0.0.1:$PORT" "$T/cert.pem" "$T/key.pem" | write_config
start_daemon
wait_log "http: listening on 127.0.0.1:$PORT with TLS" 5 || fail "no TLS listener"
URL=https://127.0.0.1:$PORT
code=$(curl -s --cacert "$T/one.pem" -o "$T/ready" -w '%{http_code}' "$URL/readyz")
[ "$code" = 200 ] && grep -q '"ready"' "$T/ready" || fail "readyz over TLS: $code $(cat "$T/ready")"
code=$(curl -s --cacert "$T/one.pem" -H "Authorization: Bearer $TOKEN" -o "$T/disputes" -w '%{http_code}' \
	"$URL/v1/disputes")
[ "$code" = 200 ] && grep -q '"disputes"' "$T/disputes" || fail "an authenticated read over TLS: $code"
code=$(curl -s --cacert "$T/one.pem" -o /dev/null -w '%{http_code}' "$URL/v1/disputes")
[ "$code" = 401 ] || fail "no token over TLS: $code, want 401"
curl -s --cacert "$T/two.pem" -o /dev/null "$URL/readyz" && fail "a client trusting another certificate connected"
ok "curl --cacert is answered over TLS (readyz, an authenticated read, 401 without a token)"

# Plain HTTP to the TLS port: no HTTP answer, the connection closed, and TLS still served.
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")
[ "$code" = 000 ] || fail "plain HTTP to the TLS port got an HTTP answer: $code"
[ "$(curl -s --cacert "$T/one.pem" -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] ||
	fail "not serving TLS after a plain request"
ok "plain HTTP to the TLS port fails cleanly; TLS still served"

# Limits under TLS: a 10 MB body gets 413.
head -c 10485760 /dev/zero >"$T/big"
code=$(curl -s --cacert "$T/one.pem" -o /dev/null -w '%{http_code}' -H 'Expect:' --data-binary @"$T/big" \
	"$URL/healthz")
[ "$code" = 413 ] || fail "a 10 MB body over TLS: $code, want 413"
ok "a 10 MB body over TLS gets 413"

# A slowloris client over TLS (request a byte at a time), and one that never finishes its
# handshake: both closed near the 2s deadline while others are served.
cat >"$T/slow.py" <<'PY'
import socket, ssl, sys, time
port, mode, started = int(sys.argv[1]), sys.argv[2], sys.argv[3]
raw = socket.create_connection(("127.0.0.1", port))
t = time.time()
if mode == "request":
    ctx = ssl.create_default_context(cafile=sys.argv[4])
    s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    t = time.time()
    data = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
else:
    # The first bytes of a TLS record header, then nothing more: a handshake that never ends.
    s = raw
    data = b"\x16\x03\x01" + b"\x00" * 200
open(started, "w").close()
s.settimeout(0.25)
for ch in data:
    try:
        s.send(bytes([ch]))
    except OSError:
        break
    try:
        if s.recv(1) == b"":
            break
    except (socket.timeout, ssl.SSLWantReadError):
        pass
    except OSError:
        break
    if time.time() - t > 20:
        print("never closed")
        sys.exit(1)
print("closed after %.1f" % (time.time() - t))
PY
for mode in request handshake; do
	rm -f "$T/slow.started"
	$PY "$T/slow.py" "$PORT" "$mode" "$T/slow.started" "$T/one.pem" >"$T/slow.out" 2>&1 &
	SLOW=$!
	wait_until 5 test -f "$T/slow.started" || fail "slow $mode client did not start: $(cat "$T/slow.out")"
	[ "$(curl -s -m 1 --cacert "$T/one.pem" -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] ||
		fail "a request was not served while the slow $mode client trickled"
	wait $SLOW || fail "the slow $mode client was never dropped: $(cat "$T/slow.out")"
	secs=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' "$T/slow.out")
	[ -n "$secs" ] && [ "$secs" -ge 1 ] && [ "$secs" -le 4 ] || fail "slow $mode: $(cat "$T/slow.out"), want about 2s"
done
ok "a client trickling its request or its handshake over TLS is closed at the 2s deadline"

# A renewed certificate: copied over the files, then SIGHUP; new connections get it.
cp "$T/two.pem" "$T/cert.pem"
cp "$T/two.key" "$T/key.pem"
LOG_MARK=$(wc -c <"$T/daemon.log")
kill -HUP "$DAEMON_PID"
wait_log "main: reloaded" 5 || fail "no reload"
grep -q "http: TLS certificate from $T/cert.pem, valid until" "$T/daemon.log" || fail "no log of the certificate"
code=$(curl -s --cacert "$T/two.pem" -o /dev/null -w '%{http_code}' "$URL/readyz")
[ "$code" = 200 ] || fail "the renewed certificate is not served: $code"
curl -s --cacert "$T/one.pem" -o /dev/null "$URL/readyz" && fail "the old certificate is still served after SIGHUP"
ok "SIGHUP re-reads the certificate: new connections get the renewed one"

stop_daemon || fail "daemon did not stop cleanly"
finish
