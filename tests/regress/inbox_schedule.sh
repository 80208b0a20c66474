#!/bin/sh
# What the admin hears from the drop folders besides failures, and the one deletion: a folder whose
# extract did not arrive by its schedule is an urgent "no extract" notice (a folder whose extract
# came is not); once a day a summary lists each import from a folder the day before; keep_done
# removes done/ sets older than it and nothing else; a restart repeats none of the notices.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/inalloc/done/2024-02-01T020000" "$T/inalloc/done/2024-03-20T020000" "$T/inalloc/failed/2023-01-01T000000"
mkdir -p "$T/inlate" "$T/x" "$T/inalloc/done/keep-me"
for d in done/2024-02-01T020000 done/2024-03-20T020000 failed/2023-01-01T000000 done/keep-me; do
	echo "case_ref" >"$T/inalloc/$d/old.csv"
done
write_config <<EOF2
[transport "spool"]
type = file
spool = $T/spool

[import "alloc"]
dir = $T/inalloc
format = allocations
keep_done = 30d
schedule = daily 09:00

[import "late"]
dir = $T/inlate
format = permanence
schedule = daily 09:00
EOF2
$PY "$TOP/scripts/gen-extract" 25 "$T/x" 1 >/dev/null || fail "gen-extract"
# Yesterday's extract for "alloc" went in from its folder (as the daemon's child runs it).
DRIFTWATCH_NOW=2024-04-01T12:00 ctl import --by inbox:alloc allocations "$T/x/allocations.csv" >/dev/null 2>&1 ||
	fail "yesterday's import"
export DRIFTWATCH_NOW=2024-04-02T10:00
start_daemon
wait_log "inbox: late: told the admin" 10 || fail "no notice for the late extract"
wait_log "inbox: summary: told the admin" 10 || fail "no daily summary"
wait_until 15 sh -c "[ \$(ls $T/spool | wc -l) -ge 2 ]" || fail "the notices were not sent: $(ls "$T/spool")"
$PY - "$T/spool" <<'PYEOF' || fail "the notices: $(cat "$T/spool"/*)"
import email, email.policy, glob, sys
msgs = [email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
        for p in sorted(glob.glob(sys.argv[1] + "/*"))]
subjects = sorted(m["Subject"] for m in msgs)
assert subjects == ['driftwatch: 1 import from the drop folders on 2024-04-01',
                    'driftwatch: no extract has arrived in [import "late"]'], subjects
for m in msgs:
    assert m["To"] == "admin@council.example"
    body = m.get_body().get_content()
    if "no extract" in m["Subject"]:
        assert "by 09:00 on 2024-04-02" in body and "None has been imported" in body, body
    else:
        assert "2024-04-01 12:00  alloc (allocations): 25 cases" in body, body
PYEOF
ok "a late extract is an urgent notice, one that came is not; the daily summary lists yesterday's import"

[ ! -e "$T/inalloc/done/2024-02-01T020000" ] || fail "keep_done did not remove a set older than 30 days"
[ -f "$T/inalloc/done/2024-03-20T020000/old.csv" ] || fail "keep_done removed a recent set"
[ -f "$T/inalloc/failed/2023-01-01T000000/old.csv" ] || fail "keep_done touched failed/"
[ -f "$T/inalloc/done/keep-me/old.csv" ] || fail "keep_done removed a folder that is not a set"
grep -q "inbox: alloc: removed done/2024-02-01T020000 (older than keep_done)" "$T/daemon.log" || fail "the removal is not logged"
ok "keep_done removes done/ sets older than it, and nothing else"

stop_daemon || fail "daemon stop"
n=$(ls "$T/spool" | wc -l)
start_daemon
kill -HUP "$DAEMON_PID"
wait_log "main: reloaded" 10 || fail "reload"
[ "$(ctl outbox list | grep -c alert)" -eq 2 ] || fail "a restart or reload queued the notices again: $(ctl outbox list)"
stop_daemon || fail "daemon stop"
[ "$(ls "$T/spool" | wc -l)" -eq "$n" ] || fail "a restart sent the notices again"
ok "a restart and a reload repeat none of them"
finish
