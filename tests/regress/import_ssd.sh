#!/bin/sh
# The SSD route as a council's data team meets it: the sample SSD export (etc/samples/ssd) gives
# the same schedules as the SSDA903 route for the same children (`explain child` equal for every
# child, two fresh databases), and keeps no professional's name; a bad SSD row is named
# FILE:LINE:COLUMN and nothing at all is imported; the [ssd] role codes decide who is the social
# worker; a drop folder with format = ssd imports the set; an older SSD extract is refused unless
# forced; sw_episodes.csv with staff_emails.csv sets each child's social worker on the 903 route;
# a long import shows progress on a terminal and nothing otherwise.
. "$(dirname "$0")/lib.sh"

export DRIFTWATCH_NOW=2021-03-08T09:00
SSD=$TOP/etc/samples/ssd
F903=$TOP/etc/samples/ssda903-fake
DEMO=$TOP/scripts/demo-data.d

# A second config on its own database: the 903 route.
write_config </dev/null
sed "s|$T/dw.db|$T/dw903.db|" "$T/dw.ini" >"$T/dw903.ini"
ctl903() {
	"$DWC" -f "$T/dw903.ini" "$@"
}

# 1. The same children by both routes: the 903 sample (its contradicting rows skipped) with the
# demo's allocations and plans, against the SSD export of the same.
ctl903 import ssda903 --no-strict "$F903" >/dev/null 2>&1 || fail "903 route: import ssda903"
ctl903 import allocations "$DEMO/reviews-allocations.csv" >/dev/null || fail "903 route: allocations"
ctl903 import permanence "$DEMO/reviews-permanence.csv" >/dev/null || fail "903 route: permanence"
ctl import ssd "$SSD" >"$T/out" 2>"$T/err" || fail "import ssd of the sample: $(cat "$T/err")"
grep -q "ssd_cla_reviews.csv: 6862 rows: 5784 used, 1078 not used (686 cancelled, 392 with no review date" "$T/out" ||
	fail "the reviews summary: $(cat "$T/out")"
grep -q "2120 children, 2166 periods of care (1856 began before the extract), 5784 reviews held; 2120 children changed; 2 permanence plans (2 new); 6 cases allocated" "$T/out" ||
	fail "the summary: $(tail -n 1 "$T/out")"
ctl903 children list --json >"$T/list903"
ctl children list --json >"$T/listssd"
cmp -s "$T/list903" "$T/listssd" || fail "children list differs: $(diff "$T/list903" "$T/listssd" | head)"
sqlite3 "$T/dw.db" "SELECT DISTINCT case_ref FROM lac_periods ORDER BY case_ref" >"$T/children"
[ "$(wc -l <"$T/children")" -eq 2120 ] || fail "want 2120 children, got $(wc -l <"$T/children")"
# The two routes side by side: every child (2,120 runs each); under the sanitizers, which look for
# memory faults rather than different schedules, every tenth, to keep make check short.
EVERY=1
case $BUILD in *asan*) EVERY=10 ;; esac
# The sample always holds the allocated children and those with a plan, which the checks below name.
sqlite3 "$T/dw.db" "SELECT case_ref FROM allocations UNION SELECT case_ref FROM lac_permanence" >"$T/named"
awk -v n=$EVERY 'FNR == NR { named[$0] = 1; next } FNR % n == 1 || n == 1 || ($0 in named)' "$T/named" "$T/children" >"$T/sample"
NSAMPLE=$(wc -l <"$T/sample")
# One driftwatchctl a route, explaining every child of the sample in turn (explain child CASE...).
xargs "$DWC" -f "$T/dw903.ini" explain child <"$T/sample" >"$T/explain903" 2>&1 &
xargs "$DWC" -f "$T/dw.ini" explain child <"$T/sample" >"$T/explainssd" 2>&1
wait $!
cmp -s "$T/explain903" "$T/explainssd" || fail "explain child differs: $(diff "$T/explain903" "$T/explainssd" | head)"
[ "$(grep -c '^case ' "$T/explainssd")" -eq "$NSAMPLE" ] || fail "explain did not run for every child"
grep -q "allocation: team Children in Care; social worker sam.example@council.example; team manager tess.example@council.example; IRO ira.example@council.example" "$T/explainssd" ||
	fail "the involvements did not make the allocation"
grep -q "permanence plan: long-term-fostering, agreed 2016-01-20" "$T/explainssd" || fail "the care plan did not make a plan"
ok "the SSD sample gives the same schedules as the 903 route: explain child equal for $NSAMPLE of the 2120 children"
# An unknown case among several is said and passed over; the rest are explained, the exit is 65.
ref=$(head -n 1 "$T/sample")
ctl explain child NO-SUCH-CASE "$ref" >"$T/out" 2>"$T/err"
[ $? -eq 65 ] || fail "explain child with an unknown case did not exit 65"
grep -q "^case $ref as at" "$T/out" || fail "the known case after an unknown one was not explained: $(cat "$T/out")"
grep -q "NO-SUCH-CASE" "$T/err" || fail "the unknown case was not named: $(cat "$T/err")"
ok "explain child CASE...: an unknown case is named and passed over (exit 65)"

