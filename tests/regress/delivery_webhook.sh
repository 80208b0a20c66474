#!/bin/sh
# Webhooks through the daemon: signed posts verified by the sink, the webhook-id stable across a
# retry and across a crash after the receiver took the notice; a 5xx storm held back by the
# circuit breaker; 429 Retry-After honoured; 410 disables the endpoint and the admin is told
# through another transport.
. "$(dirname "$0")/lib.sh"
export DRIFTWATCH_NOW=2021-03-08T09:00
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
printf '%s\n' "$SECRET" >"$T/secret"
chmod 600 "$T/secret"

# hook_config [OPTIONS]: the webhook transport first, a file transport for admin alerts.
hook_config() {
	{
		# Still in write_config's [daemon]: a second [daemon] would be refused.
		printf 'default_transport = hook\nadmin_transport = spool\n'
		printf '[transport "hook"]\ntype = webhook\nformat = json\nurl = http://127.0.0.1:%s/\nsecret_file = %s\n' "$HOOK_PORT" "$T/secret"
		printf 'concurrency = 4\ntimeout = 10s\n'
		printf '[transport "spool"]\ntype = file\nspool = %s/spool\n' "$T"
		printf '[outbox]\nretry_first = 1s\nretry_max = 2s\nbreaker_failures = 5\nbreaker_pause = 1h\n'
	} | write_config
}

# 1. Signed, verified; a 503 then a retry with the same webhook-id.
start_sink --secret "$SECRET" --fail-first 1 --status 503
hook_config
ctl outbox add tm@council.example --urgent --key signed --count 3 --subject "Dispute 7: stage 2 response due" >/dev/null
start_daemon
wait_until 20 sh -c "[ \$(grep -c '\"status\": 200' $T/hook.jsonl 2>/dev/null) -ge 3 ]" || fail "3 notices not accepted"
stop_daemon || fail "exit status"
$PY - "$T/hook.jsonl" <<'PYEOF' || fail "webhook records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert all(r["verified"] for r in recs), "a signature did not verify"
first = recs[0]
assert first["status"] == 503
again = [r for r in recs[1:] if r["id"] == first["id"]]
assert len(again) == 1 and again[0]["status"] == 200, "the retry did not carry the same webhook-id"
body = json.loads(again[0]["body"])
assert body["kind"] == "notice" and body["subject"].startswith("Dispute 7") and body["id"] == first["id"], body
assert len({r["id"] for r in recs}) == 3
print("webhook ids:", sorted({r["id"] for r in recs}))
PYEOF
ok "signed posts verified by the sink; a 503 is retried with the same webhook-id"
kill "$HOOK_PID"; wait "$HOOK_PID" 2>/dev/null
rm -f "$T/hook.jsonl"

# 2. A 5xx storm: 40 notices, the receiver answers 503 to everything. The breaker pauses the
# endpoint after 5 failures, so requests stay far under 2x the notices; nothing dies.
start_sink --secret "$SECRET" --mode storm
hook_config
ctl outbox add storm@council.example --urgent --key storm --count 40 --subject "Storm" >/dev/null
start_daemon_ready
wait_log "pausing" 10 || fail "the breaker never opened"
# Every notice's retry falls due while the endpoint is paused; the pass after that must send none.
wait_until 10 outbox_is due || fail "the notices' retries did not fall due"
wait_delivery_pass spool 10 || fail "no delivery pass after the retries fell due"
requests=$(hook_count)
echo "5xx storm: $requests requests for 40 notices"
[ "$requests" -gt 0 ] && [ "$requests" -lt 80 ] || fail "$requests requests for 40 notices (want fewer than 80)"
[ "$(ctl outbox list --state dead --limit 0 | grep -c storm)" -eq 0 ] || fail "a notice died in the storm"
ok "5xx storm: $requests requests for 40 notices (under 2x), none dead"
stop_daemon || fail "exit status"
kill "$HOOK_PID"; wait "$HOOK_PID" 2>/dev/null
sqlite3 "$T/dw.db" "DELETE FROM outbox_attachments; DELETE FROM outbox" || fail "reset outbox"
rm -f "$T/hook.jsonl"

