#!/bin/sh
# The first-start hold: the St Helens plan imported late, on a fresh database "today" (2026-12-07),
# has every action years overdue. The first start holds its overdue escalations (more than
# first_start_hold = 50): none delivered, the count logged, the admin told once with the count and
# the command; a reminder before a due date still goes out; `outbox list` and `status` show them
# held (and upcoming says so before the start); a restart keeps them held; `outbox release --rule`
# and `--all` send each one exactly once.
# With first_start_hold = 0 a first start sends the same escalations at once.
. "$(dirname "$0")/lib.sh"

NOW=2026-12-07T09:00
export DRIFTWATCH_NOW=$NOW
start_smtp
{ smtp_transport; grep -v '^email = dci@' "$TOP/etc/samples/st-helens-roles.ini"; } | write_config
cp "$T/dw.ini" "$T/base.ini"

# The sample plan plus one action due in eight working days: its reminder is not overdue.
cp "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" "$T/plan.csv"
printf '%s\n' 'st-helens-ilacs-2020,9.9,9,Late additions,A new finding,Publish the new practice standards,Director of Children'"'"'s Services,2026-11-01,2026-12-17,Dec 2026,standards published' >>"$T/plan.csv"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
ctl import actions "$T/plan.csv" >/dev/null || fail "import actions"

