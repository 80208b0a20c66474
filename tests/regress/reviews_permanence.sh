#!/bin/sh
# Looked-after reviews end to end with the real SMTP server: reminders before the second review
# (with the permanence reminder) to the social worker, team manager and IRO; a restart sends nothing
# twice; the second review recorded with no permanence plan raises ONE IRO dispute by itself; a
# re-import of the same extract raises nothing new; an overdue review escalates to the team manager
# and head of service; a child whose care ended gets nothing; a child with no allocation is skipped.
. "$(dirname "$0")/lib.sh"

start_smtp
{
	smtp_transport
	printf '[role "head-of-service"]\nemail = hos@council.example\n'
	printf '[role "assistant-director"]\nemail = ad@council.example\n'
	printf '[role "dcs"]\nemail = dcs@council.example\n'
} | write_config

# The extract: R1 looked after on Thursday 2 June 2022 (first review due 1 July, held 30 June;
# second due 30 September); R2 left care in August; R3 has no allocation.
mkdir -p "$T/x1" "$T/x2"
printf 'CHILD,SEX,DOB\nR1,1,01/01/2015\nR2,2,01/01/2016\nR3,1,01/01/2014\n' >"$T/x1/header.csv"
printf 'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n' >"$T/x1/episodes.csv"
printf 'R1,02/06/2022,S,C2,N1,U1,PR1,,,,,,\nR2,02/06/2022,S,C2,N1,U1,PR1,20/08/2022,E13,,,,\nR3,02/06/2022,S,C2,N1,U1,PR1,,,,,,\n' >>"$T/x1/episodes.csv"
printf 'CHILD,DOB,REVIEW,REVIEW_CODE\nR1,01/01/2015,30/06/22,PN1\nR2,01/01/2016,30/06/2022,PN1\nR3,01/01/2014,30/06/2022,PN1\n' >"$T/x1/reviews.csv"
cp "$T/x1/header.csv" "$T/x1/episodes.csv" "$T/x2/"
cp "$T/x1/reviews.csv" "$T/x2/reviews.csv"
printf 'R1,01/01/2015,28/09/2022,PN1\n' >>"$T/x2/reviews.csv"
cat >"$T/alloc.csv" <<'EOF'
case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
R1,Children in Care,Sam Worker,sw@council.example,Tess Manager,tm@council.example,Ira Reviewer,iro@council.example
R2,Children in Care,Sam Worker,sw@council.example,Tess Manager,tm@council.example,Ira Reviewer,iro@council.example
EOF

export DRIFTWATCH_NOW=2022-09-16T09:00
ctl import ssda903 "$T/x1" >"$T/import.out" 2>&1 || { cat "$T/import.out"; fail "import ssda903"; }
grep -q "3 children, 3 periods of care (0 began before the extract), 3 reviews held" "$T/import.out" || fail "import summary: $(cat "$T/import.out")"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
ok "extract and allocations imported"

# What each message is: "recipient|subject", one a line.
mails() {
	$PY - "$T/mail" <<'PYEOF'
import email, email.policy, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    rcpt = open(f[:-4] + ".rcpt").read().split("\n")[0]
    body = m.get_body(preferencelist=("plain",)).get_content()
    print("%s|%s|%s" % (rcpt, m["Subject"], " ".join(body.split())))
PYEOF
}

# 16 September: the 15wd reminder (from 9 September) and the permanence reminder (10wd before
# 30 September) are both in force: one batched message to each of SW, TM and IRO.
start_daemon_ready
wait_until 20 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c eml) -ge 3 ]" || fail "no reminders arrived"
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 3 ] || fail "want 3 messages, got $(mail_count): $(mails)"
[ "$(mail_recipients | tr '\n' ' ')" = "iro@council.example sw@council.example tm@council.example " ] ||
	fail "recipients: $(mail_recipients | tr '\n' ' ')"
mails >"$T/m1"
for who in sw tm iro; do
	grep "^$who@council.example|" "$T/m1" | grep -q "Review 2 for case R1 is due on 2022-09-30" || fail "$who: no review reminder: $(cat "$T/m1")"
	grep "^$who@council.example|" "$T/m1" | grep -q "Case R1 has no permanence plan recorded" || fail "$who: no permanence reminder"
done
grep -q "R2\|R3" "$T/m1" && fail "a child who left care or has no allocation was told about: $(cat "$T/m1")"
grep -q "no allocation (e.g. case R3)" "$T/daemon.log" || fail "the unallocated case was not warned about"
ok "review and permanence reminders batched to the social worker, team manager and IRO; R2 (left care) and R3 (no allocation) skipped"

