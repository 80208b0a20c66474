#!/bin/sh
# The daemon killed (-9) in the middle of importing a large drop-folder set (20,000 children): the
# import child dies with it, nothing is half-imported, the set is still in the folder, and the next
# start imports it once. Also the poll fallback: with no inotify, the backstop tick finds the set.
. "$(dirname "$0")/lib.sh"

export DRIFTWATCH_NOW=2024-04-02T10:00
mkdir -p "$T/in903" "$T/x"
# write_config's [daemon] section is still open: tick goes into it.
write_config <<EOF2
tick = 5s

[import "ssda903"]
dir = $T/in903
format = ssda903
stable_after = 1s
EOF2
$PY "$TOP/scripts/gen-extract" 20000 "$T/x" 1 >/dev/null || fail "gen-extract"
start_daemon
cp "$T/x/header.csv" "$T/x/episodes.csv" "$T/x/reviews.csv" "$T/in903/"
: >"$T/in903/.done"
wait_log "inbox: ssda903: importing 3 files" 20 || fail "the import did not start"
child=$(sed -n 's/.*inbox: ssda903: importing 3 files as ssda903 (child \([0-9]*\)).*/\1/p' "$T/daemon.log" | tail -n 1)
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
grep -q "inbox: ssda903: imported" "$T/daemon.log" && fail "the import finished before the kill: make the set larger"
wait_until 10 sh -c "! kill -0 $child 2>/dev/null" || fail "the import child outlived the daemon"
[ "$(ctl children list | tail -n 1)" = "0 children" ] || fail "half-imported: $(ctl children list | tail -n 1)"
[ "$(ctl import log --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 0 ] || fail "an import was logged"
[ -f "$T/in903/header.csv" ] && [ -f "$T/in903/reviews.csv" ] || fail "the set left the inbox: $(ls -R "$T/in903")"
ok "killed mid-import: the child died with the daemon, nothing imported, the set still in the inbox"

start_daemon
wait_log "inbox: ssda903: imported 3 files" 240 || fail "the set was not imported at the restart"
[ "$(ctl children list | tail -n 1)" = "20000 children" ] || fail "after restart: $(ctl children list | tail -n 1)"
[ "$(grep -c 'inbox: ssda903: importing' "$T/daemon.log")" -eq 2 ] || fail "want one import per start"
[ "$(ctl import log --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] || fail "want one import logged"
ok "the restart imports the set, once"
stop_daemon || fail "daemon stop"

# No inotify: the backstop tick (5s here) finds a new set and imports it.
cp "$T/x/allocations.csv" "$T/alloc.csv"
printf '[import "alloc"]\ndir = %s/inalloc\nformat = allocations\nstable_after = 1s\n' "$T" >>"$T/dw.ini"
mkdir -p "$T/inalloc"
DRIFTWATCH_NO_INOTIFY=1 start_daemon
wait_log "inbox: no inotify" 5 || fail "no word of the poll fallback"
cp "$T/alloc.csv" "$T/inalloc/"
wait_log "inbox: alloc: imported 1 file" 60 || fail "the poll fallback did not import the file"
ok "without inotify the backstop tick finds and imports a set"
stop_daemon || fail "daemon stop"
finish
