#!/bin/sh
# The real St Helens plan around its Feb 2021 deadlines, through a real SMTP server: 10wd and 3wd
# reminders batched per lead officer, the long-overdue actions escalated at once, the first working
# day after due_on (lead + manager), 11wd later (manager+1, copying who was told before), a
# completed action's ladder stopped, a restart that sends nothing twice, and a re-dated action re-planned.
. "$(dirname "$0")/lib.sh"

PLAN=st-helens-ilacs-2020
start_smtp
# Every role gets an email except the police DCI: its notices are skipped with a warning.
{ smtp_transport; grep -v '^email = dci@' "$TOP/etc/samples/st-helens-roles.ini"; } | write_config

# Messages since the last call, as "recipient<TAB>subject" lines, sorted; marks them seen.
new_mail() {
	$PY - "$T/mail" "$T/seen" <<'PYEOF'
import email, email.policy, glob, os, sys
seen = set(open(sys.argv[2]).read().split()) if os.path.exists(sys.argv[2]) else set()
out = []
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    if f in seen:
        continue
    seen.add(f)
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    assert len(m["To"].addresses) == 1
    out.append("%s\t%s" % (m["To"].addresses[0].addr_spec, m["Subject"]))
open(sys.argv[2], "w").write("\n".join(sorted(seen)))
print("\n".join(sorted(out)))
PYEOF
}

# Start at an instant, wait for exactly N messages in total, check no more come, stop.
run_at() {
	DRIFTWATCH_NOW=$1 start_daemon_ready
	wait_until 30 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c eml) -ge $2 ]" ||
		fail "at $1: $(mail_count) messages arrived, want $2"
	wait_settled 10 || fail "at $1: the outbox did not settle"
	[ "$(mail_count)" -eq "$2" ] || fail "at $1: $(mail_count) messages, want exactly $2"
	stop_daemon || fail "daemon exit status at $1"
}

export DRIFTWATCH_NOW=2021-02-15T09:00
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >"$T/out" || fail "import actions"
grep -q "58 actions: 58 added, 0 changed, 0 unchanged, 0 completed" "$T/out" || fail "summary: $(cat "$T/out")"
ok "the real plan imports: 58 actions"
unset DRIFTWATCH_NOW

# 2021-02-15: 10wd before Sunday 28 Feb. One batched reminder per lead officer; the eight actions
# due in 2020 are escalated to the level their lateness has reached, copying who was told before.
run_at 2021-02-15T09:00 32
new_mail >"$T/got"
E="Overdue improvement action $PLAN"
cat >"$T/want" <<EOF
ad-csc@st-helens.example	$E 3.11b: escalation 2
ad-csc@st-helens.example	$E 3.1: escalation 2
ad-csc@st-helens.example	$E 5.2: escalation 2
ad-csc@st-helens.example	$E 5.6: escalation 2
ad-csc@st-helens.example	$E 7.3: escalation 2
ad-csc@st-helens.example	Reminders: 22 items need your attention
ad-education-health@st-helens.example	$E 4.2: escalation 2
ad-education-health@st-helens.example	Improvement action $PLAN 1.1a due 2021-02-28
chief-nurse@nhs-merseyside.example	Improvement action $PLAN 9.1 due 2021-02-28
dcs@st-helens.example	$E 3.11b: escalation 2
dcs@st-helens.example	$E 3.1: escalation 2
dcs@st-helens.example	$E 4.2: escalation 2
dcs@st-helens.example	$E 5.2: escalation 2
dcs@st-helens.example	$E 5.6: escalation 2
dcs@st-helens.example	$E 7.3: escalation 2
dcs@st-helens.example	$E 7.4d: escalation 3
dcs@st-helens.example	$E 8.1: escalation 3
dcs@st-helens.example	Reminders: 2 items need your attention
dph@st-helens.example	Improvement action $PLAN 9.2a due 2021-02-28
exec-dir-people@st-helens.example	$E 3.11b: escalation 2
exec-dir-people@st-helens.example	$E 3.1: escalation 2
exec-dir-people@st-helens.example	$E 4.2: escalation 2
exec-dir-people@st-helens.example	$E 5.2: escalation 2
exec-dir-people@st-helens.example	$E 5.6: escalation 2
exec-dir-people@st-helens.example	$E 7.3: escalation 2
exec-dir-people@st-helens.example	$E 7.4d: escalation 3
exec-dir-people@st-helens.example	$E 8.1: escalation 3
exec-dir-people@st-helens.example	Improvement action $PLAN 9.2b due 2021-02-28
portfolio-lead@st-helens.example	Improvement action $PLAN 3.13 due 2021-02-28
psw@st-helens.example	Reminders: 9 items need your attention
sad-safeguarding@st-helens.example	Reminders: 10 items need your attention
scrutineer@scrutiny.example	Improvement action $PLAN 9.4 due 2021-02-28
EOF
LC_ALL=C sort "$T/want" -o "$T/want"
LC_ALL=C sort "$T/got" -o "$T/got"
diff "$T/want" "$T/got" >"$T/diff" || fail "recipients at 2021-02-15 differ: $(cat "$T/diff")"
ok "2021-02-15: one reminder message per lead officer, and exactly the escalations due (32 messages checked)"
grep -q "role dci-merseyside-police has no email" "$T/daemon.log" || fail "no warning for the role without email"
ok "a role without email is skipped with a warning naming it"

