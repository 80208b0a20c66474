#!/bin/sh
# ASYE through a real SMTP server: a team manager with three ASYEs behind on protected time gets
# ONE batched email; a restart sends nothing twice; on the first working day of May (1 May 2023
# was a bank holiday, so Tuesday 2 May) the assistant director gets the monthly compliance list
# (anonymised), the head of service gets each missed review point singly, and the manager one
# message again. Then critical reflection 1 (6 months, Sunday 9 July 2023): the team manager is
# reminded on Monday 26 June (not before), the head of service told on Monday 10 July of the one
# still unrecorded, and `asye reflection` stops both.
. "$(dirname "$0")/lib.sh"

# Everything queued has gone out: at least N messages and nothing waiting in the outbox.
settled() { # N
	[ "$(mail_count)" -ge "$1" ] || return 1
	for st in pending sending retry; do
		[ "$(ctl outbox list --state $st --json)" = "[]" ] || return 1
	done
}

start_smtp
{
	smtp_transport
	printf '[role "head-of-service"]\nemail = hos@council.example\n'
	printf '[role "assistant-director"]\nemail = ad@council.example\n'
	printf '[asye]\nanonymise = yes\n'
} | write_config

cat >"$T/workforce.csv" <<'EOF'
person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload
P001,Alex Example,alex@council.example,asye,North,tm@council.example,2023-01-09,37,12
P002,Bo Example,bo@council.example,asye,North,tm@council.example,2023-01-09,37,14
P003,Cy Example,cy@council.example,asye,North,tm@council.example,2023-01-09,18.5,10
P004,Di Example,di@council.example,social-worker,North,tm@council.example,,37,20
TM1,Tam Manager,tm@council.example,team-manager,North,hos@council.example,,37,0
EOF
{
	echo person_id,week_of,hours
	for p in P001 P002 P003; do
		for w in 2023-02-13 2023-02-20 2023-02-27 2023-03-06; do echo "$p,$w,1"; done
	done
} >"$T/time.csv"
printf 'person_id,held_on\nP001,2023-03-10\nP002,2023-03-10\nP003,2023-03-10\n' >"$T/supervisions.csv"

export DRIFTWATCH_NOW=2023-03-13T09:00
ctl import workforce "$T/workforce.csv" >/dev/null || fail "import workforce"
ctl import protected-time "$T/time.csv" >/dev/null || fail "import protected-time"
ctl import supervisions "$T/supervisions.csv" >/dev/null || fail "import supervisions"
[ "$(ctl asye list --behind --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3 ] ||
	fail "asye list --behind does not show three ASYEs"
ok "three ASYEs behind on protected time (4 h of 14.8 h)"

start_daemon_ready
wait_until 15 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c eml) -ge 1 ]" || fail "no mail arrived"
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 1 ] || fail "$(mail_count) messages, want one batched message"
[ "$(mail_recipients)" = tm@council.example ] || fail "recipients: $(mail_recipients)"
$PY - "$T/mail" <<'PYEOF' || fail "batched message content"
import email, email.policy, glob, sys
files = sorted(glob.glob(sys.argv[1] + "/*.eml"))
m = email.message_from_bytes(open(files[0], "rb").read(), policy=email.policy.default)
assert m["Subject"] == "Reminders: 3 items need your attention", m["Subject"]
body = m.get_body(preferencelist=("plain",)).get_content()
for p, expected in (("P001", "4.0 h of 14.8 h"), ("P002", "4.0 h of 14.8 h"), ("P003", "4.0 h of 7.4 h")):
    line = [l for l in body.splitlines() if p in l]
    assert line and expected in line[0], (p, body)
assert "Example" in body  # the manager sees their own staff by name
html = m.get_body(preferencelist=("html",)).get_content()
assert html.count("<li>") == 3, html
PYEOF
[ "$(ctl outbox list --state sent | grep -c reminder)" -eq 3 ] || fail "the three reminders are not all recorded sent"
ok "the team manager receives ONE email listing the three ASYEs"

ctl explain worker P002 | grep -q "time-behind.*" || fail "explain worker lacks the rule"
ctl explain worker P002 | grep -A2 "time-behind" | grep -q ": sent 2023-03-13" || fail "explain does not say sent"
ok "explain worker shows the notice as sent"

