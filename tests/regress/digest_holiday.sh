#!/bin/sh
# A bank holiday on the 1st moves the digest: Friday 1 January 2027 is New Year's Day, so
# December 2026's digest goes on Monday 4 January at 08:00, not before. The email has a plain-text
# part, an HTML part and the CSV attachment (digest-2026-12.csv); the subject is exact.
. "$(dirname "$0")/lib.sh"

start_smtp
{
	smtp_transport
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[digest "dcs-monthly"]\nto = role:dcs\n'
} | write_config

DRIFTWATCH_NOW=2027-01-01T09:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 0 ] || fail "$(mail_count) messages on the bank holiday, want none"
[ "$(ctl outbox list --limit 0 | grep -c ' digest ')" -eq 0 ] || fail "the digest was queued on the bank holiday"
stop_daemon || fail "daemon exit status"
DRIFTWATCH_NOW=2027-01-03T12:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 0 ] || fail "$(mail_count) messages on Sunday 3 January, want none"
[ "$(ctl outbox list --limit 0 | grep -c ' digest ')" -eq 0 ] || fail "the digest was queued on Sunday 3 January"
stop_daemon || fail "daemon exit status"
ok "nothing on Friday 1 January (bank holiday) nor over the weekend"

# Started two seconds before 08:00 on Monday: the watcher's own timer sends it at 08:00.
DRIFTWATCH_NOW=2027-01-04T07:59:58 start_daemon_ready
wait_until 15 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c eml) -ge 1 ]" || fail "no digest on 4 January"
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 1 ] || fail "$(mail_count) messages, want 1"
stop_daemon || fail "daemon exit status"
grep -q "digest: dcs-monthly 2026-12: to dcs@council.example" "$T/daemon.log" || fail "no log line"
$PY - "$T/mail" <<'PYEOF' || fail "digest content"
import csv, email, email.policy, glob, io, sys
f = sorted(glob.glob(sys.argv[1] + "/*.eml"))[0]
m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
assert m["Subject"] == "Children's services timescales \u2014 December 2026", m["Subject"]
text = m.get_body(preferencelist=("plain",)).get_content()
html = m.get_body(preferencelist=("html",)).get_content()
assert "Each figure is as at the end of December 2026, beside November 2026's" in text, text
assert "<table" in html and "Reviews and permanence" in html, html
att = [p for p in m.iter_attachments()]
assert len(att) == 1, [p.get_filename() for p in att]
assert att[0].get_filename() == "digest-2026-12.csv", att[0].get_filename()
assert att[0].get_content_type() == "text/csv", att[0].get_content_type()
data = att[0].get_content()
if isinstance(data, bytes):
    data = data.decode("utf-8")
rows = list(csv.reader(io.StringIO(data)))
assert rows[0] == ["month", "area", "figure", "value", "previous", "target"], rows[0]
assert len(rows) > 20 and all(r[0] == "2026-12" for r in rows[1:]), rows
PYEOF
ok "sent Monday 4 January at 08:00: text, HTML and digest-2026-12.csv; subject exact"
DRIFTWATCH_NOW=2027-01-04T09:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle after the restart"
[ "$(mail_count)" -eq 1 ] || fail "a restart made it $(mail_count) messages"
stop_daemon || fail "daemon exit status"
ok "a restart sends nothing twice"
finish