$PY - "$T/mail" <<'PYEOF' || fail "message content at 2021-02-15"
import email, email.policy, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    to = m["To"].addresses[0].addr_spec
    body = m.get_body(preferencelist=("plain",)).get_content()
    if to == "psw@st-helens.example" and m["Subject"].startswith("Reminders"):
        for ref in ("1.2a", "1.3", "1.5a", "2.3a", "2.4", "3.6", "3.10", "7.4b", "7.4c"):
            assert "st-helens-ilacs-2020 %s:" % ref in body, (ref, body)
        assert "Due 2021-02-28. RAG Amber" in body, body
    if to == "dcs@st-helens.example" and "7.4d" in m["Subject"]:
        assert "was due on 2020-04-30" in body and "working days overdue" in body, body
        assert "Who else has been told: Executive Director People's Services (exec-dir-people)." in body, body
        assert "Lead officer: Executive Director People's Services" in body, body
        assert m.get_body(preferencelist=("html",)) is not None
PYEOF
ok "the batched reminder lists every action of the lead; an escalation names the lead and who else was told"

# Restart at the same instant: nothing new.
DRIFTWATCH_NOW=2021-02-15T09:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle after the restart"
stop_daemon
[ "$(mail_count)" -eq 32 ] || fail "a restart at the same instant sent $(($(mail_count) - 32)) more"
ok "a restart at the same instant sends nothing"

# 2021-02-24: 3wd before due, the same ten lead officers again.
run_at 2021-02-24T09:00 42
[ "$(new_mail | grep -c Reminders)" -eq 4 ] || fail "2021-02-24: want 4 batched reminders"
ok "2021-02-24: the 3wd reminders (10 messages)"

# 2021-03-01, the first working day after due_on: each lead officer and their manager.
run_at 2021-03-01T09:00 135
new_mail | cut -f1 | sort | uniq -c | awk '{print $2, $1}' >"$T/got"
cat >"$T/want" <<EOF
ad-csc@st-helens.example 31
ad-education-health@st-helens.example 1
chief-nurse@nhs-merseyside.example 1
dcs@st-helens.example 35
dph@st-helens.example 1
exec-dir-people@st-helens.example 3
portfolio-lead@st-helens.example 1
psw@st-helens.example 9
sad-safeguarding@st-helens.example 10
scrutineer@scrutiny.example 1
EOF
diff "$T/want" "$T/got" >"$T/diff" || fail "recipients at 2021-03-01 differ: $(cat "$T/diff")"
ok "2021-03-01: escalation 1 to the 47 actions' leads and managers (93 messages, per recipient)"

# 2.1 is completed on 10 March: its ladder stops.
DRIFTWATCH_NOW=2021-03-10T12:00 ctl actions progress $PLAN 2.1 --note "Audit done" --on 2021-03-10 --complete >/dev/null ||
	fail "actions progress"
run_at 2021-03-15T09:00 256
new_mail >"$T/got"
cut -f1 "$T/got" | sort | uniq -c | awk '{print $2, $1}' >"$T/counts"
cat >"$T/want" <<EOF
ad-csc@st-helens.example 30
ad-education-health@st-helens.example 1
dcs@st-helens.example 39
exec-dir-people@st-helens.example 32
psw@st-helens.example 9
sad-safeguarding@st-helens.example 10
EOF
diff "$T/want" "$T/counts" >"$T/diff" || fail "recipients at 2021-03-15 differ: $(cat "$T/diff")"
grep -q " 2.1:" "$T/got" && fail "the completed action 2.1 was escalated"
ok "2021-03-15: escalation 2 to manager+1, copying who was told before; nothing for the completed 2.1"