stop_daemon || fail "daemon exit status"
DRIFTWATCH_NOW=2023-03-13T10:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle after the restart"
[ "$(mail_count)" -eq 1 ] || fail "a restart sent $(mail_count) messages in all, want still 1"
stop_daemon || fail "daemon exit status"
ok "a restart sends nothing twice"

# 2 May 2023: the first working day of May. Supervision overdue since 24 March and review point 1
# (9 April) passed unrecorded for all three; P004 is not an ASYE and is within the alert level.
DRIFTWATCH_NOW=2023-05-02T08:30 start_daemon_ready
wait_until 15 sh -c "[ \$(ls $T/mail | grep -c eml) -ge 6 ]" || fail "May's mail did not arrive ($(mail_count))"
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 6 ] || fail "$(mail_count) messages in all, want 6 (1 + batch + 3 escalations + list)"
[ "$(mail_recipients | grep -c '^ad@')" -eq 1 ] || fail "the AD got $(mail_recipients | grep -c '^ad@') messages"
[ "$(mail_recipients | grep -c '^hos@')" -eq 3 ] || fail "the head of service got $(mail_recipients | grep -c '^hos@')"
[ "$(mail_recipients | grep -c '^tm@')" -eq 2 ] || fail "the team manager got $(mail_recipients | grep -c '^tm@') in all"
$PY - "$T/mail" <<'PYEOF' || fail "May message content"
import email, email.policy, glob, sys, time
msgs = []
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    rcpt = open(f[:-4] + ".rcpt").read().split("\n")[0]
    msgs.append((rcpt, m))
ad = [m for r, m in msgs if r == "ad@council.example"][0]
assert ad["Subject"] == "ASYE compliance: May 2023", ad["Subject"]
# Transport headers carry the real time, not DRIFTWATCH_NOW (README: Delivery); the body's dates the injected clock.
assert abs(ad["Date"].datetime.timestamp() - time.time()) < 300, ad["Date"]
body = ad.get_body(preferencelist=("plain",)).get_content()
for p in ("P001", "P002", "P003"):
    assert p + ", North" in body, body
assert "P004" not in body and "TM1" not in body, body
assert "Example" not in body, "anonymised list names a worker"
assert "last supervision 2023-03-10 (overdue)" in body and "next review point 2023-04-09" in body, body
html = ad.get_body(preferencelist=("html",)).get_content()
assert html.count("<tr><th>") == 1 and html.count("<tr><td>") == 3, html  # the header row and one a worker
hos = [m for r, m in msgs if r == "hos@council.example"]
for m in hos:
    assert m["Subject"] == "ASYE: review point passed unrecorded", m["Subject"]
    assert "passed on 2023-04-09 with no review recorded" in m.get_body(preferencelist=("plain",)).get_content()
tm = [m for r, m in msgs if r == "tm@council.example"][1]
assert tm["Subject"] == "Reminders: 6 items need your attention", tm["Subject"]
b = tm.get_body(preferencelist=("plain",)).get_content()
assert b.count("supervision was due by 2023-03-24") == 3 and b.count("protected time") == 3, b
PYEOF
ok "on 2 May the AD gets one anonymised list, the head of service each missed review singly, the manager one batch"
stop_daemon || fail "daemon exit status"

# Critical reflection 1 falls on Sunday 9 July 2023 for all three. P002 records it early.
DRIFTWATCH_NOW=2023-06-20T09:00 ctl asye reflection P002 2023-06-20 >"$T/out" || fail "asye reflection P002"
grep -q "P002: critical reflection held on 2023-06-20" "$T/out" || fail "asye reflection said: $(cat "$T/out")"

