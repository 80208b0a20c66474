#!/bin/sh
# The digest's IRO disputes figures on a history small enough to count by hand: twelve disputes
# from December 2022 to May 2023, each change recorded with driftwatchctl on its own day (--on, and
# DRIFTWATCH_NOW that day so nothing else falls due), and one moved up to the DCS by the daemon when
# its deadline passed unanswered. `digest preview` for May 2023 (April beside
# it), April (March beside it), February (January) and January (December 2022) must give exactly
# the counts below: opened, resolved, open at month end and by stage (from the history, as at the
# month's end), median and 90th percentile working days to resolve (bank holidays skipped),
# % about drift and delay, reaching the DCS this month and this calendar year, Cafcass referrals.
. "$(dirname "$0")/lib.sh"

{
	printf '[role "head-of-service"]\nemail = hos@council.example\n'
	printf '[role "assistant-director"]\nemail = ad@council.example\n'
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[role "iro-manager"]\nemail = iro-manager@council.example\n'
} | write_config

{
	echo case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
	for n in 01 02 03 04 05 06 07 08 09 10 11 12; do
		echo "CR-20$n,North,Sam Worker,sam@council.example,Tess Manager,tess@council.example,Ian Reviewer,ian@council.example"
	done
} >"$T/alloc.csv"
DRIFTWATCH_NOW=2022-11-30T09:00 ctl import allocations "$T/alloc.csv" >/dev/null 2>"$T/err" ||
	fail "import allocations: $(cat "$T/err")"

# on DATE ARGS...: driftwatchctl ARGS --on DATE, run that day (so the ladder fires nothing later).
on() {
	_day=$1
	shift
	DRIFTWATCH_NOW=${_day}T10:00 ctl "$@" --on "$_day" >"$T/out" 2>"$T/err" ||
		fail "$* --on $_day: $(cat "$T/err")"
}

# raise ID CASE CATEGORY STAGE DATE: the dispute must get the number ID.
raise() {
	on "$5" dispute raise "$2" --iro ian@council.example --category "$3" --stage "$4"
	grep -q "^dispute $1 raised$" "$T/out" || fail "raise $2: $(cat "$T/out"), want dispute $1"
}

# The history. Default ladder: informal, 1, 2, 3, 4; team manager, team manager, head of service,
# assistant director, DCS; 5 working days each. Every stage that stays open past its deadline has a
# response recorded first (the clock stops), so the daemon moves nothing up but D12.
# Bank holidays in range: 26, 27 Dec 2022; 2 Jan, 7, 10 Apr, 1, 8, 29 May 2023.

