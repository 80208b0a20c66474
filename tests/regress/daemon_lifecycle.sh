#!/bin/sh
# The daemon's life: check-config exit codes, SIGHUP with a broken ini keeps the old rules and logs
# the line, SIGTERM exits 0 within the bound, DRIFTWATCH_NOW honoured by both programs.
. "$(dirname "$0")/lib.sh"

write_config </dev/null
"$DWD" --check-config -f "$T/dw.ini" >/dev/null 2>&1 || fail "valid config: driftwatchd --check-config failed"
ctl check-config >/dev/null || fail "valid config: driftwatchctl check-config failed"
ok "check-config exits 0 on a valid file"

printf '[daemon]\nbogus = 1\n' >"$T/bad.ini"
"$DWD" --check-config -f "$T/bad.ini" 2>"$T/err"
rc=$?
[ $rc -eq 78 ] || fail "driftwatchd --check-config on a bad file exited $rc, want 78"
grep -q "bad.ini:2: unknown key \"bogus\"" "$T/err" || fail "error does not name file:line: $(cat "$T/err")"
"$DWC" -f "$T/bad.ini" check-config 2>"$T/err"
rc=$?
[ $rc -eq 78 ] || fail "driftwatchctl check-config on a bad file exited $rc, want 78"
grep -q "bad.ini:2:" "$T/err" || fail "driftwatchctl error lacks file:line"
ok "check-config exits 78 with FILE:LINE on a bad file"

"$DWD" -f "$T/nonexistent.ini" 2>/dev/null
[ $? -eq 78 ] || fail "a missing config file must exit 78"
ok "a missing config file exits 78"

# DRIFTWATCH_NOW: the ctl's "today" and the daemon's warning.
[ "$(DRIFTWATCH_NOW=2022-05-27T10:00 ctl calendar add today 5wd)" = 2022-06-07 ] || fail "ctl ignores DRIFTWATCH_NOW"
DRIFTWATCH_NOW=nonsense ctl calendar add today 1d 2>/dev/null && fail "a bad DRIFTWATCH_NOW must be refused"
ok "driftwatchctl honours DRIFTWATCH_NOW"

DRIFTWATCH_NOW=2021-03-08T09:00 start_daemon
grep -q "DRIFTWATCH_NOW=2021-03-08T09:00" "$T/daemon.log" || fail "daemon does not warn about DRIFTWATCH_NOW"
ok "daemon warns when DRIFTWATCH_NOW is set"

# A broken reload keeps the daemon running on the old rules and logs FILE:LINE.
cp "$T/dw.ini" "$T/good.ini"
printf '[outbox]\nbatch = lots\n' >>"$T/dw.ini"
kill -HUP "$DAEMON_PID"
wait_log "reload failed" 5 || fail "no 'reload failed' after a broken SIGHUP"
grep -q "dw.ini:[0-9]*: batch: \"lots\" is not a whole number" "$T/daemon.log" || fail "reload error lacks FILE:LINE"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died on a broken reload"
ok "SIGHUP with a broken ini keeps running and logs the line"

cp "$T/good.ini" "$T/dw.ini"
kill -HUP "$DAEMON_PID"
wait_log "main: reloaded" 5 || fail "a good reload was not applied"
ok "SIGHUP with a good ini reloads"

start=$(date +%s)
stop_daemon
rc=$?
[ $rc -eq 0 ] || fail "SIGTERM exit status $rc, want 0"
[ $(($(date +%s) - start)) -le 10 ] || fail "SIGTERM took more than 10 s"
ok "SIGTERM exits 0 within 10 s"

finish
