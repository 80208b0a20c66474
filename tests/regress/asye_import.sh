#!/bin/sh
# ASYE records: the workforce, protected time and supervisions imports, and `asye time|supervision|
# review|reflection|pause` by hand. Bad input (unknown person, negative hours, more hours than contracted, a
# date before the ASYE started) is refused with FILE:LINE:COLUMN, exit 65, nothing changed.
# Also: asye list, caseloads --over --json, and a pause moving the programme dates.
. "$(dirname "$0")/lib.sh"

write_config </dev/null
export DRIFTWATCH_NOW=2023-03-13T09:00

# A bad workforce file: every problem reported, nothing imported.
cat >"$T/bad-workforce.csv" <<'EOF'
person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload
P001,Alex Example,alex@council.example,asye,North,tm@council.example,,37,12
P002,Bo Example,bo-at-council,asye,North,tm@council.example,2023-01-09,-5,x
P001,Alex Again,alex@council.example,social-worker,North,tm@council.example,,37,3
EOF
ctl import workforce "$T/bad-workforce.csv" >/dev/null 2>"$T/err"
[ $? -eq 65 ] || fail "a bad workforce file must exit 65"
grep -q "bad-workforce.csv:2:70: asye_started_on: missing for role asye" "$T/err" || fail "missing start: $(cat "$T/err")"
grep -q "bad-workforce.csv:3:17: email: \"bo-at-council\" is not an email address" "$T/err" || fail "bad email: $(cat "$T/err")"
grep -q "bad-workforce.csv:3:72: contracted_hours: -5 hours is negative" "$T/err" || fail "negative hours: $(cat "$T/err")"
grep -q "bad-workforce.csv:3:75: caseload: \"x\" is not a count of cases" "$T/err" || fail "bad caseload: $(cat "$T/err")"
grep -q "bad-workforce.csv:4:1: person_id: P001 already on line 2" "$T/err" || fail "duplicate: $(cat "$T/err")"
[ "$(ctl caseloads --json)" = "[]" ] || fail "a bad workforce file imported something"
ok "a bad workforce file: every error with line and column, exit 65, nothing imported"

cat >"$T/workforce.csv" <<'EOF'
person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload
P001,Alex Example,alex@council.example,asye,North,tm@council.example,2023-01-09,37,12
P002,Bo Example,bo@council.example,asye,North,tm@council.example,2023-01-09,22.5,19
P003,Cy Example,cy@council.example,social-worker,South,tm2@council.example,,37,23
P004,Di Example,di@council.example,social-worker,South,tm2@council.example,,37,21
EOF
ctl import workforce "$T/workforce.csv" >"$T/out" || fail "import workforce"
grep -q "4 workers imported" "$T/out" || fail "import summary: $(cat "$T/out")"
ok "a good workforce file imports"

# Protected time: one crafted file per kind of error.
check_bad() { # FILE-KIND CONTENT EXPECTED-MESSAGE
	printf "$2" >"$T/$1.csv"
	ctl import "$3" "$T/$1.csv" >/dev/null 2>"$T/err"
	[ $? -eq 65 ] || fail "$1: want exit 65"
	grep -q -- "$4" "$T/err" || fail "$1: want \"$4\", got: $(cat "$T/err")"
	grep -q "nothing imported" "$T/err" || fail "$1: does not say nothing was imported"
}
check_bad unknown 'person_id,week_of,hours\nP001,2023-02-06,3.7\nP999,2023-02-06,3.7\n' protected-time \
	'unknown.csv:3:1: person_id: unknown person "P999"'
check_bad negative 'person_id,week_of,hours\nP001,2023-02-06,3.7\nP001,2023-02-13,-1\n' protected-time \
	'negative.csv:3:17: hours: -1 hours is negative'
check_bad toomany 'person_id,week_of,hours\nP002,2023-02-06,23\n' protected-time \
	"toomany.csv:2:17: hours: 23 hours is more than P002's contracted 22.5 hours a week"
