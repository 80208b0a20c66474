#!/bin/sh
# The monthly digest through a real SMTP server, exactly once across downtime: the daemon is down
# on Monday 1 March 2021 (the first working day) and started on Wednesday 3 March: February's
# digest goes once to each recipient (a role and an address), not zero, not two; a restart the same
# day and another later in the month send nothing more; no older month is sent by itself. Then
# `digest send` says "already sent", and --again sends it once more.
. "$(dirname "$0")/lib.sh"

start_smtp
{
	smtp_transport
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[digest "dcs-monthly"]\nto = role:dcs, chair@board.example\n'
} | write_config

export DRIFTWATCH_NOW=2021-03-03T10:00
start_daemon_ready
wait_until 15 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c eml) -ge 2 ]" || fail "no digest arrived ($(mail_count))"
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 2 ] || fail "$(mail_count) messages, want 2 (one per recipient)"
[ "$(mail_recipients | tr '\n' ' ')" = "chair@board.example dcs@council.example " ] ||
	fail "recipients: $(mail_recipients)"
$PY - "$T/mail" <<'PYEOF' || fail "digest subject"
import email, email.policy, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    assert m["Subject"] == "Children's services timescales \u2014 February 2021", m["Subject"]
PYEOF
ok "down on the first working day, started on 3 March: February's digest once to each recipient"

stop_daemon || fail "daemon exit status"
DRIFTWATCH_NOW=2021-03-03T11:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle after the restart"
[ "$(mail_count)" -eq 2 ] || fail "a restart made it $(mail_count) messages, want still 2"
stop_daemon || fail "daemon exit status"
DRIFTWATCH_NOW=2021-03-29T09:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle after the restart"
[ "$(mail_count)" -eq 2 ] || fail "a restart later in March made it $(mail_count) messages, want still 2"
stop_daemon || fail "daemon exit status"
ok "restarts the same day and later in the month send nothing more"

[ "$(ctl outbox list | grep -c 'digest:dcs-monthly:')" -eq 2 ] || ctl outbox list
ctl outbox list | grep 'digest:dcs-monthly:2021-01' && fail "January's digest was queued"
ok "no older month is sent by itself"

out=$(ctl digest send dcs-monthly --month 2021-02) || fail "digest send: $out"
echo "$out" | grep -q "already sent to 2 recipients" || fail "digest send said: $out"
out=$(ctl digest send dcs-monthly --month 2021-02 --again) || fail "digest send --again: $out"
echo "$out" | grep -q "queued for 2 recipients" || fail "digest send --again said: $out"
DRIFTWATCH_NOW=2021-03-29T09:05 start_daemon_ready
wait_until 15 sh -c "[ \$(ls $T/mail | grep -c eml) -ge 4 ]" || fail "--again was not delivered ($(mail_count))"
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 4 ] || fail "$(mail_count) messages after --again, want 4"
stop_daemon || fail "daemon exit status"
ok "digest send: a repeat says already sent; --again sends once more"
finish