# Before the first start, upcoming says what the hold will keep (and writes nothing).
ctl upcoming --days 1 --json 2>/dev/null >"$T/up.json" || fail "upcoming"
up_held=$($PY -c 'import json, sys
d = json.load(open(sys.argv[1]))
held = [n for n in d["notices"] if n["held"]]
assert all(n["kind"] == "escalation" for n in held), held
assert [n["subject"] for n in d["notices"] if not n["held"]] == ["Improvement action st-helens-ilacs-2020 9.9 due 2026-12-17"], d
print(len(held))' "$T/up.json") || fail "upcoming before the first start: $(head -c 600 "$T/up.json")"

start_daemon
wait_log "overdue escalations held" 20 || fail "the first start did not hold its escalations"
held=$(ctl outbox list --state held 2>/dev/null | tail -n +2 | wc -l)
[ "$held" -gt 50 ] || fail "only $held held; the late plan has more than 50 overdue escalations"
grep -q "first start: $held overdue escalations held, more than first_start_hold (50)" "$T/daemon.log" ||
	fail "the log does not give the count ($held)"
[ "$(ctl outbox list --state held 2>/dev/null | tail -n +2 | awk '$3 != "escalation"' | wc -l)" -eq 0 ] ||
	fail "something other than an escalation is held"
[ "$up_held" -eq "$held" ] || fail "upcoming said $up_held would be held, the daemon held $held"
ok "first start: $held overdue escalations held, the count in the log, as upcoming said beforehand"

# The admin alert and the 9.9 reminder are delivered; nothing else is even claimable.
wait_until 20 sh -c "[ \$(ls $T/mail | grep -c '\.eml$') -ge 2 ]" || fail "want the alert and the reminder, got $(mail_count)"
wait_until 20 sh -c "DRIFTWATCH_NOW=$NOW $DWC -f $T/dw.ini status 2>/dev/null | grep -q ' 0 pending, 0 retry, 0 sending, $held held, 0 dead, 2 sent'" ||
	fail "status: $(ctl status 2>&1)"
[ "$(mail_count)" -eq 2 ] || fail "$(mail_count) messages delivered, want 2 (the alert and one reminder)"
f=$(mail_files_to admin@council.example)
[ -n "$f" ] || fail "the admin was not told"
grep -q "^Subject: driftwatch: first start: $held overdue escalations held" "$f" || fail "alert subject: $(grep ^Subject "$f")"
$PY - "$f" "$held" <<'PYEOF' || fail "the alert's text"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
body = m.get_body(preferencelist=("plain",)).get_content()
assert "found %s overdue escalations" % sys.argv[2] in body, body
assert "driftwatchctl outbox release --all" in body and "driftwatchctl outbox list --state held" in body, body
PYEOF
f=$(mail_files_to dcs@st-helens.example)
[ "$(echo "$f" | wc -w)" -eq 1 ] || fail "the DCS got $(echo "$f" | wc -w) messages before the release, want the one reminder"
grep -q "^Subject: Improvement action st-helens-ilacs-2020 9.9 due 2026-12-17" "$f" || fail "the reminder: $(grep ^Subject "$f")"
ok "none held is delivered; the admin is told with the count and the command; a reminder before its due date is sent"

ctl status >"$T/status" 2>/dev/null
grep -q "$held held by the first-start hold" "$T/status" || fail "status does not count the held: $(cat "$T/status")"
ctl status --json 2>/dev/null | $PY -c "import json,sys; d=json.load(sys.stdin); assert d['outbox']['held'] == $held, d['outbox']" ||
	fail "status --json does not count the held"
ok "status counts them (text and JSON)"

# A restart is not a first start: they stay held, nothing more is sent.
stop_daemon || fail "daemon exit"
start_daemon
wait_until 10 sh -c "DRIFTWATCH_NOW=$NOW $DWC -f $T/dw.ini status --json 2>/dev/null | grep -q '\"running\": true'" || fail "status after restart"
# The start is recorded before the first pass, which is where a first start would say so.
since_start() { tail -c +$((LOG_MARK + 1)) "$T/daemon.log"; }
since_start | grep -q "first start" && fail "a second start acted as a first start: $(since_start | grep 'first start')"
[ "$(ctl outbox list --state held 2>/dev/null | tail -n +2 | wc -l)" -eq "$held" ] || fail "a restart changed the held notices"
ok "a restart keeps them held"

# Held rows, as "recipient<TAB>subject", to compare with what arrives.
ctl outbox list --state held --json 2>/dev/null | $PY -c 'import json, sys
for r in json.load(sys.stdin): print("%s\t%s" % (r["recipient"], r["subject"]))' | LC_ALL=C sort >"$T/held"

# Release one action's escalations by rule, then the rest.
ctl outbox release --rule actions:escalate:st-helens-ilacs-2020:7.4d >"$T/out" 2>/dev/null || fail "release --rule"
one=$(sed -n 's/^\([0-9]*\) notices* released.*/\1/p' "$T/out")
[ "${one:-0}" -ge 1 ] || fail "release --rule: $(cat "$T/out")"
grep -q "; $((held - one)) still held" "$T/out" || fail "release --rule: $(cat "$T/out")"
wait_until 20 sh -c "[ \$(ls $T/mail | grep -c '\.eml$') -ge $((2 + one)) ]" || fail "the $one released by rule were not sent"
ctl outbox release --rule no-such-rule >/dev/null 2>&1
[ $? -eq 65 ] || fail "release of a rule that matches nothing should exit 65"
ctl outbox release --all >"$T/out" 2>/dev/null || fail "release --all"
grep -q "^$((held - one)) notices released" "$T/out" || fail "release --all: $(cat "$T/out")"
wait_until 30 sh -c "[ \$(ls $T/mail | grep -c '\.eml$') -ge $((held + 2)) ]" || fail "after release: $(mail_count) of $((held + 2))"
wait_until 20 sh -c "DRIFTWATCH_NOW=$NOW $DWC -f $T/dw.ini status 2>/dev/null | grep -q ' 0 held, 0 dead, $((held + 2)) sent'" ||
	fail "status after release: $(ctl status 2>&1)"
[ "$(mail_count)" -eq $((held + 2)) ] || fail "$(mail_count) messages, want $((held + 2))"
$PY - "$T/mail" <<'PYEOF' | LC_ALL=C sort >"$T/got"
import email, email.policy, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_bytes(open(f, "rb").read(), policy=email.policy.default)
    if m["Subject"].startswith("Overdue improvement action"):
        print("%s\t%s" % (m["To"].addresses[0].addr_spec, m["Subject"]))
PYEOF
diff "$T/held" "$T/got" >"$T/diff" || fail "what arrived is not what was held: $(head -n 20 "$T/diff")"
ok "release --rule then --all: each of the $held held escalations delivered exactly once"
stop_daemon || fail "daemon exit"

# first_start_hold = 0: a fresh database sends the same escalations at once, and no alert.
sed "s|^database = .*|database = $T/nohold.db|" "$T/base.ini" >"$T/dw.ini"
printf '[outbox]\nfirst_start_hold = 0\n' >>"$T/dw.ini"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
ctl import actions "$T/plan.csv" >/dev/null || fail "import actions"
before=$(mail_count)
start_daemon
wait_until 30 sh -c "[ \$(ls $T/mail | grep -c '\.eml$') -ge $((before + held + 1)) ]" ||
	fail "first_start_hold = 0: $(($(mail_count) - before)) sent, want $((held + 1))"
since_start | grep -q "overdue escalations held" && fail "first_start_hold = 0 still held"
[ "$(ctl outbox list --state held 2>/dev/null | tail -n +2 | wc -l)" -eq 0 ] || fail "first_start_hold = 0: rows held"
[ "$(mail_files_to admin@council.example | wc -l)" -eq 1 ] || fail "first_start_hold = 0 told the admin again"
ok "first_start_hold = 0: the $held escalations and the reminder go out at once, nothing held"
stop_daemon || fail "daemon exit"
finish