$PY - "$T/mail" <<'PYEOF' || fail "escalation 2 content"
import email, email.policy, glob, sys
found = 0
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    if m["Subject"].endswith(" 1.1a: escalation 2") and m["To"].addresses[0].addr_spec == "exec-dir-people@st-helens.example":
        body = m.get_body(preferencelist=("plain",)).get_content()
        assert "11 working days overdue" in body, body
        assert "You receive this as: manager+1." in body, body
        assert "Who else has been told: Assistant Director Education & Children's Health (ad-education-health), Director of Children's Services (dcs)." in body, body
        found += 1
assert found == 1, found
PYEOF
ok "escalation 2 says how long overdue and who else has been told"

ctl explain action $PLAN 2.1 --at 2021-03-15 >"$T/explain"
grep -q "RAG at 2021-03-15: Blue" "$T/explain" || fail "explain: 2.1 not Blue: $(cat "$T/explain")"
grep -q "escalation 2.*not sent (the action was completed)" "$T/explain" || fail "explain: ladder not stopped"
grep -q "escalation 1  to ad-csc .*sent 2021-03-01" "$T/explain" || fail "explain: level 1 not shown sent"
ok "explain shows sent notices with their time and the stopped ladder"

DRIFTWATCH_NOW=2021-03-15T09:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle after the restart"
stop_daemon
[ "$(mail_count)" -eq 256 ] || fail "a restart at 2021-03-15 sent $(($(mail_count) - 256)) more"
ok "a restart at 2021-03-15 sends nothing twice"

# Re-import with 1.1a re-dated: one change, audited; the notices already sent stay in the outbox.
rows=$(ctl outbox list | wc -l)
sed 's/^\(st-helens-ilacs-2020,1\.1a,.*\),2021-02-28,March 2020/\1,2021-03-31,March 2020/' \
	"$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >"$T/redated.csv"
DRIFTWATCH_NOW=2021-03-15T10:00 ctl import actions "$T/redated.csv" >"$T/out" || fail "re-import"
grep -q "58 actions: 0 added, 1 changed, 57 unchanged, 0 completed" "$T/out" || fail "re-import summary: $(cat "$T/out")"
ctl audit 1.1a | grep -q 'due_on: "2021-02-28" -> "2021-03-31"' || fail "the change is not in the audit trail"
[ "$(ctl outbox list | wc -l)" -eq "$rows" ] || fail "re-import changed the outbox"
DRIFTWATCH_NOW=2021-03-15T10:00 ctl explain action $PLAN 1.1a >"$T/explain"
grep -q "2021-03-17  reminder   1  to ad-education-health .*to come" "$T/explain" || fail "1.1a not re-planned: $(cat "$T/explain")"
grep -q "RAG at 2021-03-15: Amber" "$T/explain" || fail "1.1a should be Amber after re-dating"
ok "a re-import updates by (plan, ref), audits the change, keeps the outbox, and re-plans the new due date"
# The lead officer's expected date from driftwatchctl: stored and shown, refused with --complete.
DRIFTWATCH_NOW=2021-03-15T10:00 ctl actions progress $PLAN 1.1a --expected 2021-06-30 >"$T/exp" || fail "actions progress --expected"
grep -q "expected by 2021-06-30" "$T/exp" || fail "no expected date: $(cat "$T/exp")"
ctl actions list --json | /usr/bin/python3 -c 'import json,sys; a=[x for x in json.load(sys.stdin) if x["ref"]=="1.1a"]; assert a[0]["expected_on"]=="2021-06-30", a' ||
	fail "actions list --json has no expected_on"
DRIFTWATCH_NOW=2021-03-15T10:00 ctl actions progress $PLAN 1.1a --expected 2021-07-01 --complete >/dev/null 2>&1 &&
	fail "--expected with --complete accepted"
ok "actions progress --expected records the expected date; refused with --complete"

# The action's next notice (its reminder of 2021-03-17, batched: the batch line) carries the lead
# officer's expected date, in the text and the HTML.
DRIFTWATCH_NOW=2021-03-17T09:00 start_daemon_ready
wait_settled 10 || fail "the outbox did not settle at 2021-03-17"
stop_daemon
/usr/bin/python3 - "$T/mail" <<'PYEOF' || fail "no notice of 1.1a carries 'Expected by 2021-06-30'"
import email, email.policy, glob, sys
for f in glob.glob(sys.argv[1] + "/*.eml"):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    text = m.get_body(preferencelist=("plain",)).get_content()
    html = m.get_body(preferencelist=("html",)).get_content()
    if "1.1a" in text and "Expected by 2021-06-30" in text and "Expected by 2021-06-30" in html:
        sys.exit(0)
sys.exit(1)
PYEOF
ok "the action's next notice carries 'Expected by' in its text and HTML"
finish
