#!/bin/sh
# Planning what changed, with the real daemon: a write by driftwatchctl marks the child it touched in
# its own transaction; the daemon plans it within the watch interval (the backstop is an hour off)
# and raises the permanence dispute the review calls for; `replan --all` plans everything again and
# queues nothing new; a start under changed rules plans everything afresh, an unchanged one does not.
. "$(dirname "$0")/lib.sh"

{
	printf 'tick = 3600s\n'
	printf '[role "head-of-service"]\nemail = hos@council.example\n'
	printf '[role "assistant-director"]\nemail = ad@council.example\n'
	printf '[role "dcs"]\nemail = dcs@council.example\n'
} | write_config

# R1 looked after since 2 June 2022, first review held 30 June; R2 the same, with a permanence plan.
mkdir -p "$T/x"
printf 'CHILD,SEX,DOB\nR1,1,01/01/2015\nR2,2,01/01/2016\n' >"$T/x/header.csv"
printf 'CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n' >"$T/x/episodes.csv"
printf 'R1,02/06/2022,S,C2,N1,U1,PR1,,,,,,\nR2,02/06/2022,S,C2,N1,U1,PR1,,,,,,\n' >>"$T/x/episodes.csv"
printf 'CHILD,DOB,REVIEW,REVIEW_CODE\nR1,01/01/2015,30/06/2022,PN1\nR2,01/01/2016,30/06/2022,PN1\n' >"$T/x/reviews.csv"
cat >"$T/alloc.csv" <<'EOF'
case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
R1,Children in Care,Sam Worker,sw@council.example,Tess Manager,tm@council.example,Ira Reviewer,iro@council.example
R2,Children in Care,Sam Worker,sw@council.example,Tess Manager,tm@council.example,Ira Reviewer,iro@council.example
EOF

q() { sqlite3 "$T/dw.db" "$1"; }

export DRIFTWATCH_NOW=2022-09-16T09:00
ctl import ssda903 "$T/x" >/dev/null 2>&1 || fail "import ssda903"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
[ "$(q "SELECT count(*) FROM plan_dirty WHERE domain = 'reviews' AND key IN ('*', 'R1', 'R2')")" -ge 1 ] ||
	fail "the imports left no dirty mark: $(q 'SELECT * FROM plan_dirty')"
ok "the imports marked what they wrote"

start_daemon
wait_log "the rules changed: every record is planned afresh" 10 || fail "a first start did not plan everything"
wait_until 10 sh -c "[ \$(sqlite3 $T/dw.db 'SELECT count(*) FROM plan_dirty') -eq 0 ]" || fail "marks left: $(q 'SELECT * FROM plan_dirty')"
[ "$(q "SELECT count(*) FROM plan_next WHERE domain = 'reviews' AND key IN ('R1', 'R2')")" -eq 2 ] ||
	fail "next instants: $(q 'SELECT * FROM plan_next')"
before=$(q "SELECT count(*) FROM outbox")
[ "$before" -gt 0 ] || fail "the first pass queued nothing"
[ "$(q "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'dispute:%'")" -eq 0 ] || fail "a dispute before the second review"
ok "the first pass planned both children ($before notices) and kept each one's next instant"

# The second review held on 15 September with no permanence plan: only R1 is marked, and the daemon
# raises the dispute within the watch interval (100 ms), not at the hourly backstop.
LOG_MARK=$(wc -c <"$T/daemon.log")
ctl review record R1 2022-09-15 >/dev/null || fail "review record"
wait_until 10 sh -c "[ \$(sqlite3 $T/dw.db \"SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'dispute:%'\") -gt 0 ]" ||
	fail "the review was not planned: $(q 'SELECT * FROM plan_dirty')"
[ "$(q "SELECT count(*) FROM disputes WHERE case_ref = 'R1' AND category = 'permanence'")" -eq 1 ] ||
	fail "want one permanence dispute for R1: $(q 'SELECT id, case_ref, category FROM disputes')"
[ "$(q "SELECT count(*) FROM disputes WHERE case_ref = 'R2'")" -eq 0 ] || fail "R2 got a dispute"
ok "a review recorded with driftwatchctl was planned at once: one permanence dispute, for R1 only"

wait_until 10 sh -c "[ \$(sqlite3 $T/dw.db 'SELECT count(*) FROM plan_dirty') -eq 0 ]" || fail "marks left: $(q 'SELECT * FROM plan_dirty')"
q "SELECT dedupe_key FROM outbox ORDER BY dedupe_key" >"$T/keys1"
q "SELECT count(*) FROM audit" >"$T/audit1"
ctl replan --all >"$T/replan.out" || fail "replan --all"
grep -q "every record is marked" "$T/replan.out" || fail "replan --all said: $(cat "$T/replan.out")"
wait_until 10 sh -c "[ \$(sqlite3 $T/dw.db 'SELECT count(*) FROM plan_dirty') -eq 0 ]" || fail "replan --all was not planned"
q "SELECT dedupe_key FROM outbox ORDER BY dedupe_key" >"$T/keys2"
cmp -s "$T/keys1" "$T/keys2" || fail "a full re-plan changed the outbox: $(diff "$T/keys1" "$T/keys2")"
[ "$(q "SELECT count(*) FROM audit WHERE what = 'replan-all'")" -eq 1 ] || fail "replan --all not audited"
ok "replan --all planned everything again and queued nothing new"

stop_daemon || fail "stop"
# Unchanged rules: the start plans only what is dirty or due.
at=$(q "SELECT value FROM meta WHERE key = 'plan_at'")
start_daemon
wait_until 10 sh -c "[ \"\$(sqlite3 $T/dw.db \"SELECT value FROM meta WHERE key = 'plan_at'\")\" != '$at' ]" ||
	fail "no pass after the restart"
tail -c +$((LOG_MARK + 1)) "$T/daemon.log" | grep -q "the rules changed" && fail "an unchanged start re-planned everything"
stop_daemon || fail "stop"
ok "a restart under the same rules plans only what is dirty or due"

printf '[reviews]\noverdue_repeat = 2w\n' >>"$T/dw.ini"
start_daemon
wait_log "the rules changed: every record is planned afresh" 10 || fail "changed rules were not planned afresh"
ok "a start under changed rules plans everything afresh"

# A reload (SIGHUP) under changed rules: planned afresh.
LOG_MARK=$(wc -c <"$T/daemon.log")
printf '[disputes]\nremind_before = 2wd\n' >>"$T/dw.ini"
kill -HUP "$DAEMON_PID"
wait_log "main: reloaded" 10 || fail "no reload"
wait_log "the rules changed: every record is planned afresh" 10 || fail "a reload did not plan afresh"
wait_until 10 sh -c "[ \$(sqlite3 $T/dw.db 'SELECT count(*) FROM plan_dirty') -eq 0 ]" || fail "the reload was not planned"
stop_daemon || fail "stop"
ok "a reload under changed rules plans everything afresh"

finish