# D1 (last year): raised at stage 3 on Thu 1 Dec 2022, escalated to 4 (the DCS) on Mon 5 Dec,
# resolved Fri 9 Dec: 2, 5, 6, 7, 8, 9 Dec = 6 working days.
raise 1 CR-2001 placement 3 2022-12-01
on 2022-12-05 dispute escalate 1 --to 4
on 2022-12-09 dispute resolve 1 --outcome "placement stabilised"
# D2: raised at stage 1 on Wed 1 Feb 2023, escalated straight to 4 (the DCS) on Mon 6 Feb, answered
# 8 Feb, referred to Cafcass 20 Feb; answered again on 10 May (a DCS-stage event in May that is not
# reaching the DCS). Open throughout.
raise 2 CR-2002 care-plan 1 2023-02-01
on 2023-02-06 dispute escalate 2 --to 4
on 2023-02-08 dispute respond 2 --note "the DCS has the care plan reviewed"
on 2023-02-20 dispute cafcass 2 --note "referred under s25B(3)"
on 2023-05-10 dispute respond 2 --note "review under way"
# April 2023.
# D3: drift and delay, raised informal Mon 3 Apr, answered 5 Apr; escalated to 1 on Tue 2 May,
# answered 4 May. Open at the end of April (informal) and of May (stage 1).
raise 3 CR-2003 drift-and-delay informal 2023-04-03
on 2023-04-05 dispute respond 3 --note "plan promised"
on 2023-05-02 dispute escalate 3
on 2023-05-04 dispute respond 3 --note "panel booked"
# D4: permanence, stage 1 Wed 12 Apr, answered 14 Apr, resolved Wed 3 May: 13, 14, 17-21, 24-28 Apr,
# (1 May), 2, 3 May = 14 working days.
raise 4 CR-2004 permanence 1 2023-04-12
on 2023-04-14 dispute respond 4 --note "plan in draft"
on 2023-05-03 dispute resolve 4 --outcome "permanence plan recorded"
# D5: drift and delay, stage 2 Thu 20 Apr, resolved Wed 26 Apr: 21, 24, 25, 26 = 4 working days.
raise 5 CR-2005 drift-and-delay 2 2023-04-20
on 2023-04-26 dispute resolve 5 --outcome "visits restarted"
# May 2023.
# D6: drift and delay, stage 1 Tue 2 May, resolved Thu 4 May: 3, 4 = 2 working days.
raise 6 CR-2006 drift-and-delay 1 2023-05-02
on 2023-05-04 dispute resolve 6 --outcome "assessment dated"
# D7: contact, stage 1 Tue 2 May, answered 4 May, resolved Fri 12 May: 3, 4, 5, (8), 9-12 = 7
# working days (10 calendar days).
raise 7 CR-2007 contact 1 2023-05-02
on 2023-05-04 dispute respond 7 --note "contact reviewed"
on 2023-05-12 dispute resolve 7 --outcome "contact restored"
# D8: health, stage 1 Tue 2 May, answered 4 May, resolved Wed 31 May: 3-5, (8), 9-12, 15-19, 22-26,
# (29), 30, 31 = 19 working days.
raise 8 CR-2008 health 1 2023-05-02
on 2023-05-04 dispute respond 8 --note "referral made"
on 2023-05-31 dispute resolve 8 --outcome "health assessment done"
# D9: drift and delay, informal Wed 3 May, escalated by the IRO a stage at a time, each before the
# stage's deadline: 1 on 5 May, 2 on 10 May, 3 on 15 May, 4 (the DCS) on Wed 17 May; answered
# 19 May, referred to Cafcass 26 May. Open at the end of May at stage 4.
raise 9 CR-2009 drift-and-delay informal 2023-05-03
on 2023-05-05 dispute escalate 9
on 2023-05-10 dispute escalate 9
on 2023-05-15 dispute escalate 9
on 2023-05-17 dispute escalate 9
on 2023-05-19 dispute respond 9 --note "the DCS will chair a meeting"
on 2023-05-26 dispute cafcass 9 --note "referred under s25B(3)"
# D10: drift and delay, informal Mon 22 May, resolved the same day: 0 working days.
raise 10 CR-2010 drift-and-delay informal 2023-05-22
on 2023-05-22 dispute resolve 10 --outcome "resolved in conversation"
# D11: assessment, stage 2 Wed 24 May, due Thu 1 June: open at the end of May at stage 2.
raise 11 CR-2011 assessment 2 2023-05-24
# D12: drift and delay, raised at stage 3 on Wed 17 May, due Wed 24 May (18, 19, 22, 23, 24), never
# answered: the daemon moves it up to 4 (the DCS) on Thu 25 May by itself. Every other open
# dispute is answered or not yet due, so that is all it changes.
raise 12 CR-2012 drift-and-delay 3 2023-05-17
DRIFTWATCH_NOW=2023-05-25T09:00 start_daemon
wait_log "dispute 12: stage 3 -> 4 on 2023-05-25" 10 || fail "the daemon did not move dispute 12 up"
stop_daemon || fail "daemon exit status"
# An escalation recorded late with a date before the stage began is refused: D3 entered stage 1 on
# 2 May, so "escalated on 28 April" would put stage 2 before stage 1 in its history (and the digest
# would count it at stage 2 at the end of April and back at stage 1 at the end of May).
DRIFTWATCH_NOW=2023-05-31T10:00 ctl dispute escalate 3 --on 2023-04-28 >/dev/null 2>"$T/err"
[ $? -eq 65 ] || fail "an escalation dated before the stage began was accepted"
grep -q "dispute 3: an escalation cannot predate the stage's start (2023-05-02)" "$T/err" ||
	fail "late escalation message: $(cat "$T/err")"
ok "the daemon moved D12 up to the DCS on 25 May; an escalation dated before its stage began is refused"

export DRIFTWATCH_NOW=2023-06-05T09:00
ctl dispute list --json >"$T/list.json" 2>/dev/null || fail "dispute list"
$PY - "$T/list.json" <<'PYEOF' || fail "the history is not the one counted below"
import json, sys
ds = {d["id"]: d for d in json.load(open(sys.argv[1]))}
assert sorted(ds) == list(range(1, 13)), sorted(ds)
for d in ds.values():
    moves = [(h["on"], h["stage"]) for h in d["history"] if h["kind"] == "moved-up"]
    assert moves == ([("2023-05-25", "4")] if d["id"] == 12 else []), (d["id"], moves)