# Cancelled reviews and reviews not yet held are not reviews held: the child's reviews are the 903's.
ref=$(awk -F, '$6 == "Y" { print $3; exit }' "$SSD/ssd_cla_reviews.csv")
[ -n "$ref" ] || fail "the sample has no cancelled review"
ctl explain child "$ref" | grep -c "held " >"$T/n1"
ctl903 explain child "$ref" | grep -c "held " >"$T/n2"
cmp -s "$T/n1" "$T/n2" || fail "a cancelled review counted for $ref"
# Names of professionals are not kept anywhere.
sqlite3 "$T/dw.db" .dump >"$T/dump"
! grep -q "Sam Example\|Tess Example\|Ira Example" "$T/dump" || fail "a professional's name is in the database"
grep -q "sam.example@council.example" "$T/dump" || fail "the dump holds no email: the check above means nothing"
ok "cancelled reviews are not reviews held; professionals' names are not kept"

# 2. A bad SSD row: FILE:LINE:COLUMN, exit 65, nothing imported (fresh database).
rm -f "$T/dw.db"*
mkdir -p "$T/bad"
cp "$SSD"/*.csv "$T/bad/"
sed -i '3s/,2018-07-29,N,/,2018-02-30,N,/' "$T/bad/ssd_cla_reviews.csv"
sed -i '2s/^I0001,D0001,/I0001,D9999,/' "$T/bad/ssd_involvements.csv"
grep -q "2018-02-30" "$T/bad/ssd_cla_reviews.csv" || fail "the bad review row was not made"
ctl import ssd "$T/bad" >"$T/out" 2>"$T/err"
[ $? -eq 65 ] || fail "a bad SSD extract: want exit 65"
grep -q "bad/ssd_cla_reviews.csv:3:27: clar_cla_review_date: \"2018-02-30\" is not a date" "$T/err" ||
	fail "the bad date is not named: $(cat "$T/err")"
grep -q "bad/ssd_involvements.csv:2:7: invo_professional_id D9999: not in ssd_professionals.csv" "$T/err" ||
	fail "the unknown professional is not named: $(cat "$T/err")"
grep -q "import ssd: 2 rows contradict the rest (strict); nothing imported" "$T/err" || fail "strict: $(tail -n 1 "$T/err")"
[ "$(sqlite3 "$T/dw.db" 'SELECT (SELECT count(*) FROM lac_periods) + (SELECT count(*) FROM lac_reviews) + (SELECT count(*) FROM lac_permanence) + (SELECT count(*) FROM allocations)')" -eq 0 ] ||
	fail "a refused SSD extract left rows behind"
rm "$T/bad/staff_emails.csv"
ctl import ssd "$T/bad" >"$T/out" 2>"$T/err"
[ $? -eq 66 ] || fail "a set without staff_emails.csv: want exit 66"
grep -q "import ssd: no staff_emails.csv among the files given" "$T/err" || fail "missing file: $(cat "$T/err")"
ok "a bad SSD row is named FILE:LINE:COLUMN and nothing is imported; a required file missing is refused"

# 3. Role codes vary by council: this one calls its allocated worker ALLW.
mkdir -p "$T/roles"
cp "$SSD"/*.csv "$T/roles/"
sed -i 's/,CW,/,ALLW,/' "$T/roles/ssd_involvements.csv"
ctl import ssd "$T/roles" >/dev/null 2>&1 || fail "import with council role codes"
ctl explain child 575099 | grep -q "social worker (no email); team manager tess.example@council.example" ||
	fail "ALLW counted as a social worker without [ssd]: $(ctl explain child 575099 | sed -n 2p)"
write_config <<'EOF2'
[ssd]
social_worker_roles = ALLW, CW
EOF2
ctl import ssd "$T/roles" >/dev/null 2>&1 || fail "import with [ssd] social_worker_roles"
ctl explain child 575099 | grep -q "social worker sam.example@council.example; team manager tess.example@council.example" ||
	fail "[ssd] social_worker_roles = ALLW was not used: $(ctl explain child 575099 | sed -n 2p)"
ok "[ssd] social_worker_roles maps the council's role codes"

# 4. Stale: an SSD extract whose latest episode or review is before the data held is refused.
mkdir -p "$T/old"
cp "$SSD"/*.csv "$T/old/"
head -n 1 "$SSD/ssd_cla_reviews.csv" >"$T/old/ssd_cla_reviews.csv"
rm "$T/old/ssd_cla_care_plan.csv" # optional; its plans are for children not in this extract
{ head -n 1 "$SSD/ssd_cla_episodes.csv"; printf 'E1,575099,,2015-01-16,S - Started to be looked after,,,,,,,\r\n'; } \
	>"$T/old/ssd_cla_episodes.csv"
ctl import ssd "$T/old" >"$T/out" 2>"$T/err"
[ $? -eq 65 ] || fail "an older SSD extract: want exit 65 ($(cat "$T/err"))"
grep -q "import ssd: .*older than the data held: its latest episode or review is 2015-01-16" "$T/err" ||
	fail "stale message: $(cat "$T/err")"
ctl import ssd --force "$T/old" >/dev/null 2>&1 || fail "--force did not import the older extract"
ok "an older SSD extract is refused unless --force"

# 5. The 903 route: sw_episodes.csv with staff_emails.csv sets the current social worker, keeping
# the team manager and IRO of the allocations; without staff_emails.csv it is not read.
printf 'CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\r\n575099,01/01/2010,SW100,01/01/2019,01/06/2020,LEFTRL\r\n575099,01/01/2010,SW200,01/06/2020,,\r\n' >"$T/sw_episodes.csv"
printf 'staff_id,email\nSW100,old.worker@council.example\nSW200,new.worker@council.example\n' >"$T/staff_emails.csv"
ctl903 import ssda903 --no-strict "$F903/header.csv" "$F903/episodes.csv" "$F903/reviews.csv" "$T/sw_episodes.csv" \
	>"$T/out" 2>/dev/null || fail "903 with sw_episodes alone"
grep -q "not read: .*sw_episodes.csv" "$T/out" || fail "sw_episodes without emails was read: $(cat "$T/out")"
ctl903 import ssda903 --no-strict "$F903/header.csv" "$F903/episodes.csv" "$F903/reviews.csv" "$T/sw_episodes.csv" \
	"$T/staff_emails.csv" >"$T/out" 2>/dev/null || fail "903 with sw_episodes and staff_emails"
grep -q "sw_episodes.csv: 2 rows: 1 used, 1 not used (ended or superseded), 0 skipped" "$T/out" || fail "sw summary: $(cat "$T/out")"
grep -q "1 social worker allocated from sw_episodes.csv" "$T/out" || fail "sw summary: $(tail -n 1 "$T/out")"
ctl903 explain child 575099 | grep -q "allocation: team Children in Care; social worker new.worker@council.example; team manager tess.example@council.example; IRO ira.example@council.example" ||
	fail "sw_episodes did not set the social worker: $(ctl903 explain child 575099 | sed -n 2p)"
printf 'staff_id,email\nSW100,old.worker@council.example\n' >"$T/staff_emails.csv"
ctl903 import ssda903 --no-strict "$F903/header.csv" "$F903/episodes.csv" "$F903/reviews.csv" "$T/sw_episodes.csv" \
	"$T/staff_emails.csv" >"$T/out" 2>"$T/err"
grep -q "sw_episodes.csv:3:19: SW_ID SW200: no email in staff_emails.csv" "$T/err" || fail "missing email: $(grep sw_ep "$T/err")"
ok "sw_episodes.csv with staff_emails.csv sets the social worker; an SW_ID without an email is named"

# 6. A drop folder with format = ssd.
rm -f "$T/dw.db"*
mkdir -p "$T/inssd"
write_config <<EOF2
[transport "spool"]
type = file
spool = $T/spool

[import "ssd"]
dir = $T/inssd
format = ssd
stable_after = 1s
EOF2
start_daemon
wait_log "inbox: watching 1 folder" 5 || fail "the daemon does not watch the folder"
cp "$SSD"/*.csv "$T/inssd/"
: >"$T/inssd/.done"
wait_log "inbox: ssd: imported 6 files; moved to done/" 20 || fail "the SSD set was not imported: $(grep inbox "$T/daemon.log")"
[ "$(ctl children list | tail -n 1)" = "2120 children" ] || fail "children after the drop: $(ctl children list | tail -n 1)"
d=$(ls "$T/inssd/done")
grep -q "ssd_cla_episodes.csv: 4609 rows: 4609 used, 0 skipped" "$T/inssd/done/$d/import.report.txt" ||
	fail "report: $(cat "$T/inssd/done/$d/import.report.txt")"
stop_daemon || fail "daemon stop"
ok "a drop folder with format = ssd imports the set and files it in done/"

# 7. Progress: on a terminal (script gives one) a line rewritten with \r; not on a file.
rm -f "$T/dw.db"*
DRIFTWATCH_PROGRESS_AFTER=0 script -qec "$DWC -f $T/dw.ini import ssd $SSD >/dev/null" /dev/null >"$T/tty" </dev/null ||
	fail "import ssd on a terminal"
grep -q "import ssd: [0-9,]* rows, [0-9,]* rows/s, [0-9]*%, ETA [0-9]*s" "$T/tty" || fail "no progress on a terminal: $(cat -v "$T/tty")"
tr '\r' '\n' <"$T/tty" | grep -q "import ssd: 11,517 rows, .* 100%, ETA 0s" || fail "no final progress line: $(cat -v "$T/tty")"
grep -q "$(printf '\r')" "$T/tty" || fail "the progress line is not rewritten with a carriage return"
rm -f "$T/dw.db"*
DRIFTWATCH_PROGRESS_AFTER=0 ctl import ssd "$SSD" >/dev/null 2>"$T/err" || fail "import ssd to a file"
! grep -q "rows/s" "$T/err" || fail "progress printed when stderr is not a terminal"
ok "progress on a terminal only"
finish