stop_daemon || fail "daemon exit status"
start_daemon_ready
wait_settled 10 || fail "the outbox did not settle"
[ "$(mail_count)" -eq 3 ] || fail "a restart sent again: $(mail_count) messages"
stop_daemon
ok "a restart sends nothing twice"

# 28 September: the second review is recorded with no permanence plan: one dispute, raised by itself.
export DRIFTWATCH_NOW=2022-09-28T10:00
ctl review record R1 2022-09-28 >"$T/rec.out" || fail "review record"
grep -q "next review 3 due 2023-03-28" "$T/rec.out" || fail "review record: $(cat "$T/rec.out")"
start_daemon_ready
wait_log "permanence dispute .* raised" 10 || fail "no permanence dispute raised"
wait_settled 10 || fail "the outbox did not settle"
stop_daemon
[ "$(ctl dispute list | grep -c permanence)" -eq 1 ] || fail "disputes: $(ctl dispute list)"
[ "$(ctl audit R1 | grep -c permanence-dispute-raised)" -eq 1 ] || fail "audit: $(ctl audit R1)"
ctl explain child R1 | grep -q "permanence dispute 1 raised" || fail "explain: $(ctl explain child R1)"
mails >"$T/m2"
tail -n +4 "$T/m2" | grep -q "R1" || fail "no dispute notice was sent: $(cat "$T/m2")"
ok "second review with no plan: one permanence dispute raised and its notices sent ($(($(mail_count) - 3)) messages)"

# The extract again, now with the second review, twice: nothing new.
before=$(mail_count)
ctl import ssda903 "$T/x2" >"$T/import2.out" 2>&1 || fail "re-import: $(cat "$T/import2.out")"
ctl import ssda903 "$T/x2" >"$T/import3.out" 2>&1 || fail "re-import"
grep -q "0 children changed" "$T/import3.out" || fail "re-import changed something: $(cat "$T/import3.out")"
start_daemon_ready
wait_settled 10 || fail "the outbox did not settle"
stop_daemon
[ "$(ctl dispute list | grep -c permanence)" -eq 1 ] || fail "a re-import raised another dispute: $(ctl dispute list)"
[ "$(mail_count)" -eq "$before" ] || fail "a re-import sent $(($(mail_count) - before)) more messages"
ok "re-importing the same extract raises nothing new"

# A plan agreed later does not undo the dispute, and nothing more is raised.
ctl permanence record R1 adoption 2022-09-28 >/dev/null || fail "permanence record"
ctl children list --json | $PY -c 'import json,sys; d={c["case_ref"]: c for c in json.load(sys.stdin)}; assert d["R1"]["permanence_plan"]=="adoption", d; assert d["R2"]["left_care_on"]=="2022-08-20", d' ||
	fail "children list --json"
ok "children list --json shows the plan and who left care"

# 29 March 2023: review 3 (due 28 March) is overdue: the team manager and the head of service.
export DRIFTWATCH_NOW=2023-03-29T09:00
before=$(mail_count)
start_daemon_ready
wait_until 20 sh -c "grep -l 'Overdue looked-after review' $T/mail/*.eml 2>/dev/null | wc -l | grep -q '^2$'" ||
	fail "overdue notices: $(mails | grep Overdue)"
wait_settled 10 || fail "the outbox did not settle"
stop_daemon
mails | grep "|Overdue looked-after review (due 2023-03-28)|.* for case R1 was due on 2023-03-28" | cut -d"|" -f1 | sort | tr "\n" " " >"$T/over"
[ "$(cat "$T/over")" = "hos@council.example tm@council.example " ] || fail "overdue recipients: $(cat "$T/over")"
ctl children list --overdue | grep -q "^R1 " || fail "children list --overdue: $(ctl children list --overdue)"
ok "an overdue review escalates to the team manager and head of service"

# A week later the overdue notice repeats, once.
export DRIFTWATCH_NOW=2023-04-05T09:00
start_daemon_ready
wait_until 20 sh -c "grep -l 'Overdue looked-after review' $T/mail/*.eml 2>/dev/null | wc -l | grep -q '^4$'" ||
	fail "the overdue notice did not repeat"
wait_settled 10 || fail "the outbox did not settle"
stop_daemon
[ "$(grep -l 'Overdue looked-after review' "$T"/mail/*.eml | wc -l)" -eq 4 ] || fail "repeat count"
ok "the overdue notice repeats weekly"
finish