want = {1: ("4", "2022-12-09"), 2: ("4", None), 3: ("1", None), 4: ("1", "2023-05-03"), 5: ("2", "2023-04-26"),
        6: ("1", "2023-05-04"), 7: ("1", "2023-05-12"), 8: ("1", "2023-05-31"), 9: ("4", None),
        10: ("informal", "2023-05-22"), 11: ("2", None), 12: ("4", None)}
for i, (stage, resolved) in want.items():
    assert (ds[i]["stage"], ds[i]["resolved_on"]) == (stage, resolved), (i, ds[i]["stage"], ds[i]["resolved_on"])
PYEOF
for span in "2022-12-01 2022-12-09 6" "2023-04-12 2023-05-03 14" "2023-04-20 2023-04-26 4" \
	"2023-05-02 2023-05-04 2" "2023-05-02 2023-05-12 7" "2023-05-02 2023-05-31 19" "2023-05-22 2023-05-22 0"; do
	set -- $span
	[ "$(ctl calendar between "$1" "$2" 2>/dev/null)" = "$3" ] || fail "calendar between $1 $2: not $3"
done
ok "the history as counted: stages and resolutions as recorded, only D12 moved up by itself; working days as counted"

# digest MONTH: the disputes rows of that month's CSV (no CR) in $T/MONTH.csv, the text in $T/MONTH.txt.
digest() {
	ctl digest preview --month "$1" --format csv 2>"$T/err" >"$T/all.csv" || fail "preview $1 csv: $(cat "$T/err")"
	tr -d '\r' <"$T/all.csv" | grep "^$1,disputes," >"$T/$1.csv"
	ctl digest preview --month "$1" --format text 2>"$T/err" >"$T/$1.txt" || fail "preview $1 text: $(cat "$T/err")"
}

# expect_figures MONTH: the disputes rows must be exactly stdin (value, then last month's, target).
expect_figures() {
	cat >"$T/want"
	diff -u "$T/want" "$T/$1.csv" >"$T/diff" || fail "$1 disputes figures (- want, + got):
$(cat "$T/diff")"
}

# expect_stages MONTH: the list "Open disputes by stage" in the text must be exactly stdin.
expect_stages() {
	cat >"$T/want"
	sed -n '/^Open disputes by stage (/,/^$/p' "$T/$1.txt" | sed '/^$/d' >"$T/got"
	diff -u "$T/want" "$T/got" >"$T/diff" || fail "$1 open disputes by stage (- want, + got):
$(cat "$T/diff")"
}

# May 2023 (April beside it).
# Opened in May: D6-D12 = 7; in April: D3, D4, D5 = 3.
# Resolved in May: D4 (14), D6 (2), D7 (7), D8 (19), D10 (0) = 5; sorted 0, 2, 7, 14, 19: the median
#   is the middle one, 7; the 90th percentile is the nearest rank ceil(0.9 * 5) = 5th, 19.
#   In April: D5 (4) alone: median 4, 90th percentile 4.
# Open at the end of May: D2 (stage 4), D3 (1), D9 (4), D11 (2), D12 (4) = 5;
#   at the end of April: D2 (4), D3 (informal), D4 (1) = 3.
# Drift and delay: May D6, D9, D10, D12 of 7 = 57.1%; April D3, D5 of 3 = 66.7%.
# Reaching the DCS in May: D9 (escalated 17 May), D12 (moved up 25 May) = 2; D2's answer at
#   stage 4 on 10 May enters no stage. In April: none. This year to 31 May: D2 (Feb), D9, D12
#   (May) = 3; to 30 April: D2 = 1
#   (D1 reached it in December 2022, last year).
# Cafcass: May D9 = 1; April none (D2's was in February).
digest 2023-05
expect_figures 2023-05 <<'EOF'
2023-05,disputes,Disputes opened,7,3,
2023-05,disputes,Disputes resolved,5,1,
2023-05,disputes,Disputes open at month end,5,3,
2023-05,disputes,Median working days to resolve,7,4,<=20 wd
2023-05,disputes,90th percentile working days to resolve,19,4,<=20 wd
2023-05,disputes,Disputes about drift and delay,57.1,66.7,falling
2023-05,disputes,Disputes reaching the DCS this month,2,0,falling
2023-05,disputes,Disputes reaching the DCS this year,3,1,falling
2023-05,disputes,Cafcass referrals,1,0,
EOF
expect_stages 2023-05 <<'EOF'
Open disputes by stage (5):
    Stage informal: 0 open
    Stage 1: 1 open
    Stage 2: 1 open
    Stage 3: 0 open
    Stage 4: 3 open