# Friday 23 June: the week's reminders go, but no reflection reminder yet (it is due on 26 June).
DRIFTWATCH_NOW=2023-06-23T09:00 start_daemon
wait_until 15 settled 7 || fail "23 June's mail did not settle ($(mail_count))"
stop_daemon || fail "daemon exit status"
[ "$(mail_count)" -eq 7 ] || fail "$(mail_count) messages in all on 23 June, want 7 (one more batch)"
last=$(ls "$T"/mail/*.eml | sort -V | tail -n 1)
grep -q "critical reflection" "$last" && fail "the reflection reminder went before its day: $(cat "$last")"
ok "before 26 June no reflection reminder is sent"

# Monday 26 June, 10 working days before: the manager's batch names P001 and P003, not P002.
DRIFTWATCH_NOW=2023-06-26T09:00 start_daemon
wait_until 15 settled 8 || fail "26 June's mail did not settle ($(mail_count))"
stop_daemon || fail "daemon exit status"
[ "$(mail_count)" -eq 8 ] || fail "$(mail_count) messages in all on 26 June, want 8"
$PY - "$(ls "$T"/mail/*.eml | sort -V | tail -n 1)" <<'PYEOF' || fail "26 June batch content"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
rcpt = open(sys.argv[1][:-4] + ".rcpt").read().split("\n")[0]
assert rcpt == "tm@council.example", rcpt
assert m["Subject"] == "Reminders: 11 items need your attention", m["Subject"]
body = m.get_body(preferencelist=("plain",)).get_content()
lines = [l for l in body.splitlines() if "critical reflection 1 (6m) is due on 2023-07-09" in l]
assert len(lines) == 2 and "P001" in lines[0] + lines[1] and "P003" in lines[0] + lines[1], body
assert "driftwatchctl asye reflection" in body, body
assert not any("P002" in l for l in lines), body
assert body.count("review point 2 (6m) is due on 2023-07-09") == 3, body
PYEOF
[ "$(ctl outbox list --state sent | grep -c reminder)" -gt 0 ] || fail "no reminders recorded sent"
ctl explain worker P003 --at 2023-06-27 | grep -A2 "reflection-due" | grep -q ": sent 2023-06-26" ||
	fail "explain does not show the reflection reminder sent: $(ctl explain worker P003 --at 2023-06-27)"
ok "on 26 June the team manager's batch reminds P001's and P003's reflections; P002's is recorded"

# P003 records it after the reminder; on Monday 10 July only P001's reaches the head of service.
DRIFTWATCH_NOW=2023-07-07T09:00 ctl asye reflection P003 2023-07-07 >/dev/null || fail "asye reflection P003"
DRIFTWATCH_NOW=2023-07-10T09:00 start_daemon
wait_until 15 settled 14 || fail "10 July's mail did not settle ($(mail_count))"
stop_daemon || fail "daemon exit status"
[ "$(mail_count)" -eq 14 ] || fail "$(mail_count) messages in all on 10 July, want 14 (batch, 3 + 1 escalations, list)"
$PY - "$T/mail" <<'PYEOF' || fail "10 July message content"
import email, email.policy, glob, sys
msgs = []
for f in sorted(glob.glob(sys.argv[1] + "/*.eml"), key=lambda f: int(f.split("/")[-1][:-4]))[8:]:
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    msgs.append((open(f[:-4] + ".rcpt").read().split("\n")[0], m))
hos = [m for r, m in msgs if r == "hos@council.example"]
refl = [m for m in hos if m["Subject"] == "ASYE: critical reflection passed unrecorded"]
assert len(refl) == 1, [m["Subject"] for m in hos]
b = refl[0].get_body(preferencelist=("plain",)).get_content()
assert "P001" in b and "critical reflection 1 (6m) passed on 2023-07-09 with no critical reflection recorded" in b, b
assert "P002" not in b and "P003" not in b, b
assert len([m for m in hos if m["Subject"] == "ASYE: review point passed unrecorded"]) == 3, [m["Subject"] for m in hos]
tm = [m for r, m in msgs if r == "tm@council.example"]
assert len(tm) == 1 and "critical reflection" not in tm[0].get_body(preferencelist=("plain",)).get_content()
ad = [m for r, m in msgs if r == "ad@council.example"]
assert len(ad) == 1 and ad[0]["Subject"] == "ASYE compliance: July 2023", [m["Subject"] for m in ad]
body = ad[0].get_body(preferencelist=("plain",)).get_content()
for p, nxt in (("P001", "2023-07-09"), ("P002", "2024-01-09"), ("P003", "2024-01-09")):
    line = [l for l in body.splitlines() if l.startswith("- " + p)]
    assert line and "next critical reflection " + nxt in line[0], (p, body)
PYEOF
[ "$(ctl outbox list --state sent --json | $PY -c 'import json,sys; print(sum(r["kind"] == "escalation" for r in json.load(sys.stdin)))')" -eq 7 ] ||
	fail "want 7 escalations sent in all (3 in May, 4 on 10 July)"
ok "on 10 July the head of service hears of P001's unrecorded reflection alone; the AD's list shows the next ones"
finish
