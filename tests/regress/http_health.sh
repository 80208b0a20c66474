#!/bin/sh
# The HTTP interface, stage 1: listeners on loopback and a unix socket, /healthz, /readyz, /metrics
# (checked with promtool), 404/405, request logs without paths, a non-loopback listen refused with
# FILE:LINE, and a reload that keeps the listeners and says a changed listen needs a restart.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || fail "promtool missing (scripts/install-deps test installs prometheus)"
PORT=$(free_port)
SOCK=$T/http.sock
printf '[http]\nlisten = 127.0.0.1:%s\nlisten = unix:%s\n' "$PORT" "$SOCK" | write_config
URL=http://127.0.0.1:$PORT

# Refused at load: plain HTTP off loopback, with the line.
cp "$T/dw.ini" "$T/open.ini"
printf 'listen = 0.0.0.0:%s\n' "$PORT" >>"$T/open.ini"
"$DWD" --check-config -f "$T/open.ini" 2>"$T/err" >/dev/null
[ $? -eq 78 ] || fail "listen = 0.0.0.0 must be refused (exit 78)"
line=$(grep -n '^listen = 0.0.0.0' "$T/open.ini" | cut -d: -f1)
grep -q "open.ini:$line: listen: \"0.0.0.0:$PORT\": plain HTTP only on loopback" "$T/err" ||
	fail "refusal lacks FILE:LINE: $(cat "$T/err")"
ok "a non-loopback listen is refused at load with FILE:LINE"

# Some data for the metrics: an import and a notice the file transport delivers (one clock for both).
DRIFTWATCH_NOW=2021-03-08T09:00
export DRIFTWATCH_NOW
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
ctl outbox add someone@council.example --urgent --subject "Metrics test" >/dev/null || fail "enqueue"

start_daemon
wait_log "http: listening on unix:$SOCK" 5 || fail "no unix listener"

code=$(curl -s -o "$T/h.json" -w '%{http_code}' "$URL/healthz")
[ "$code" = 200 ] || fail "GET /healthz: $code $(cat "$T/h.json")"
grep -q '"status":"ok"' "$T/h.json" || fail "healthz body: $(cat "$T/h.json")"
grep -q '"last_pass":"2021-03-08T' "$T/h.json" || fail "healthz last_pass: $(cat "$T/h.json")"
ok "GET /healthz on loopback: 200 with the last pass"

code=$(curl -s --unix-socket "$SOCK" -o "$T/r.json" -w '%{http_code}' http://localhost/readyz)
[ "$code" = 200 ] && grep -q '"status":"ready"' "$T/r.json" || fail "GET /readyz on the unix socket: $code"
code=$(curl -s --unix-socket "$SOCK" -o /dev/null -w '%{http_code}' http://localhost/healthz)
[ "$code" = 200 ] || fail "GET /healthz on the unix socket: $code"
ok "GET /readyz and /healthz on the unix socket"

wait_until 10 sh -c "curl -s $URL/metrics | grep -q '^driftwatch_notices_sent_total 1\$'" ||
	fail "the delivered notice is not counted: $(curl -s "$URL/metrics" | grep -v '^#')"
curl -s -D "$T/mh" -o "$T/metrics" "$URL/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/mh" || fail "metrics content type: $(cat "$T/mh")"
promtool check metrics <"$T/metrics" >"$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"
grep -q '^driftwatch_outbox_notices{state="sent",transport="file"} 1$' "$T/metrics" ||
	fail "outbox by state: $(grep outbox_notices "$T/metrics")"
grep -q '^driftwatch_imports_total{kind="roles"} 1$' "$T/metrics" || fail "imports by kind: $(grep imports "$T/metrics")"
grep -q '^driftwatch_import_last_timestamp_seconds{kind="roles"} [1-9]' "$T/metrics" || fail "last import time"
grep -q '^driftwatch_delivery_latency_seconds_count 1$' "$T/metrics" || fail "latency histogram count"
grep -q '^driftwatch_delivery_latency_seconds_bucket{le="+Inf"} 1$' "$T/metrics" || fail "latency +Inf bucket"
grep -q '^driftwatch_last_pass_timestamp_seconds 16' "$T/metrics" || fail "last pass: $(grep last_pass "$T/metrics")"
ok "GET /metrics: promtool passes; outbox, sent, latency, imports and last pass are counted"

code=$(curl -s -o "$T/e.json" -w '%{http_code}' "$URL/v1/nothing/CR-SECRET-1")
[ "$code" = 404 ] && grep -q '"error"' "$T/e.json" || fail "unknown route: $code $(cat "$T/e.json")"
code=$(curl -s -o "$T/e.json" -w '%{http_code}' -X POST "$URL/healthz")
[ "$code" = 405 ] || fail "POST /healthz: $code"
ok "an unknown route is 404 JSON, a wrong method 405"

wait_log "http: GET /metrics 200 client=- " 5 || fail "no request log line for /metrics"
grep -q "http: GET - 404 client=- " "$T/daemon.log" || fail "no request log line for the 404"
grep -q "CR-SECRET-1" "$T/daemon.log" && fail "the request log carries the path (a case reference)"
ok "request logs: method, route template, status, client, duration; never the path"

# Reload: a changed limit is taken, the listeners stay; a changed listen is refused as a restart.
printf 'timeout = 10s\n' >>"$T/dw.ini"
LOG_MARK=$(wc -c <"$T/daemon.log")
kill -HUP "$DAEMON_PID"
wait_log "main: reloaded" 5 || fail "reload with a new timeout failed"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] || fail "listener gone after reload"
sed -i "s|^listen = 127.0.0.1:$PORT|listen = 127.0.0.1:$(free_port)|" "$T/dw.ini"
LOG_MARK=$(wc -c <"$T/daemon.log")
kill -HUP "$DAEMON_PID"
wait_log "http.listen changed: it takes effect only after a restart" 5 || fail "changed listen: no restart message"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] || fail "listener gone after a refused reload"
ok "reload keeps the listeners; a changed listen says restart"

stop_daemon || fail "daemon did not stop cleanly"
[ -e "$SOCK" ] && fail "the unix socket was left behind"
ok "stop removes the unix socket"
finish
