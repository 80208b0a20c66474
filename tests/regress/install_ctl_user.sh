#!/bin/sh
# driftwatchctl against the service's state: run by another user (root here) than the one that
# owns the state folder, it refuses before writing anything and prints the exact command to type
# (sudo -u OWNER driftwatchctl ...); that command, run as the owner, works and leaves only the
# owner's files. Commands that touch no state run as anyone. As the service's user, while the
# service runs, driftwatchctl reads the service's credentials (/run/credentials/driftwatch.service).
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || fail "this scenario needs root (it acts as root and as nobody)"
command -v setpriv >/dev/null || fail "setpriv not installed (util-linux)"
UID_SVC=$(id -u nobody)
GID_SVC=$(id -g nobody)
as_service() { setpriv --reuid="$UID_SVC" --regid="$GID_SVC" --clear-groups "$@"; }

# The layout of the installed service: rules readable by the service, a state folder it owns.
chmod 0755 "$T"
mkdir -m 0700 "$T/state"
chown "$UID_SVC:$GID_SVC" "$T/state"
write_config <<EOF2
[transport "files"]
type = file
spool = $T/state/spool
EOF2
sed -i "s|^database = .*|database = $T/state/dw.db|" "$T/dw.ini"
chmod 0644 "$T/dw.ini"
cp "$TOP/etc/samples/st-helens-roles.csv" "$T/roles.csv"
chmod 0644 "$T/roles.csv"

# As root: refused, exit 77, nothing created in the state folder.
ctl import roles "$T/roles.csv" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 77 ] || fail "import as root against nobody's state exited $rc, want 77: $(cat "$T/err")"
grep -q "state/dw.db belongs to nobody" "$T/err" || fail "the refusal does not say whose the state is: $(cat "$T/err")"
want="sudo -u nobody $DWC -f $T/dw.ini import roles $T/roles.csv"
grep -qxF "  $want" "$T/err" || fail "the refusal does not print \"$want\": $(cat "$T/err")"
[ -z "$(ls -A "$T/state")" ] || fail "refused, yet the state folder holds: $(ls -A "$T/state")"
ok "as root against the service's state: refused (77) with the exact command, nothing created"

ctl outbox list >/dev/null 2>"$T/err"
[ $? -eq 77 ] || fail "a read-only command as root was not refused (SQLite would create -wal and -shm)"
[ -z "$(ls -A "$T/state")" ] || fail "a refused read left: $(ls -A "$T/state")"
ctl check-config >/dev/null || fail "check-config (no state) refused as root"
[ "$(ctl calendar add 2022-05-27 5wd)" = 2022-06-07 ] || fail "calendar (no state) refused as root"
ok "read-only commands are refused too; commands with no state run as root"

# The printed command, run as the service's user (setpriv for sudo -u), works.
cmd=$(sed -n "s|^  sudo -u nobody ||p" "$T/err")
[ -n "$cmd" ] || fail "no command in the refusal"
eval "as_service $cmd" >"$T/out" 2>"$T/err2" || fail "the printed command failed as nobody: $(cat "$T/err2")"
[ -f "$T/state/dw.db" ] || fail "the import as nobody made no database"
others=$(find "$T/state" ! -user nobody)
[ -z "$others" ] || fail "files in the state folder not owned by nobody: $others"
as_service "$DWC" -f "$T/dw.ini" outbox add cm@council.example --subject s --text CR-1 >/dev/null ||
	fail "outbox add as nobody"
ok "the printed command works as the service's user, and every file is the service's"

# With the database there, root is refused by the database's owner; $DRIFTWATCH_CONFIG becomes -f.
DRIFTWATCH_CONFIG=$T/dw.ini "$DWC" outbox list >/dev/null 2>"$T/err"
[ $? -eq 77 ] || fail "root against an existing database of nobody's: not refused"
grep -qxF "  sudo -u nobody $DWC -f $T/dw.ini outbox list" "$T/err" || fail "the command lacks -f for \$DRIFTWATCH_CONFIG: $(cat "$T/err")"
# Words a shell would split come back quoted.
ctl outbox add "a b@council.example" --subject "it's due" >/dev/null 2>"$T/err"
grep -qxF "  sudo -u nobody $DWC -f $T/dw.ini outbox add 'a b@council.example' --subject 'it'\\''s due'" "$T/err" ||
	fail "arguments are not quoted for the shell: $(cat "$T/err")"
others=$(find "$T/state" ! -user nobody)
[ -z "$others" ] || fail "root left files in the state folder: $others"
ok "an existing database: refused by its owner; -f and shell quoting in the printed command"

# A spool folder of another user's is refused too (test-send and the file transport write there).
mkdir -m 0700 "$T/mystate"
sed "s|^database = .*|database = $T/mystate/dw.db|" "$T/dw.ini" >"$T/spool.ini"
"$DWC" -f "$T/spool.ini" outbox list >/dev/null 2>"$T/err"
[ $? -eq 77 ] || fail "a spool of nobody's was not refused"
grep -q "state/spool belongs to nobody\|state belongs to nobody" "$T/err" || fail "the refusal does not name the spool: $(cat "$T/err")"
[ -z "$(ls -A "$T/mystate")" ] || fail "a refused command created $(ls -A "$T/mystate")"
ok "a file spool of another user's is refused"

# Credentials: as the service's user, while the service runs (systemd mounts its credentials
# at /run/credentials/driftwatch.service), credential:NAME resolves. Emulated in a private mount
# namespace, so the host's /run is not touched.
credential_smtp_transport >>"$T/dw.ini"
as_service "$DWC" -f "$T/dw.ini" check-config >/dev/null 2>"$T/err" && fail "check-config passed with no credentials at all"
grep -q "CREDENTIALS_DIRECTORY is not set" "$T/err" || fail "unexpected error without credentials: $(cat "$T/err")"
unshare -m sh -c '
	mount -t tmpfs tmpfs /run || exit 99
	mkdir -p /run/credentials/driftwatch.service
	printf "s3cret\n" >/run/credentials/driftwatch.service/smtp-password
	chown -R "$1:$2" /run/credentials/driftwatch.service
	chmod 0400 /run/credentials/driftwatch.service/smtp-password
	chmod 0500 /run/credentials/driftwatch.service
	setpriv --reuid="$1" --regid="$2" --clear-groups "$3" -f "$4" check-config' sh "$UID_SVC" "$GID_SVC" "$DWC" "$T/dw.ini" \
	>"$T/out" 2>"$T/err"
rc=$?
[ $rc -ne 99 ] || fail "cannot mount a tmpfs in a private namespace (the scenario needs root)"
[ $rc -eq 0 ] || fail "check-config as the service's user with its credentials mounted: exit $rc: $(cat "$T/err")"
grep -q ": ok" "$T/out" || fail "check-config did not say ok: $(cat "$T/out")"
ok "as the service's user, credential:NAME reads the running service's credentials"

finish
