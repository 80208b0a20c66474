#!/bin/sh
# IRO disputes end to end with the real SMTP fake and an injected clock: raise on Friday
# 2022-05-27 (2 and 3 June are bank holidays), the reminder on 6 June, the stage deadline (7 June)
# passing so the dispute moves up by itself on 8 June (to the team's own head of service, with the
# IRO and the previous responder told and the history in the body); a restart sends nothing twice;
# a response, then resolution to everyone involved.
. "$(dirname "$0")/lib.sh"

start_smtp
{
	smtp_transport
	printf '[role "head-of-service"]\nemail = hos@council.example\n'
	printf '[role "hos-north"]\nemail = hos-north@council.example\n'
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[role "iro-manager"]\nemail = iro-manager@council.example\n'
	printf '[team "North"]\nhead_of_service = hos-north\n'
} | write_config

cat >"$T/alloc.csv" <<'CSV'
case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
CR-1001,North,Sam Worker,sam@council.example,Tess Manager,tess@council.example,Ian Reviewer,ian@council.example
CSV
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"

mails_at_least() { [ "$(mail_count)" -ge "$1" ]; }
# Recipients of the messages numbered after $1 (sorted).
recipients_after() {
	for f in "$T"/mail/*.rcpt; do
		n=$(basename "$f" .rcpt)
		[ "$((1$n - 1000000))" -gt "$1" ] && grep -v '^from ' "$f"
	done | sort | tr '\n' ' '
}

DRIFTWATCH_NOW=2022-05-27T10:00 ctl dispute raise CR-1001 --iro ian@council.example --category drift-and-delay \
	--stage 1 --note "no permanence plan after 6 months" >/dev/null 2>&1 || fail "dispute raise"
[ "$(ctl calendar add 2022-05-27 5wd)" = 2022-06-07 ] || fail "calendar"

DRIFTWATCH_NOW=2022-05-27T10:00 start_daemon
wait_until 10 mails_at_least 2 || fail "raise: want 2 messages, got $(mail_count)"
stop_daemon
[ "$(recipients_after 0)" = "ian@council.example tess@council.example " ] || fail "raise recipients: $(recipients_after 0)"
ok "raise: the team manager (stage 1) and the IRO (confirmation) are told"

DRIFTWATCH_NOW=2022-06-06T09:00 start_daemon
wait_until 10 mails_at_least 3 || fail "reminder: want 3 messages, got $(mail_count)"
stop_daemon
[ "$(recipients_after 2)" = "tess@council.example " ] || fail "reminder recipients: $(recipients_after 2)"
grep -q "^Subject: Reminder: IRO dispute 1, response due by 2022-06-07" "$T"/mail/000003.eml || fail "reminder subject"
ok "1 working day before the deadline (across the jubilee bank holidays) the responder is reminded"

DRIFTWATCH_NOW=2022-06-08T09:00 start_daemon
wait_until 10 mails_at_least 6 || fail "move up: want 6 messages, got $(mail_count)"
stop_daemon
[ "$(recipients_after 3)" = "hos-north@council.example ian@council.example tess@council.example " ] ||
	fail "move up recipients: $(recipients_after 3)"
ctl dispute show 1 | grep -q "stage:       2 (head-of-service), started 2022-06-08, response due by 2022-06-15" ||
	fail "not moved up: $(ctl dispute show 1)"
ctl audit dispute:1 | grep -q "dispute-moved-up" || fail "move up not audited"
# The new responder's message: case reference in the body only, history so far.
$PY - "$T/mail" <<'PY' || fail "move up message content"
import email, email.policy, glob, sys
for p in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
    if m["To"].addresses[0].addr_spec != "hos-north@council.example":
        continue
    assert "CR-1001" not in m["Subject"], m["Subject"]
    assert m["Subject"] == "IRO dispute 1: stage 2, your response is due by 2022-06-15", m["Subject"]
    body = m.get_body(("plain",)).get_content()
    assert "case CR-1001" in body and "History so far:" in body, body
    assert "2022-05-27  raised, stage 1" in body and "2022-06-08  moved-up, stage 2" in body, body
    assert m.get_body(("html",)) is not None
    sys.exit(0)
sys.exit("no message to hos-north")
PY
ok "deadline passed: moved up to stage 2 by itself; the team's head of service, the IRO and the previous responder told, with the history"

# A restart on the same day sends nothing twice.
DRIFTWATCH_NOW=2022-06-08T11:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle after the restart"
stop_daemon
[ "$(mail_count)" -eq 6 ] || fail "restart sent again: $(mail_count) messages"
[ "$(ctl dispute show 1 | grep -c moved-up)" -eq 1 ] || fail "moved up twice"
ok "a restart sends nothing twice and moves nothing twice"

# A response stops the clock; the IRO is asked to resolve or escalate.
DRIFTWATCH_NOW=2022-06-09T10:00 ctl dispute respond 1 --note "plan agreed at panel" >/dev/null 2>&1 || fail "respond"
DRIFTWATCH_NOW=2022-06-09T10:00 start_daemon
wait_until 10 mails_at_least 7 || fail "response: want 7 messages, got $(mail_count)"
stop_daemon
[ "$(recipients_after 6)" = "ian@council.example " ] || fail "response recipients: $(recipients_after 6)"
ok "a response stops the clock and asks the IRO to resolve or escalate"

# Past the stage's deadline with a response: no move up. Then resolution to everyone involved.
DRIFTWATCH_NOW=2022-06-17T10:00 ctl dispute resolve 1 --outcome "permanence plan recorded" >/dev/null 2>&1 || fail "resolve"
DRIFTWATCH_NOW=2022-06-17T10:00 start_daemon_ready
wait_until 10 mails_at_least 10 || fail "resolve: want 10 messages, got $(mail_count)"
wait_settled 10 || fail "the outbox did not settle"
stop_daemon
[ "$(recipients_after 7)" = "hos-north@council.example ian@council.example tess@council.example " ] ||
	fail "resolve recipients: $(recipients_after 7) (total $(mail_count))"
[ "$(mail_count)" -eq 10 ] || fail "resolve: $(mail_count) messages, want 10 (no reminder to the IRO after resolution)"
ctl dispute show 1 | grep -q "stage:       2 " || fail "a responded stage moved up"
ok "resolution: the IRO and every responder reached are told the outcome; nothing else"

# Resolving twice is refused, nothing changed.
DRIFTWATCH_NOW=2022-06-20T10:00 ctl dispute resolve 1 --outcome again 2>"$T/err"
[ $? -eq 65 ] || fail "resolving twice must exit 65"
grep -q "already resolved on 2022-06-17" "$T/err" || fail "resolve twice message: $(cat "$T/err")"
ok "resolving twice: exit 65, clear message"

finish
