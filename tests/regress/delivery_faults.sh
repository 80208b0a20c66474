#!/bin/sh
# Faults on the SMTP path, the clock injected and retry delays set short (no sleeping for a real
# minute): the receiver down then back (all delivered, none twice); a receiver that never answers
# (timeouts retried); a locked database and a full disk (the daemon logs, keeps running, catches up).
. "$(dirname "$0")/lib.sh"

SMTP_PORT=$(free_port)
export DRIFTWATCH_NOW=2021-03-08T09:00
{ smtp_transport; printf 'timeout = 2s\n[outbox]\nretry_first = 1s\nretry_max = 1s\nbreaker_failures = 1000\n'; } | write_config
ctl outbox add a@council.example --urgent --count 20 --key down --subject "Receiver down" >/dev/null || fail "enqueue"
DRIFTWATCH_NOW=2021-03-08T09:00 start_daemon
wait_log "attempt 1 via mail failed" 10 || fail "no failed attempt while the receiver is down"
kill -0 "$DAEMON_PID" || fail "daemon died while the receiver was down"
start_smtp_on "$SMTP_PORT"
wait_until 30 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c '^[0-9]*\.eml') -ge 20 ]" || fail "not all delivered after the receiver came back"
sleep 1
[ "$(mail_count)" -eq 20 ] || fail "$(mail_count) messages for 20 notices"
[ "$(ctl outbox list --state sent --limit 0 | grep -c ' sent ')" -eq 20 ] || fail "not all recorded sent"
ok "receiver down then back: 20 of 20 delivered, none twice"
stop_daemon || fail "exit status"
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null

# A receiver that accepts the connection but never answers DATA: the timeout fires, it is retried.
rm -rf "$T/mail"
start_smtp_on "$SMTP_PORT" --stall-after 0
ctl outbox add b@council.example --urgent --key stall --subject "Stalled receiver" >/dev/null
DRIFTWATCH_NOW=2021-03-08T09:00 start_daemon
wait_log "attempt 1 via mail failed (smtp.*[Tt]ime" 15 || fail "no timeout recorded"
ok "a receiver that never answers times out and is retried"
stop_daemon || fail "exit status"
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null
rm -rf "$T/mail"
start_smtp_on "$SMTP_PORT"
DRIFTWATCH_NOW=2021-03-08T09:00 start_daemon
wait_until 20 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c '^[0-9]*\.eml') -ge 1 ]" || fail "the stalled notice never arrived"
ok "the timed-out notice arrives once the receiver answers"

# A locked database: another process holds the write lock longer than the busy timeout (5 s).
stop_daemon || fail "exit status"
ctl outbox add c@council.example --urgent --key locked --subject "After the lock" >/dev/null || fail "enqueue"
$PY - "$T/dw.db" <<'PYEOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(8)
db.execute("ROLLBACK")
PYEOF
LOCKER=$!
wait_until 10 test -f "$T/dw.db.locked" || fail "could not lock the database"
: >"$T/daemon.log"
start_daemon
wait_log "locked" 15 || fail "the locked database was not logged"
kill -0 "$DAEMON_PID" || fail "daemon died while the database was locked"
wait "$LOCKER"
wait_until 20 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c '^[0-9]*\.eml') -ge 2 ]" || fail "no delivery after the lock was released"
ok "a locked database: the daemon logs it, keeps running and catches up"
stop_daemon || fail "exit status"

# A full disk: the database lives on a small tmpfs that we fill up.
mkdir -p "$T/disk"
mount -t tmpfs -o size=4m tmpfs "$T/disk" || fail "cannot mount a tmpfs (the scenario needs root)"
sed -i "s|^database = .*|database = $T/disk/dw.db|" "$T/dw.ini"
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null
rm -rf "$T/mail"
ctl outbox add d@council.example --urgent --count 10 --key full --subject "Disk full" >/dev/null || fail "enqueue"
: >"$T/daemon.log"
DRIFTWATCH_NOW=2021-03-08T09:00 start_daemon
wait_log "attempt 1 via mail failed" 10 || fail "no attempt with the receiver down"
dd if=/dev/zero of="$T/disk/filler" bs=4k 2>/dev/null
wait_log "full" 15 || fail "a full disk was not logged"
kill -0 "$DAEMON_PID" || fail "daemon died on a full disk"
start_smtp_on "$SMTP_PORT"
sleep 1
rm -f "$T/disk/filler"
wait_until 30 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c '^[0-9]*\.eml') -ge 10 ]" || fail "no catch-up after space returned"
wait_until 10 sh -c "[ \"\$($DWC -f $T/dw.ini outbox list --state sent --limit 0 | grep -c ' sent ')\" -ge 10 ]" ||
	fail "outcomes not recorded after space returned"
ok "a full disk: logged, still running, caught up when space returned ($(mail_count) messages for 10 notices)"
stop_daemon || fail "exit status"
finish
