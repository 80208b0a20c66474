#!/bin/sh
# Transport headers carry the real time, never the injected clock: with DRIFTWATCH_NOW years in the
# past, a receiver that checks webhook-timestamp as Standard Webhooks libraries do (at most 5 minutes
# from its own clock) verifies the signature and accepts; a mail's Date header is the real time too.
. "$(dirname "$0")/lib.sh"
export DRIFTWATCH_NOW=2019-03-08T09:00
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
printf '%s\n' "$SECRET" >"$T/secret"
chmod 600 "$T/secret"

start_sink --secret "$SECRET" --max-skew 300
start_smtp
{
	printf 'default_transport = hook\n' # write_config's [daemon] goes on
	printf '[transport "hook"]\ntype = webhook\nformat = json\nurl = http://127.0.0.1:%s/\nsecret_file = %s\n' "$HOOK_PORT" "$T/secret"
	smtp_transport
} | write_config
ctl outbox add tm@council.example --urgent --key clock --count 3 --subject "Dispute 7: stage 2 response due" >/dev/null ||
	fail "enqueue"
ctl outbox add tm@council.example --urgent --key clockmail --transport mail --subject "Review due" >/dev/null ||
	fail "enqueue mail"
start_daemon
wait_until 20 sh -c "[ \$(grep -c '\"status\"' $T/hook.jsonl 2>/dev/null) -ge 3 ]" || fail "3 webhooks not posted"
wait_until 20 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c '^[0-9]*\.eml') -ge 1 ]" || fail "the mail was not delivered"
stop_daemon || fail "exit status"
$PY - "$T/hook.jsonl" <<'PYEOF' || fail "webhook records"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 3, recs
for r in recs:
    assert r["verified"], "a signature did not verify: %r" % r
    assert r["fresh"], "webhook-timestamp %s is not within 5 minutes of the real time %d" % (r["timestamp"], r["at"])
    assert r["status"] == 200, r
print("webhook-timestamp - real time:", [int(r["timestamp"]) - int(r["at"]) for r in recs])
PYEOF
ok "DRIFTWATCH_NOW in 2019: 3 webhooks signed with the real time, verified and accepted"
[ "$(ctl outbox list --state sent --limit 0 | grep -c ' sent ')" -eq 4 ] || fail "not all recorded sent"
$PY - "$T"/mail/*.eml <<'PYEOF' || fail "mail Date header"
import email, email.utils, sys, time
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
date = email.utils.parsedate_to_datetime(msg["Date"]).timestamp()
assert abs(date - time.time()) <= 300, "Date: %s is not the real time" % msg["Date"]
print("Date:", msg["Date"])
PYEOF
ok "the mail's Date header is the real time"
finish
