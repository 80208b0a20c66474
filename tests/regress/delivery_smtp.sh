#!/bin/sh
# Email through a real SMTP server: headers, one recipient, multipart, a UTF-8 subject, an
# attachment; batching of reminders to one person; Message-ID stable across a retry.
. "$(dirname "$0")/lib.sh"

start_smtp --fail-first 1
{ smtp_transport; printf '[outbox]\nretry_first = 1s\nretry_max = 2s\n'; } | write_config
printf 'area,figure,value\nactions,red,3\n' >"$T/figures.csv"
ctl outbox add lead@council.example --urgent --key esc --subject "Révision — action 3.11 overdue" \
	--text "Action 3.11 is overdue. Case ref AB123 only." --attach "$T/figures.csv" >/dev/null || fail "outbox add"
start_daemon_ready
wait_until 20 sh -c "[ \$(ls $T/mail | grep -c '^[0-9]*\.eml') -ge 1 ]" || fail "no mail arrived after the 451"
grep -q "attempt 1 via mail failed" "$T/daemon.log" || fail "the first attempt was not answered 451"
ok "a 451 is retried and the message arrives"

$PY - "$T/mail" <<'PYEOF' || fail "message checks"
import email, email.policy, glob, sys
files = sorted(glob.glob(sys.argv[1] + "/[0-9]*.eml"))
assert len(files) == 1, files
raw = open(files[0], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
assert m["Subject"] == "Révision — action 3.11 overdue", m["Subject"]
assert b"=?UTF-8?B?" in raw, "subject not RFC 2047 encoded"
assert m["To"] == "<lead@council.example>" or m["To"].addresses[0].addr_spec == "lead@council.example", m["To"]
assert len(m["To"].addresses) == 1
assert m["From"].addresses[0].addr_spec == "driftwatch@council.example"
assert m["Auto-Submitted"] == "auto-generated"
assert m["Message-ID"].startswith("<dw.1.") and m["Message-ID"].endswith("@council.example>"), m["Message-ID"]
assert m["Date"] is not None and m["MIME-Version"] == "1.0"
assert m["X-Driftwatch-Notice"].startswith("notice 1")
assert m.get_content_type() == "multipart/mixed", m.get_content_type()
att = [p for p in m.iter_attachments()]
assert len(att) == 1 and att[0].get_filename() == "figures.csv"
assert att[0].get_content() in ("area,figure,value\nactions,red,3\n", b"area,figure,value\nactions,red,3\n"), att[0].get_content()
body = m.get_body(preferencelist=("plain",)).get_content()
assert "Case ref AB123" in body, body
import json
env = json.loads(open(files[0][:-4] + ".env").read())
assert env["rcpt_tos"] == ["lead@council.example"], env
print("message ok:", m["Message-ID"])
PYEOF
ok "headers, one recipient, UTF-8 subject, multipart with attachment"

# Reminders to one person, due in the same window, go out as one message listing each.
ctl outbox add tm@council.example --batch --urgent --count 3 --key rem --subject "Reminder" --text "Action due" >/dev/null
wait_until 10 sh -c "[ \$(ls $T/mail | grep -c '^[0-9]*\.eml') -ge 2 ]" || fail "no batched message"
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 2 ] || fail "3 batchable reminders made $(mail_count) messages, want 1 more"
f=$(mail_files_to tm@council.example)
[ -n "$f" ] || fail "batch not to tm"
for i in 1 2 3; do grep -q "Action due ($i of 3)" "$f" || fail "batched message lacks item $i"; done
grep -q "^Subject: Reminders: 3 items need your attention" "$f" || fail "batch subject"
[ "$(ctl outbox list --state sent | grep -c reminder)" -eq 3 ] || fail "the three reminders are not all recorded sent"
ok "three reminders to one person arrive as one message, all recorded sent"

stop_daemon || fail "daemon exit status"

# test-send: a real message through the named transport, its result printed.
out=$(DRIFTWATCH_NOW=2019-03-08T09:00 ctl test-send mail check@council.example 2>/dev/null) || fail "test-send failed: $out"
echo "$out" | grep -q "^mail: ok" || fail "test-send printed: $out"
f=$(mail_files_to check@council.example)
[ -n "$f" ] && grep -q "^Subject: driftwatch test message" $f || fail "the test message did not arrive"
# Its Date: is the real time, though driftwatchctl's clock is injected (README: Time).
$PY - "$f" <<'PYEOF' || fail "test-send's Date: is not the real time"
import email.utils, sys, time
date = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("Date: ")][0][6:].strip()
assert abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time()) < 300, date
PYEOF
ok "test-send: $out"

# A permanent refusal (550) makes the notice dead at once and the admin is told, by the file
# transport since the mail one is failing.
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null
start_smtp_on "$SMTP_PORT" --reject 550
printf '[transport "spool"]\ntype = file\nspool = %s/spool\n' "$T" >>"$T/dw.ini"
ctl outbox add nobody@council.example --urgent --key refused --subject "Refused" >/dev/null
start_daemon
wait_until 15 sh -c "ls $T/spool 2>/dev/null | grep -q alert" || fail "the admin was not told of a dead notice"
[ "$(ctl outbox list --state dead | grep -c nobody@council.example)" -eq 1 ] || fail "the refused notice is not dead"
grep -q "could not be delivered" "$T"/spool/*alert* || fail "admin alert subject"
grep -q "admin@council.example" "$T"/spool/*alert* || fail "admin alert recipient"
ok "a 550 is dead at once; the admin is told through the other transport"
stop_daemon || fail "daemon exit status"
finish