check_bad before 'person_id,week_of,hours\nP001,2022-12-26,3.7\n' protected-time \
	"before.csv:2:6: week_of: week of 2022-12-26 is before P001's ASYE started (2023-01-09)"
check_bad notasye 'person_id,week_of,hours\nP003,2023-02-06,3.7\n' protected-time \
	'notasye.csv:2:6: week_of: P003 is not an ASYE'
check_bad supbefore 'person_id,held_on\nP001,2023-01-06\n' supervisions \
	"supbefore.csv:2:6: held_on: held_on 2023-01-06 is before P001's ASYE started (2023-01-09)"
check_bad supfuture 'person_id,held_on\nP001,2023-03-20\n' supervisions \
	'supfuture.csv:2:6: held_on: held_on 2023-03-20 is in the future'
ctl explain worker P001 | grep -q "protected time 0.0 h of 14.8 h" || fail "a bad file changed the protected time"
ctl explain worker P001 | grep -q "last supervision -" || fail "a bad file changed the supervisions"
ok "bad protected time and supervision files: line and column, exit 65, nothing imported"

# The same checks by hand.
bad_ctl() { # EXPECTED ARGS...
	want=$1
	shift
	ctl asye "$@" >/dev/null 2>"$T/err"
	[ $? -eq 65 ] || fail "asye $*: want exit 65"
	grep -q -- "$want" "$T/err" || fail "asye $*: want \"$want\", got: $(cat "$T/err")"
}
bad_ctl 'unknown person "P999"' time P999 2023-02-06 3
bad_ctl '-2 hours is negative; nothing changed' time P001 2023-02-06 -2
bad_ctl "40 hours is more than P001's contracted 37 hours a week" time P001 2023-02-06 40
bad_ctl "week of 2023-01-02 is before P001's ASYE started (2023-01-09)" time P001 2023-01-02 3
bad_ctl "supervision 2023-01-02 is before P001's ASYE started" supervision P001 2023-01-02
bad_ctl "review 2023-01-02 is before P001's ASYE started" review P001 2023-01-02
bad_ctl "the pause starts before the ASYE started" pause P001 2023-01-02 2023-02-01
bad_ctl 'unknown person "P999"' supervision P999 2023-02-06
bad_ctl 'asye reflection: unknown person "P999"' reflection P999 2023-02-06
bad_ctl "critical reflection 2023-01-02 is before P001's ASYE started (2023-01-09); nothing changed" reflection P001 2023-01-02
bad_ctl "critical reflection 2023-03-14 is in the future; nothing changed" reflection P001 2023-03-14
bad_ctl "P003 is not an ASYE (no asye_started_on in the workforce); nothing changed" reflection P003 2023-02-06
bad_ctl '"13/03/2023" is not a date' reflection P001 13/03/2023
[ "$(ctl audit P001 | grep -c asye-)" -eq 0 ] || fail "a refused command left an audit entry"
ctl explain worker P001 | grep -q "critical reflections held 0 of 2; next 2023-07-09" ||
	fail "a refused reflection changed something: $(ctl explain worker P001)"
ok "asye time|supervision|review|reflection|pause refuse bad input with a clear message, exit 65"

printf 'person_id,week_of,hours\nP001,2023-02-13,3.7\nP001,2023-02-22,3.7\nP001,2023-02-27,3.7\nP002,2023-02-13,2.25\n' >"$T/time.csv"
ctl import protected-time "$T/time.csv" | grep -q "4 weeks of protected time imported" || fail "import protected-time"
ctl asye time P001 2023-03-08 3.7 | grep -q "week of 2023-03-06: 3.7 hours" || fail "asye time does not take the week's Monday"
ctl asye supervision P001 2023-03-10 >/dev/null || fail "asye supervision"
ctl explain worker P001 | grep -q "protected time 14.8 h of 14.8 h" || fail "P001 should be up to date: $(ctl explain worker P001)"
ctl asye list --behind | grep -q "^P001" && fail "P001 listed as behind"
ctl asye list --behind | grep -q "^P002" || fail "P002 not listed as behind"
ok "good records import; asye list --behind shows only who is behind"

