#!/bin/sh
# IRO disputes, bad input: each kind of bad row in the allocations and disputes imports is reported
# as FILE:LINE:COLUMN with exit 65 and nothing imported; bad ctl commands (unknown case, unknown
# category, stage not in the ladder, resolving twice, usage) exit 65/64 and change nothing.
. "$(dirname "$0")/lib.sh"

printf '[role "dcs"]\nemail = dcs@council.example\n' | write_config
H=case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email

# expect_import KIND FILE PATTERN: exit 65, the message, nothing imported.
expect_import() {
	ctl import "$1" "$T/$2" >/dev/null 2>"$T/err"
	rc=$?
	[ $rc -eq 65 ] || fail "$2: exit $rc, want 65"
	grep -q -- "$3" "$T/err" || fail "$2: want \"$3\", got: $(cat "$T/err")"
	[ -z "$(ctl audit "$1" 2>/dev/null)" ] || fail "$2: something was imported"
}

printf '%s\nCR-1,North,Sam,sam@council.example,Tess,tess-at-council,Ian,ian@council.example\n' "$H" >"$T/a_email.csv"
expect_import allocations a_email.csv "a_email.csv:2:41: team_manager_email: \"tess-at-council\" is not an email address"
printf '%s\n,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/a_case.csv"
expect_import allocations a_case.csv "a_case.csv:2:1: case_ref: missing"
printf '%s\nCR-1,North,,,,,,\nCR-1,South,,,,,,\n' "$H" >"$T/a_dup.csv"
expect_import allocations a_dup.csv "a_dup.csv:3:1: case_ref: CR-1 is already allocated on line 2"
printf 'case_ref,team\nCR-1,North\n' >"$T/a_cols.csv"
expect_import allocations a_cols.csv "a_cols.csv:1:1: .*social_worker"
printf '%s\nCR 1 Jane,North,,,,,,\n' "$H" >"$T/a_ref.csv"
expect_import allocations a_ref.csv "a_ref.csv:2:1: case_ref: \"CR 1 Jane\" is not a case reference"
ok "allocations: every kind of bad row is FILE:LINE:COLUMN, exit 65, nothing imported"

printf '%s\nCR-1,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/alloc.csv"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "good allocations"

D=id,case_ref,iro_email,category,raised_on,stage,stage_started_on,resolved_on,outcome
printf '%s\n1,CR-1,ian@council.example,drift,2022-05-03,1,2022-05-03,,\n' "$D" >"$T/d_cat.csv"
expect_import disputes d_cat.csv "d_cat.csv:2:28: category: unknown category \"drift\""
printf '%s\n1,CR-1,ian@council.example,permanence,2022-05-03,5,2022-05-03,,\n' "$D" >"$T/d_stage.csv"
expect_import disputes d_stage.csv "d_stage.csv:2:50: stage: \"5\" is not in the ladder"
printf '%s\n1,CR-404,ian@council.example,permanence,2022-05-03,1,2022-05-03,,\n' "$D" >"$T/d_case.csv"
expect_import disputes d_case.csv "d_case.csv:2:3: case_ref: unknown case \"CR-404\""
printf '%s\n1,CR-1,ian@council.example,permanence,2022-05-03,1,2022-05-03,2022-05-10,\n' "$D" >"$T/d_outcome.csv"
expect_import disputes d_outcome.csv "d_outcome.csv:2:74: outcome: missing"
printf '%s\n1,CR-1,ian@council.example,permanence,2022-05-03,1,2022-05-03,,\n1,CR-1,ian@council.example,other,2022-05-04,1,2022-05-04,,\n' "$D" >"$T/d_dup.csv"
expect_import disputes d_dup.csv "d_dup.csv:3:1: id: 1 is already on line 2"
printf '%s\n1,CR-1,ian@council.example,permanence,2022-02-30,1,2022-05-03,,\n' "$D" >"$T/d_date.csv"
expect_import disputes d_date.csv "d_date.csv:2:39: raised_on: \"2022-02-30\" is not a date"
ok "disputes import: every kind of bad row is FILE:LINE:COLUMN, exit 65, nothing imported"

