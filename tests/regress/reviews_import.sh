#!/bin/sh
# driftwatchctl's review imports and commands as an admin meets them: the fake SSDA903 extract is
# refused by default (exit 65, nothing imported) and imported with --no-strict, every row accounted
# for; bad permanence rows are named FILE:LINE:COLUMN and nothing is imported; review and
# permanence record refuse what cannot be true; explain child shows the schedule.
. "$(dirname "$0")/lib.sh"

write_config </dev/null
export DRIFTWATCH_NOW=2018-06-01T10:00
ctl import ssda903 "$TOP/etc/samples/ssda903-fake" >"$T/out" 2>"$T/err"
[ $? -eq 65 ] || fail "strict import of the fake extract: want exit 65"
grep -q "nothing imported (--no-strict imports the rest and skips these)" "$T/err" || fail "strict message: $(tail -2 "$T/err")"
[ "$(ctl children list | tail -n 1)" = "0 children" ] || fail "strict import left children behind"
ok "strict refuses the fake extract and imports nothing"

ctl import ssda903 --no-strict "$TOP/etc/samples/ssda903-fake" >"$T/out" 2>"$T/err" || fail "--no-strict import failed"
$PY - "$T/out" <<'PYEOF' || fail "the summary does not account for every row: $(cat "$T/out")"
import re, sys
text = open(sys.argv[1]).read()
want = {"header.csv": 2675, "episodes.csv": 5050, "reviews.csv": 12582}
for name, rows in want.items():
    line = [l for l in text.splitlines() if ("/" + name + ":") in l][0]
    n = int(re.search(r": (\d+) rows:", line).group(1))
    used = int(re.search(r"(\d+) used", line).group(1))
    unused = sum(int(x) for x in re.findall(r"(\d+) not used", line))
    skipped = int(re.search(r"(\d+) skipped", line).group(1))
    reasons = sum(int(x) for x in re.findall(r"(?:\(|, )(\d+) [a-zA-Z]", line.split("skipped", 1)[1]))
    assert n == rows == used + unused + skipped, line
    assert reasons == skipped, line
assert "not read: placed_for_adoption.csv, previous_permanence.csv, sw_episodes.csv" in text
PYEOF
[ "$(grep -c '(row skipped)$' "$T/err")" -eq "$(grep -vc 'DRIFTWATCH_NOW=' "$T/err")" ] || fail "stderr holds more than skipped rows"
grep -q "episodes.csv:47:35: REC E4B ends the period of care but DEC is empty (row skipped)" "$T/err" || fail "a skipped row is not named"
ok "--no-strict imports the fake extract, every row of each file accounted for"

printf 'case_ref,plan,agreed_on\n10301,adoption,2018-05-01\nNOPE,kinship,2018-05-01\n10301,fostering,2018-05-01\n10301,other,2018-13-01\n' >"$T/plans.csv"
ctl import permanence "$T/plans.csv" >"$T/out" 2>"$T/err"
[ $? -eq 65 ] || fail "bad permanence file: want exit 65"
grep -q "plans.csv:3:1: case_ref: \"NOPE\" has no period of care" "$T/err" || fail "unknown case: $(cat "$T/err")"
grep -q "plans.csv:4:7: plan: \"fostering\" is not a plan" "$T/err" || fail "bad plan: $(cat "$T/err")"
grep -q "plans.csv:5:13: agreed_on" "$T/err" || fail "bad date: $(cat "$T/err")"
ctl explain child 10301 | grep -q "permanence plan: none recorded" || fail "a refused file imported a plan"
ok "bad permanence rows named with line and column; nothing imported"

ctl review record 10301 2018-07-01 2>"$T/err"; [ $? -eq 65 ] || fail "a future review was accepted"
ctl review record 10301 2010-07-01 2>"$T/err"; [ $? -eq 65 ] || fail "a review before care was accepted"
grep -q "was not looked after on 2010-07-01" "$T/err" || fail "message: $(cat "$T/err")"
ctl permanence record 10301 fostering 2018-05-01 2>/dev/null; [ $? -eq 65 ] || fail "a bad plan was accepted"
ctl review record 10301 2018-05-30 --brought-forward | grep -q "next review 7 due 2018-11-30" || fail "review record"
ctl explain child 10301 >"$T/explain"
grep -q "review 6: due 2018-10-03, held 2018-05-30 (on time, brought forward)" "$T/explain" || fail "explain: $(cat "$T/explain")"
grep -q "allocation: none" "$T/explain" || fail "explain does not say the case has no allocation"
ok "review record and permanence record refuse what cannot be true; explain shows the schedule"
finish