# 3. 429 with Retry-After: 120 — the next attempt waits at least 120 s.
start_sink --secret "$SECRET" --mode 429 --retry-after 120
hook_config
ctl outbox add slowdown@council.example --urgent --key r429 --subject "Rate limited" >/dev/null
start_daemon
wait_log "attempt 1 via hook failed" 10 || fail "no 429 attempt"
stop_daemon || fail "exit status"
delay=$(sqlite3 "$T/dw.db" "SELECT next_attempt_at - created_at FROM outbox WHERE dedupe_key = 'r429:1'")
[ "$delay" -ge 120 ] || fail "next attempt after ${delay}s, want >= 120 (Retry-After)"
[ "$(hook_count)" -eq 1 ] || fail "$(hook_count) requests: the daemon did not wait"
ok "429 Retry-After: 120 honoured (next attempt after ${delay}s)"
kill "$HOOK_PID"; wait "$HOOK_PID" 2>/dev/null
sqlite3 "$T/dw.db" "DELETE FROM outbox" || fail "reset outbox"
rm -f "$T/hook.jsonl"

# 4. 410: the endpoint is disabled, the admin told through the file transport, notices kept.
start_sink --secret "$SECRET" --mode 410
hook_config
ctl outbox add gone@council.example --urgent --key gone --count 3 --subject "Gone" >/dev/null
start_daemon
wait_log "disabled until an admin" 10 || fail "410 did not disable the endpoint"
wait_delivery_pass spool 10 || fail "the requests in flight did not finish"
n=$(hook_count)
[ "$n" -le 4 ] || fail "$n requests after a 410 (concurrency 4 at most)"
wait_until 10 sh -c "ls $T/spool | grep -q alert" || fail "the admin was not told"
grep -q "transport hook disabled" "$T"/spool/*alert* || fail "admin alert subject"
grep -q "^To: <\{0,1\}admin@council.example>\{0,1\}" "$T"/spool/*alert* || fail "admin alert recipient"
ctl outbox add gone@council.example --urgent --key gone2 --subject "After 410" >/dev/null
wait_delivery_pass spool 10 || fail "no delivery pass after the notice to a disabled endpoint"
m=$(hook_count)
[ "$m" -eq "$n" ] || fail "posted to a disabled endpoint ($n requests, then $m)"
[ "$(ctl outbox list --state dead --limit 0 | grep -c gone)" -eq 0 ] || fail "notices died on a 410"
ok "410 disables the endpoint ($n requests), the admin is told by file, notices are kept"
stop_daemon || fail "exit status"
kill "$HOOK_PID"; wait "$HOOK_PID" 2>/dev/null
ctl outbox enable hook | grep -q "enabled again" || fail "outbox enable"
sqlite3 "$T/dw.db" "DELETE FROM outbox" || fail "reset outbox"
rm -f "$T/hook.jsonl"

# 5. The receiver takes the notice but answers late; the daemon is killed before it records
# 'sent'. After a restart the notice goes again with the same webhook-id.
start_sink --secret "$SECRET" --mode slow --delay 3
hook_config
ctl outbox add late@council.example --urgent --key late --subject "Accepted, then a crash" >/dev/null
start_daemon
wait_until 10 sh -c "[ -s $T/hook.jsonl ]" || fail "the first post never arrived"
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
[ "$(sqlite3 "$T/dw.db" "SELECT state FROM outbox WHERE dedupe_key = 'late:1'")" = sending ] || fail "the row was not left 'sending'"
start_daemon
wait_until 15 sh -c "[ \"\$(sqlite3 $T/dw.db \"SELECT state FROM outbox WHERE dedupe_key = 'late:1'\")\" = sent ]" ||
	fail "not recorded sent after the restart"
stop_daemon || fail "exit status"
$PY - "$T/hook.jsonl" <<'PYEOF' || fail "re-send id"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 2, recs
assert recs[0]["id"] == recs[1]["id"], "the re-send carried a different webhook-id"
print("re-sent with the same webhook-id:", recs[0]["id"])
PYEOF
ok "accepted then killed: the re-send carries the same webhook-id"
finish
