#!/bin/sh
# Socket activation (systemd/driftwatch.socket), through systemd-socket-activate from Debian's
# systemd: the daemon serves on the sockets it is passed (a TCP one and a unix one) rather than
# [http] listen, the first request (which started it) is answered, TLS applies to a passed TCP
# socket when set, and a passed plain socket off loopback is refused with a clear error.
. "$(dirname "$0")/lib.sh"

command -v systemd-socket-activate >/dev/null || fail "systemd-socket-activate missing (scripts/install-deps test)"

# Start the daemon under systemd-socket-activate (it execs the daemon on the first connection).
activate() {
	LOG_MARK=0
	[ -f "$T/daemon.log" ] && LOG_MARK=$(wc -c <"$T/daemon.log")
	systemd-socket-activate "$@" -- "$DWD" -d -f "$T/dw.ini" >>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	# It listens before anything else; a connection refused means it is not there yet.
}

PORT=$(free_port)
UNUSED=$(free_port)
printf '[http]\nlisten = 127.0.0.1:%s\n' "$UNUSED" | write_config
activate -l "127.0.0.1:$PORT" -l "$T/http.sock"
wait_until 5 sh -c "$PY -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT)).close()'" ||
	fail "systemd-socket-activate is not listening"
# This request starts the daemon: it waits in the socket's backlog and is answered.
code=$(curl -s -m 10 -o "$T/ready" -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")
[ "$code" = 200 ] && grep -q '"ready"' "$T/ready" || fail "the first request after activation: $code"
wait_log "http: listening on 127.0.0.1:$PORT (socket activation, fd 3)" 5 || fail "no log of the TCP socket"
wait_log "http: listening on unix socket (socket activation, fd 4)" 5 || fail "no log of the unix socket"
wait_log "http: systemd passed 2 sockets: \[http\] listen is not used" 5 || fail "no log that listen is not used"
code=$(curl -s -m 5 --unix-socket "$T/http.sock" -o /dev/null -w '%{http_code}' http://localhost/readyz)
[ "$code" = 200 ] || fail "the passed unix socket: $code"
curl -s -m 2 -o /dev/null "http://127.0.0.1:$UNUSED/readyz" && fail "[http] listen was opened as well"
ok "the daemon serves on the sockets systemd passed (TCP and unix), not on [http] listen"
stop_daemon || fail "daemon did not stop cleanly"

# TLS on a passed TCP socket.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=dw \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$T/tls.key" -out "$T/tls.pem" >/dev/null 2>&1 || fail "openssl"
chmod 600 "$T/tls.key"
printf '[http]\ntls_cert_file = %s/tls.pem\ntls_key_file = %s/tls.key\n' "$T" "$T" | write_config
PORT=$(free_port)
activate -l "127.0.0.1:$PORT"
wait_until 5 sh -c "$PY -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT)).close()'" ||
	fail "systemd-socket-activate is not listening"
code=$(curl -s -m 10 --cacert "$T/tls.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/readyz")
[ "$code" = 200 ] || fail "TLS on a passed socket: $code"
wait_log "(socket activation, fd 3) with TLS" 5 || fail "no log of TLS on the passed socket"
ok "a passed TCP socket speaks TLS when tls_cert_file is set"
stop_daemon || fail "daemon did not stop cleanly"

# A plain socket off loopback is refused: the daemon says why and exits.
printf '[http]\n' | write_config
PORT=$(free_port)
activate -l "0.0.0.0:$PORT"
wait_until 5 sh -c "$PY -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT)).close()'" ||
	fail "systemd-socket-activate is not listening"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
[ $rc -ne 0 ] || fail "the daemon took a plain socket on 0.0.0.0"
grep -q "http: systemd passed 0.0.0.0:$PORT: plain HTTP only on loopback or a unix socket" "$T/daemon.log" ||
	fail "no clear refusal in the log"
ok "a passed plain socket off loopback is refused with a clear error"

# The unit shipped beside the service.
grep -q '^ListenStream=127.0.0.1:8080$' "$TOP/systemd/driftwatch.socket" || fail "driftwatch.socket: no ListenStream"
grep -q '^WantedBy=sockets.target$' "$TOP/systemd/driftwatch.socket" || fail "driftwatch.socket: not for sockets.target"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units"
	cp "$TOP/systemd/driftwatch.socket" "$T/units/"
	sed "s|@SBINDIR@|$BUILD|g" "$TOP/systemd/driftwatch.service" >"$T/units/driftwatch.service"
	systemd-analyze verify "$T/units/driftwatch.socket" >"$T/verify" 2>&1 ||
		fail "systemd-analyze verify driftwatch.socket: $(cat "$T/verify")"
fi
ok "systemd/driftwatch.socket listens on 127.0.0.1:8080 and verifies"
finish
