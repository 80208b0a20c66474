#!/bin/sh
# The daemon's life: check-config exit codes, SIGHUP with a broken ini (a bad value, an empty database)
# keeps the old rules and logs the line, SIGTERM exits 0 within the bound, DRIFTWATCH_NOW honoured by
# both programs; --help and `help COMMAND` for both programs.
. "$(dirname "$0")/lib.sh"

# Help: on stdout, exit 0, no config needed (none at $T/none.ini); an unknown name: exit 64 with the list.
help_ok() { # EXPECTED-IN-OUTPUT ARGS...
	want=$1
	shift
	DRIFTWATCH_CONFIG=$T/none.ini "$@" >"$T/help.out" 2>"$T/help.err"
	rc=$?
	[ $rc -eq 0 ] || fail "$* exited $rc, want 0: $(cat "$T/help.err")"
	grep -qF -- "$want" "$T/help.out" || fail "$* does not print \"$want\": $(head -n 5 "$T/help.out")"
}
help_ok "usage: driftwatchctl" "$DWC" --help
help_ok "  import KIND FILE..." "$DWC" help
help_ok "driftwatchctl import roles FILE.csv" "$DWC" help import
help_ok "driftwatchctl import roles FILE.csv" "$DWC" import --help
help_ok "usage: driftwatchctl import roles FILE.csv" "$DWC" import roles --help
help_ok "usage: driftwatchctl outbox retry ID" "$DWC" help outbox retry
help_ok "usage: driftwatchctl caseloads" "$DWC" caseloads --help
help_ok "usage: driftwatchctl test-send TRANSPORT RECIPIENT" "$DWC" help test-send
help_ok "usage: driftwatchd" "$DWD" --help
help_ok "--check-config" "$DWD" -h
ok "--help and help COMMAND print usage on stdout, exit 0, for both programs"

for args in "help bogus" "bogus" "bogus --help"; do
	# shellcheck disable=SC2086
	DRIFTWATCH_CONFIG=$T/none.ini "$DWC" $args >"$T/help.out" 2>"$T/help.err"
	rc=$?
	[ $rc -eq 64 ] || fail "driftwatchctl $args exited $rc, want 64"
	grep -q 'unknown command "bogus"' "$T/help.err" || fail "driftwatchctl $args does not say the command is unknown"
	grep -q "  check-config" "$T/help.err" || fail "driftwatchctl $args does not list the commands"
done
"$DWC" help import bogus >/dev/null 2>"$T/help.err"
[ $? -eq 64 ] || fail "help import bogus: want 64"
grep -q 'import: unknown subcommand "bogus"' "$T/help.err" || fail "help import bogus: no 'unknown subcommand'"
grep -q "driftwatchctl import roles" "$T/help.err" || fail "help import bogus does not list the imports"
"$DWC" >/dev/null 2>"$T/help.err"
[ $? -eq 64 ] || fail "driftwatchctl with no command: want 64"
"$DWD" help >/dev/null 2>"$T/help.err"
[ $? -eq 64 ] || fail "driftwatchd help: want 64"
grep -q "usage: driftwatchd" "$T/help.err" || fail "driftwatchd help: no usage"
"$DWD" --bogus >/dev/null 2>&1
[ $? -eq 64 ] || fail "driftwatchd --bogus: want 64"
ok "an unknown command or option: exit 64 with the list"

write_config </dev/null
"$DWD" --check-config -f "$T/dw.ini" >/dev/null 2>&1 || fail "valid config: driftwatchd --check-config failed"
ctl check-config >/dev/null || fail "valid config: driftwatchctl check-config failed"
ok "check-config exits 0 on a valid file"

# refused_by_both FILE MESSAGE: driftwatchd --check-config and driftwatchctl check-config both exit
# 78 on FILE, each naming MESSAGE (with its file and line).
refused_by_both() {
	"$DWD" --check-config -f "$1" 2>"$T/err"
	rc=$?
	[ $rc -eq 78 ] || fail "driftwatchd --check-config on $(basename "$1") exited $rc, want 78"
	grep -q -- "$2" "$T/err" || fail "driftwatchd: want \"$2\": $(cat "$T/err")"
	"$DWC" -f "$1" check-config 2>"$T/err"
	rc=$?
	[ $rc -eq 78 ] || fail "driftwatchctl check-config on $(basename "$1") exited $rc, want 78"
	grep -q -- "$2" "$T/err" || fail "driftwatchctl: want \"$2\": $(cat "$T/err")"
}

printf '[daemon]\nbogus = 1\n' >"$T/bad.ini"
refused_by_both "$T/bad.ini" 'bad.ini:2: unknown key "bogus"'
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

# An empty database (it used to crash the loader, and with it the running service): refused with its
# line, the daemon stays up on the rules in force and still delivers through their transport.
cp "$T/good.ini" "$T/dw.ini"
printf '[daemon]\ndatabase =\n' >"$T/empty.ini"
refused_by_both "$T/empty.ini" "empty.ini:2: database: must not be empty"
ok "check-config refuses an empty database with its line (exit 78)"
sed 's|^database = .*|database =|' "$T/good.ini" >"$T/dw.ini"
LOG_MARK=$(wc -c <"$T/daemon.log")
kill -HUP "$DAEMON_PID"
wait_log "reload failed" 5 || fail "no 'reload failed' after a SIGHUP with an empty database"
wait_log "dw.ini:2: database: must not be empty" 1 || fail "reload error lacks dw.ini:2: database"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died on a reload with an empty database"
DRIFTWATCH_NOW=2021-03-08T09:00 "$DWC" -f "$T/good.ini" outbox add someone@council.example --subject "after the refused reload" --urgent \
	>/dev/null 2>&1 ||
	fail "outbox add failed"
wait_until 10 sh -c "grep -l 'after the refused reload' '$T'/spool/* >/dev/null 2>&1" ||
	fail "the daemon did not deliver through the rules in force after the refused reload"
ok "SIGHUP with an empty database keeps running on the old rules and logs the line"

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