# A good tracker: one open at stage 2, one resolved.
printf '%s\n11,CR-1,ian@council.example,drift-and-delay,2022-05-03,2,2022-05-10,,\n12,CR-9,ian@council.example,contact,2022-04-01,informal,2022-04-01,2022-04-20,agreed\n' "$D" >"$T/d_good.csv"
ctl import disputes "$T/d_good.csv" >/dev/null || fail "good disputes import"
[ "$(ctl dispute list --open --json | $PY -c 'import json,sys; print([d["id"] for d in json.load(sys.stdin)])')" = "[11]" ] ||
	fail "list --open: $(ctl dispute list --open)"
ctl import disputes "$T/d_good.csv" >/dev/null 2>"$T/err"
[ $? -eq 65 ] && grep -q "dispute 11 is already in driftwatch" "$T/err" || fail "re-import must be refused"
ok "a good tracker imports; importing it again is refused"

before=$(ctl dispute list --json)
r() { DRIFTWATCH_NOW=2022-06-01T10:00 ctl dispute "$@" >/dev/null 2>"$T/err"; }
expect() { # CODE PATTERN
	rc=$?
	[ $rc -eq "$1" ] || fail "exit $rc, want $1 ($(cat "$T/err"))"
	grep -q -- "$2" "$T/err" || fail "want \"$2\", got: $(cat "$T/err")"
}
r raise CR-404 --iro ian@council.example --category permanence; expect 65 'unknown case "CR-404"'
r raise CR-1 --iro ian@council.example --category drifting; expect 65 'unknown category "drifting"'
r raise CR-1 --iro ian@council.example --category permanence --stage 9; expect 65 'stage "9" is not in the ladder (informal, 1, 2, 3, 4)'
r raise CR-1 --iro "Ian <ian@council.example>" --category permanence; expect 65 'is not an email address'
r raise CR-1 --category permanence; expect 64 'usage: driftwatchctl dispute raise'
r escalate 11 --to 9; expect 65 'stage "9" is not in its ladder'
# By 1 June the ladder has moved dispute 11 from stage 2 up to 4 (the daemon would have): the command
# acts on that, and its refusal rolls the catch-up back with everything else.
r escalate 11 --to 1; expect 65 'stage 1 is not above the current stage 4'
r escalate 11 --on 2022-05-09; expect 65 "an escalation cannot predate the stage's start (2022-05-10)"
r cafcass 11 --on 2022-05-02 --note early; expect 65 "a Cafcass referral cannot predate the dispute (raised 2022-05-03)"
r respond 99 --note x; expect 65 'dispute 99: no such dispute'
r resolve 12 --outcome again; expect 65 'already resolved on 2022-04-20'
r escalate 12; expect 65 'cannot escalate: it was already resolved'
r bogus; expect 64 'unknown subcommand "bogus"'
[ "$(ctl dispute list --json)" = "$before" ] || fail "a refused command changed a dispute"
ok "bad commands: clear errors, exit 65 (64 for usage), nothing changed"

# The imported dispute at stage 2 runs on: explain shows its ladder and what comes next.
DRIFTWATCH_NOW=2022-05-12T10:00 ctl explain dispute 11 >"$T/explain" || fail "explain"
grep -q "2         head-of-service      5wd  current: started 2022-05-10, due 2022-05-17" "$T/explain" || fail "explain: $(cat "$T/explain")"
grep -q "3         assistant-director   5wd  if no response: from 2022-05-18, due 2022-05-25" "$T/explain" || fail "explain projection"
grep -q "NOT SENT: role head-of-service has no email" "$T/explain" || fail "explain does not say a role lacks an email"
ok "explain: the ladder with dates, what comes next, and a missing email said plainly"

# The daemon was down: stage 2 expired on 17 May, so on 18 May the ladder moved it to stage 3. The
# IRO's escalation dated 19 May catches the ladder up first and takes it from 3 to 4, as it would
# have with the daemon running.
DRIFTWATCH_NOW=2022-06-01T10:00 ctl dispute escalate 11 --on 2022-05-19 --note "not satisfied" >"$T/out" 2>/dev/null ||
	fail "escalate --on after a missed move up"
grep -q "escalated to stage 4" "$T/out" || fail "escalate did not catch the ladder up first: $(cat "$T/out")"
ctl dispute show 11 | grep -q "stage:       4 (dcs), started 2022-05-19" || fail "show: $(ctl dispute show 11)"
ok "a dispute command dated after a missed move up applies the move first, then itself"

finish
