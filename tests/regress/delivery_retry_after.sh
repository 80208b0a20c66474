#!/bin/sh
# A hostile receiver's Retry-After: an absurd one (300000 s, 83 h) is cut to retry_after_max and
# never makes a notice dead, even when it would pass give_up_after (the notice gets its last attempt
# at the give-up time); a short one (2 s) wins over the breaker's pause (1 h); notices a receiver
# refuses for good raise one admin alert for the endpoint, not one each.
. "$(dirname "$0")/lib.sh"

# hook_config [OUTBOX LINES]: the webhook first, a file transport for admin alerts.
hook_config() {
	{
		printf 'default_transport = hook\nadmin_transport = spool\n' # write_config's [daemon] goes on
		printf '[transport "hook"]\ntype = webhook\nformat = json\nurl = http://127.0.0.1:%s/\nconcurrency = 4\ntimeout = 5s\n' "$HOOK_PORT"
		printf '[transport "spool"]\ntype = file\nspool = %s/spool\n' "$T"
		printf '[outbox]\nretry_first = 1s\nretry_max = 1s\n'
		printf '%s\n' "$@"
	} | write_config
}

# reset: a fresh outbox, spool and sink record for the next case.
reset() {
	stop_daemon || fail "exit status"
	kill "$HOOK_PID"; wait "$HOOK_PID" 2>/dev/null
	sqlite3 "$T/dw.db" "DELETE FROM outbox_attachments; DELETE FROM outbox" || fail "reset outbox"
	rm -rf "$T/hook.jsonl" "$T/spool"
	: >"$T/daemon.log"
}

sent() { ctl outbox list --state sent --limit 0 | grep -c ' sent '; }
dead() { ctl outbox list --state dead --limit 0 | grep -c ' dead '; }
alerts() { ls "$T/spool" 2>/dev/null | grep -c alert || true; }

# 1. Retry-After: 300000 on the first 3 answers, retry_after_max = 2s: retried about 2 s later.
export DRIFTWATCH_NOW=2021-03-08T09:00
start_sink --fail-first 3 --status 503 --retry-after 300000
hook_config 'retry_after_max = 2s' 'breaker_failures = 1000'
ctl outbox add a@council.example --urgent --key huge --count 3 --subject "Huge Retry-After" >/dev/null || fail "enqueue"
start_daemon
wait_log "attempt 1 via hook failed (http 503); next in [12]s" 10 || fail "Retry-After 300000 not cut to retry_after_max"
wait_until 15 sh -c "[ \$($DWC -f $T/dw.ini outbox list --state sent --limit 0 | grep -c ' sent ') -eq 3 ]" ||
	fail "$(sent) of 3 sent after a Retry-After of 83 h"
[ "$(dead)" -eq 0 ] || fail "$(dead) notices dead"
[ "$(alerts)" -eq 0 ] || fail "an admin alert for a receiver that came back"
ok "Retry-After: 300000 cut to retry_after_max (2s): 3 of 3 sent, none dead, no alert"
reset

# 2. The same header with the default cap (1h) on notices 3 s from give_up_after (60 s): not dead,
# retried at the give-up time. The notices are queued 57 s before the daemon's clock starts.
DRIFTWATCH_NOW=2021-03-08T09:00:00 ctl outbox add b@council.example --urgent --key giveup --count 3 --subject "Near give-up" >/dev/null ||
	fail "enqueue"
start_sink --fail-first 3 --status 503 --retry-after 300000
hook_config 'give_up_after = 60s' 'breaker_failures = 1000'
DRIFTWATCH_NOW=2021-03-08T09:00:57 start_daemon
wait_log "attempt 1 via hook failed (http 503); next in [1-3]s" 10 || fail "not retried at the give-up time"
wait_until 15 sh -c "[ \$($DWC -f $T/dw.ini outbox list --state sent --limit 0 | grep -c ' sent ') -eq 3 ]" ||
	fail "$(sent) of 3 sent; $(dead) dead"
[ "$(dead)" -eq 0 ] && [ "$(alerts)" -eq 0 ] || fail "$(dead) dead, $(alerts) alerts"
ok "Retry-After past give_up_after: the last attempt at the give-up time, 3 of 3 sent, none dead"
reset

# 3. Retry-After: 2 with the breaker open at the first failure and breaker_pause = 1h: the
# receiver's 2 s wins (no sooner: the retry comes at least a second later).
start_sink --fail-first 1 --status 503 --retry-after 2
hook_config 'breaker_failures = 1' 'breaker_pause = 1h'
ctl outbox add c@council.example --urgent --key small --subject "Small Retry-After" >/dev/null || fail "enqueue"
start_daemon
wait_log "pausing 2s before one probe (its Retry-After)" 10 || fail "the breaker's pause was not the Retry-After"
wait_until 10 sh -c "[ \$($DWC -f $T/dw.ini outbox list --state sent --limit 0 | grep -c ' sent ') -eq 1 ]" ||
	fail "not sent within 10 s of a Retry-After: 2"
gap=$($PY -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["status"] for x in r] == [503, 200], r
print("%.1f" % (r[1]["at"] - r[0]["at"]))' "$T/hook.jsonl") || fail "sink records"
$PY -c "import sys; sys.exit(not 1.0 <= $gap <= 4.0)" || fail "retried ${gap}s after Retry-After: 2"
ok "Retry-After: 2 wins over breaker_pause 1h: retried after ${gap}s"
reset

# 4. A receiver that refuses for good (400): 6 notices dead, one admin alert for the endpoint.
start_sink --status 400
hook_config
ctl outbox add d@council.example --urgent --key refused --count 6 --subject "Refused" >/dev/null || fail "enqueue"
start_daemon_ready
wait_until 10 sh -c "[ \$($DWC -f $T/dw.ini outbox list --state dead --limit 0 | grep -c ' dead ') -eq 6 ]" ||
	fail "$(dead) of 6 dead"
wait_until 10 sh -c "ls $T/spool 2>/dev/null | grep -q alert" || fail "the admin was not told"
wait_settled 10 || fail "the outbox did not settle" # a second alert, if one were queued, is sent first
[ "$(alerts)" -eq 1 ] || fail "$(alerts) admin alerts for one endpoint"
grep -q "notices through hook could not be delivered" "$T"/spool/*alert* || fail "alert subject"
grep -q "outbox list --state dead" "$T"/spool/*alert* || fail "the alert does not say how to list the rest"
ok "6 notices refused by one endpoint: 1 admin alert, naming the endpoint"
stop_daemon || fail "exit status"
finish
