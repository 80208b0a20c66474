#!/bin/sh
# Files that hold case references and staff addresses are private whatever the umask: under
# umask 022 the database, its -wal and -shm and every spool file are 0600, the spool folder 0700,
# and a database an older version left 0644 becomes 0600 when next opened.
. "$(dirname "$0")/lib.sh"

umask 022
write_config <<EOF2
[transport "files"]
type = file
spool = $T/spool
EOF2

mode() { stat -c %a "$1"; }

DRIFTWATCH_NOW=2021-03-08T09:00 ctl outbox add cm@council.example --subject "modes" --text "CR-1001" --urgent >/dev/null || fail "outbox add"
[ "$(mode "$T/dw.db")" = 600 ] || fail "database created $(mode "$T/dw.db") under umask 022, want 600"
ok "driftwatchctl creates the database 0600 under umask 022"

DRIFTWATCH_NOW=2021-03-08T09:00 start_daemon
wait_log "notice 1: sent" 10 || fail "the notice was not written to the spool"
# The daemon holds the database open in WAL mode: its -wal and -shm exist now.
for f in dw.db dw.db-wal dw.db-shm; do
	[ -f "$T/$f" ] || fail "$f missing while the daemon runs"
	[ "$(mode "$T/$f")" = 600 ] || fail "$f is $(mode "$T/$f") under umask 022, want 600"
done
ok "the database, its -wal and -shm are 0600 while the daemon runs"
[ "$(mode "$T/spool")" = 700 ] || fail "spool folder is $(mode "$T/spool"), want 700"
n=0
for f in "$T"/spool/*; do
	[ "$(mode "$f")" = 600 ] || fail "spool file $(basename "$f") is $(mode "$f"), want 600"
	n=$((n + 1))
done
[ "$n" -eq 1 ] || fail "$n spool files, want 1"
ok "the spool folder is 0700 and its file 0600"
stop_daemon || fail "daemon stop"

# A database left group- and world-readable (an older version, a copy) is made private on open.
chmod 0644 "$T/dw.db"
ctl outbox list >/dev/null || fail "outbox list"
[ "$(mode "$T/dw.db")" = 600 ] || fail "a 0644 database stayed $(mode "$T/dw.db") after opening, want 600"
ok "a 0644 database is made 0600 when opened"

finish