$PY - "$(ctl caseloads --over --json)" <<'PYEOF' || fail "caseloads --over --json"
import json, sys
rows = json.loads(sys.argv[1])
got = sorted((r["person_id"], r["caseload"], r["limit"], r["state"]) for r in rows)
assert got == [("P002", 19, 18, "over"), ("P003", 23, 22, "over")], got
PYEOF
ctl caseloads | grep "^P004" | grep -q "above target" || fail "P004 (21) is above the target of 20"
ok "caseloads --over: the ASYE above 18 and the social worker above 22"

# A pause of 31 days moves review point 1 (9 April) to 10 May, and the end on.
ctl asye pause P001 2023-03-01 2023-03-31 >/dev/null || fail "asye pause"
ctl explain worker P001 | grep -q "ASYE 2023-01-09 to 2024-02-09 (1 pauses)" || fail "pause: $(ctl explain worker P001)"
ctl explain worker P001 | grep -q "next 2023-05-10" || fail "pause did not move the review point"
ctl audit P001 | grep -q "asye-pause" || fail "the pause is not audited"
ok "a pause moves the programme dates on, and is audited"

# asye list --json gives the same next review point as explain (each date in its own buffer).
[ "$(ctl asye list --json | $PY -c 'import json,sys; print([r["next_review"] for r in json.load(sys.stdin) if r["person_id"] == "P001"][0])')" = 2023-05-10 ] ||
	fail "asye list --json next_review: $(ctl asye list --json)"
ok "asye list --json gives the next review point, as explain does"

# Critical reflections: the pause moved reflection 1 (9 July) to 9 August; one recorded covers it,
# and the next is reflection 2 (9 January 2024 + 31 days); audited. A review does not stand for one.
next_reflection() {
	ctl asye list --json | $PY -c 'import json,sys; print([r["next_reflection"] for r in json.load(sys.stdin) if r["person_id"] == "P001"][0])'
}
[ "$(next_reflection)" = 2023-08-09 ] || fail "next_reflection after the pause: $(ctl asye list --json)"
ctl asye review P001 2023-03-10 >/dev/null || fail "asye review"
[ "$(next_reflection)" = 2023-08-09 ] || fail "a review counted as a reflection"
ctl asye reflection P001 2023-03-10 | grep -q "P001: critical reflection held on 2023-03-10" || fail "asye reflection"
[ "$(next_reflection)" = 2024-02-09 ] || fail "next_reflection after one held: $(ctl asye list --json)"
ctl explain worker P001 | grep -q "critical reflections held 1 of 2; next 2024-02-09" || fail "explain: $(ctl explain worker P001)"
ctl asye list | grep "^P001" | grep -q "2024-02-09" || fail "asye list lacks the next reflection: $(ctl asye list)"
ctl audit P001 | grep -q "asye-reflection.*critical reflection held on 2023-03-10" || fail "the reflection is not audited"
ctl asye reflection P001 2023-03-10 | grep -q "(already recorded)" || fail "a repeat does not say it is already recorded"
[ "$(ctl audit P001 | grep -c asye-reflection)" -eq 1 ] || fail "a repeat that changed nothing was audited"
ok "asye reflection records one (the k-th for the k-th point), shown in asye list and explain, audited once"

ctl explain worker P002 --at 2023-04-11 >"$T/explain"
grep -q "review-missed (escalation): review point 1 (3m) passed on 2023-04-09" "$T/explain" || fail "explain: $(cat "$T/explain")"
grep -q "to head of service (role head-of-service): no email" "$T/explain" || fail "explain lacks the missing email: $(cat "$T/explain")"
grep -q "NOT SENT: role head-of-service has no email" "$T/explain" || fail "explain does not say why not sent"
ok "explain worker --at names the missing head of service email"
finish