EOF
ok "May 2023: opened 7, resolved 5, open 5 (1: 1, 2: 1, 4: 3), median 7 wd, 90th 19 wd, 57.1% drift, DCS 2 this month (one moved up by itself) and 3 this year, Cafcass 1; April beside it"

# April 2023 (March beside it). April as above; by stage at the end of April: D3 informal, D4 1,
# D2 4. March: nothing opened or resolved (no median, percentile or share), D2 open at stage 4,
# nobody reached the DCS in March but D2 did this year, no Cafcass referral.
digest 2023-04
expect_figures 2023-04 <<'EOF'
2023-04,disputes,Disputes opened,3,0,
2023-04,disputes,Disputes resolved,1,0,
2023-04,disputes,Disputes open at month end,3,1,
2023-04,disputes,Median working days to resolve,4,,<=20 wd
2023-04,disputes,90th percentile working days to resolve,4,,<=20 wd
2023-04,disputes,Disputes about drift and delay,66.7,,falling
2023-04,disputes,Disputes reaching the DCS this month,0,0,falling
2023-04,disputes,Disputes reaching the DCS this year,1,1,falling
2023-04,disputes,Cafcass referrals,0,0,
EOF
expect_stages 2023-04 <<'EOF'
Open disputes by stage (5):
    Stage informal: 1 open
    Stage 1: 1 open
    Stage 2: 0 open
    Stage 3: 0 open
    Stage 4: 1 open
EOF
ok "April 2023: opened 3, resolved 1 (4 wd), open 3 (informal 1, 1: 1, 4: 1), 66.7% drift, DCS 0 this month and 1 this year; March beside it"

# February 2023 (January beside it). February: D2 opened (care plan: 0% drift), none resolved, D2
# open at stage 4, reaching the DCS on 6 Feb (1 this month, 1 this year), Cafcass 20 Feb.
# January: nothing at all, and nothing this year yet (D1 reached the DCS in 2022).
digest 2023-02
expect_figures 2023-02 <<'EOF'
2023-02,disputes,Disputes opened,1,0,
2023-02,disputes,Disputes resolved,0,0,
2023-02,disputes,Disputes open at month end,1,0,
2023-02,disputes,Median working days to resolve,,,<=20 wd
2023-02,disputes,90th percentile working days to resolve,,,<=20 wd
2023-02,disputes,Disputes about drift and delay,0,,falling
2023-02,disputes,Disputes reaching the DCS this month,1,0,falling
2023-02,disputes,Disputes reaching the DCS this year,1,0,falling
2023-02,disputes,Cafcass referrals,1,0,
EOF
expect_stages 2023-02 <<'EOF'
Open disputes by stage (5):
    Stage informal: 0 open
    Stage 1: 0 open
    Stage 2: 0 open
    Stage 3: 0 open
    Stage 4: 1 open
EOF
ok "February 2023: D2 opened, reached the DCS and referred to Cafcass; January beside it all nought"

# January 2023 (December 2022 beside it): the year starts again. December: D1 opened, reached the
# DCS (1 this month and 1 in 2022) and resolved in 6 working days; none open at its end.
digest 2023-01
expect_figures 2023-01 <<'EOF'
2023-01,disputes,Disputes opened,0,1,
2023-01,disputes,Disputes resolved,0,1,
2023-01,disputes,Disputes open at month end,0,0,
2023-01,disputes,Median working days to resolve,,6,<=20 wd
2023-01,disputes,90th percentile working days to resolve,,6,<=20 wd
2023-01,disputes,Disputes about drift and delay,,0,falling
2023-01,disputes,Disputes reaching the DCS this month,0,1,falling
2023-01,disputes,Disputes reaching the DCS this year,0,1,falling
2023-01,disputes,Cafcass referrals,0,0,
EOF
expect_stages 2023-01 <<'EOF'
Open disputes by stage (5):
    Stage informal: 0 open
    Stage 1: 0 open
    Stage 2: 0 open
    Stage 3: 0 open
    Stage 4: 0 open
EOF
ok "January 2023: nothing, and the DCS count for the year starts again; December 2022 beside it (6 wd, DCS 1)"

finish
