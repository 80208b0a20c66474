#!/bin/sh
# driftwatchctl status, text and JSON, against a real daemon: never started; running with its pid,
# version, rules file and load time (moved on by a reload), every watcher's last pass, the outbox
# by state with its oldest waiting notice, the last import of each kind; transports ok, paused by
# the breaker (and ok again when a probe gets through) and disabled by a 410; "not running (last
# seen ...)" once the daemon is killed (its pid checked, not just read back), and "stopped" after
# a clean stop.
. "$(dirname "$0")/lib.sh"

export DRIFTWATCH_NOW=2026-12-07T19:00
printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n' >"$T/secret"
chmod 600 "$T/secret"
start_smtp
start_sink --fail-first 3 --status 503
FLAKY_PORT=$HOOK_PORT
start_sink --mode 410
GONE_PORT=$HOOK_PORT
{
	printf 'admin_transport = mail\n'
	smtp_transport
	printf '[transport "flaky"]\ntype = webhook\nformat = json\nurl = http://127.0.0.1:%s/\nsecret_file = %s\nconcurrency = 1\n' \
		"$FLAKY_PORT" "$T/secret"
	printf '[transport "gone"]\ntype = webhook\nformat = json\nurl = http://127.0.0.1:%s/\nsecret_file = %s\n' "$GONE_PORT" "$T/secret"
	printf '[outbox]\nretry_first = 1s\nretry_max = 1s\nbreaker_failures = 2\nbreaker_pause = 2s\n'
} | write_config

# status with the daemon never started on this database.
ctl status >"$T/st" 2>/dev/null && fail "status exit 0 with no daemon"
grep -q "^daemon: *never started on this database" "$T/st" || fail "never started: $(cat "$T/st")"
ok "never started: said so, exit 1"

ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
# Queued before the start, so the outbox is not empty: no first-start hold in this scenario.
ctl outbox add tm@council.example --urgent --transport flaky --key flaky --count 2 --subject "Flaky notice" >/dev/null ||
	fail "outbox add"
ctl outbox add old@council.example --key later --subject "Waits for the send window" >/dev/null || fail "outbox add"
start_daemon

# The breaker: two failures in a row pause "flaky"; status says paused until when.
wait_log "transport flaky: 2 failures in a row; pausing" 20 || fail "the breaker never opened"
ctl status >"$T/st" 2>/dev/null || fail "status exit non-zero while running: $(cat "$T/st")"
grep -q "^  flaky *paused by the breaker until 2026-12-07 19:0[0-9] (2 failures in a row)" "$T/st" ||
	fail "flaky not paused: $(cat "$T/st")"
ok "a paused transport: paused by the breaker until its probe"

ctl outbox add gone@council.example --urgent --transport gone --key gone --subject "To a gone receiver" >/dev/null
wait_log "transport gone: the receiver says it is gone" 20 || fail "gone was not disabled"
wait_log "transport flaky: delivering again" 20 || fail "flaky never recovered"
wait_until 20 sh -c "DRIFTWATCH_NOW=2026-12-07T19:00 $DWC -f $T/dw.ini status 2>/dev/null | grep -q '^  flaky *ok'" ||
	fail "flaky not ok again: $(ctl status 2>&1)"
ctl status >"$T/st" 2>/dev/null || fail "status exit"
grep -q "^  gone *disabled (the receiver answered 410): .driftwatchctl outbox enable gone." "$T/st" || fail "gone not disabled"
grep -q "^  mail *ok" "$T/st" || fail "mail not ok"
ok "transports: ok again after a probe got through, disabled after a 410, ok"

grep -q "^daemon: *running, pid $DAEMON_PID, since 2026-12-07 19:00 (driftwatchd [0-9.]*)" "$T/st" || fail "daemon line"
grep -q "^rules: *$T/dw.ini, loaded 2026-12-07 19:00" "$T/st" || fail "rules line"
for w in actions disputes reviews asye digest; do
	grep -q "^  $w *last pass 2026-12-07 19:0[0-9], [0-9]* ms" "$T/st" || fail "watcher $w: $(cat "$T/st")"
done
grep -q "^  roles *2026-12-07 19:00  $TOP/etc/samples/st-helens-roles.csv (19 titles)" "$T/st" || fail "imports"
# 19:00: the notice to old@ waits for the send window: the oldest waiting.
grep -q "^  oldest waiting: notice 3 (notice to old@council.example), created 2026-12-07 19:00" "$T/st" || fail "oldest waiting"
grep -q "^outbox: * 1 pending, 1 retry, 0 sending, 0 held, 0 dead, 3 sent" "$T/st" || fail "outbox counts"
ok "running: pid, since, version, rules and load time, each watcher's pass, the outbox by state, the last import"

ctl status --json 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["daemon"]["running"] is True and d["daemon"]["pid"] == int(sys.argv[1]), d["daemon"]
# The injected clock runs on from 19:00:00: a slow start (ASan) is at 19:00:01.
assert d["daemon"]["rules"] == sys.argv[2] and d["daemon"]["started_at"].startswith("2026-12-07T19:00:"), d["daemon"]
assert [w["name"] for w in d["watchers"]] == ["actions", "disputes", "reviews", "asye", "digest"], d["watchers"]
assert all(w["error"] is None and w["duration_ms"] >= 0 for w in d["watchers"]), d["watchers"]
t = {x["name"]: x["state"] for x in d["transports"]}
assert t == {"mail": "ok", "flaky": "ok", "gone": "disabled"}, t
assert d["outbox"]["pending"] == 1 and d["outbox"]["retry"] == 1 and d["outbox"]["sent"] == 3, d["outbox"]
assert d["outbox"]["oldest_waiting"]["id"] == 3, d["outbox"]
assert [i["kind"] for i in d["imports"]] == ["roles"], d["imports"]
assert d["next_due"] is not None, d
' "$DAEMON_PID" "$T/dw.ini" || fail "status --json"
ok "status --json says the same"

# A reload is recorded: the rules' load time moves on (the breaker's 2s pause has passed since the start).
kill -HUP "$DAEMON_PID"
wait_log "main: reloaded" 10 || fail "no reload"
ctl status --json 2>/dev/null | $PY -c '
import json, sys
d = json.load(sys.stdin)["daemon"]
assert d["rules_loaded_at"] > d["started_at"] and d["started_at"].startswith("2026-12-07T19:00:"), d
' || fail "the reload is not in status --json"
ok "a reload moves the rules' load time on"

# Killed: the recorded pid is gone, so not running, with when it was last seen.
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
ctl status >"$T/st" 2>/dev/null && fail "status exit 0 after the daemon was killed"
grep -q "^daemon: *not running (last seen 2026-12-07 19:0[0-9]; pid [0-9]* started 2026-12-07 19:00, no clean stop)" "$T/st" ||
	fail "killed: $(head -n 1 "$T/st")"
ctl status --json 2>/dev/null | $PY -c 'import json, sys; d = json.load(sys.stdin); assert d["daemon"]["running"] is False, d' ||
	fail "status --json after kill"
ok "killed: not running (last seen ...), exit 1"

start_daemon
stop_daemon || fail "daemon exit"
ctl status >"$T/st" 2>/dev/null && fail "status exit 0 after a clean stop"
grep -q "^daemon: *not running (stopped 2026-12-07 19:0[0-9]; pid [0-9]* started 2026-12-07 19:00)" "$T/st" ||
	fail "stopped: $(head -n 1 "$T/st")"
ok "a clean stop: not running (stopped ...)"
finish
