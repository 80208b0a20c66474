#!/bin/sh
# The installed layout works the way the unit runs it. `make install DESTDIR=$R PREFIX=/usr`, then
# what a package's postinst (or `make install` on the machine) does: systemd-sysusers and
# systemd-tmpfiles --create, in $R. Then, as the unit's user (setpriv to the uid sysusers made in
# $R, no other groups) under the unit's UMask=0077: check-config on the installed rules, with a
# secret handed over as a systemd credential, and a short daemon start on the file transport that
# delivers one notice and stops on SIGTERM. `systemd-analyze verify` passes on the installed unit.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || fail "this scenario needs root (it installs into a tree and acts as the service's user)"
for c in systemd-sysusers systemd-tmpfiles systemd-analyze setpriv make; do
	command -v $c >/dev/null || fail "$c not installed (scripts/install-deps test)"
done
chmod 0755 "$T"
R=$T/root

# Install from this build without rebuilding it (-o: take the binaries as they are).
make -s -C "$TOP" install DESTDIR="$R" PREFIX=/usr BUILD="$BUILD" -o "$BUILD/driftwatchd" -o "$BUILD/driftwatchctl" \
	>"$T/install.out" 2>&1 || { cat "$T/install.out"; fail "make install"; }
for step in "systemctl daemon-reload" "--check-config" "systemctl enable --now driftwatch" "credentials.conf"; do
	grep -qF -- "$step" "$T/install.out" || fail "make install does not print the next step \"$step\""
done
ok "make install DESTDIR=... PREFIX=/usr prints the next steps"

# The package's postinst, in $R.
systemd-sysusers --root="$R" >"$T/sysusers.out" 2>&1 || { cat "$T/sysusers.out"; fail "systemd-sysusers"; }
systemd-tmpfiles --root="$R" --create >"$T/tmpfiles.out" 2>&1 || { cat "$T/tmpfiles.out"; fail "systemd-tmpfiles --create"; }
SVC_UID=$(awk -F: '$1 == "driftwatch" { print $3 }' "$R/etc/passwd")
SVC_GID=$(awk -F: '$1 == "driftwatch" { print $3 }' "$R/etc/group")
[ -n "$SVC_UID" ] && [ "$SVC_UID" -ne 0 ] || fail "sysusers made no driftwatch user: $(cat "$R/etc/passwd")"
[ -n "$SVC_GID" ] || fail "sysusers made no driftwatch group"
as_service() { (umask 0077 && exec setpriv --reuid="$SVC_UID" --regid="$SVC_GID" --clear-groups "$@"); }

stat_is() { # PATH "MODE UID GID"
	[ "$(stat -c '%a %u %g' "$1")" = "$2" ] || fail "$1 is $(stat -c '%a %u:%g' "$1"), want $2"
}
stat_is "$R/etc/driftwatch/driftwatch.ini" "640 0 $SVC_GID"
stat_is "$R/etc/driftwatch" "755 0 0"
stat_is "$R/var/lib/driftwatch" "700 $SVC_UID $SVC_GID"
stat_is "$R/lib/systemd/system/driftwatch.service" "644 0 0"
stat_is "$R/lib/systemd/system/driftwatch.socket" "644 0 0"
[ -f "$R/usr/share/driftwatch/examples/credentials.conf" ] || fail "no example credentials drop-in installed"
[ ! -e "$R/etc/systemd/system/driftwatch.service.d" ] || fail "the example drop-in was made active"
grep -q '^User=driftwatch$' "$R/lib/systemd/system/driftwatch.service" || fail "the unit does not run as driftwatch"
grep -q '^DynamicUser=yes' "$R/lib/systemd/system/driftwatch.service" && fail "the unit still has DynamicUser=yes"
ok "rules 0640 root:driftwatch, state folder 0700 driftwatch, drop-in only as an example"

# The admin's edits (README): the state and bank holidays where $R has them, a file transport, an
# smtp transport whose password comes as a credential, and the sample roles' emails appended.
INI=$R/etc/driftwatch/driftwatch.ini
sed -i -e "s|^;database = .*|database = $R/var/lib/driftwatch/driftwatch.db|" \
	-e "s|^;bank_holidays = .*|bank_holidays = $R/etc/driftwatch/bank-holidays-england-and-wales.txt|" \
	-e "s|^;admin_email =.*|admin_email = admin@council.example|" "$INI"
cat >>"$INI" <<EOF2

[transport "files"]
type = file
spool = $R/var/lib/driftwatch/spool

EOF2
credential_smtp_transport >>"$INI"
cat "$R/usr/share/driftwatch/examples/st-helens-roles.ini" >>"$INI"
stat_is "$INI" "640 0 $SVC_GID"

# What LoadCredential= hands the service: a private folder of its own with a copy of the secret.
mkdir -m 0700 "$T/credentials"
printf 's3cret\n' >"$T/credentials/smtp-password"
chmod 0400 "$T/credentials/smtp-password"
chown -R "$SVC_UID:$SVC_GID" "$T/credentials"
chmod 0500 "$T/credentials"
export CREDENTIALS_DIRECTORY="$T/credentials"

DWD_I=$R/usr/sbin/driftwatchd
DWC_I=$R/usr/bin/driftwatchctl
as_service "$DWD_I" --check-config -f "$INI" >"$T/check.out" 2>&1 || { cat "$T/check.out"; fail "check-config as the service's user"; }
ok "driftwatchd --check-config as the service's user (umask 0077) reads the installed rules and its credential"

# The layout it replaces: rules root:root 0640 are unreadable to the service (exit 78).
chgrp 0 "$INI"
as_service "$DWD_I" --check-config -f "$INI" >"$T/check.out" 2>&1
rc=$?
chgrp "$SVC_GID" "$INI"
[ $rc -eq 78 ] || fail "rules root:root 0640: check-config as the service's user exited $rc, want 78 (the test would not see the defect)"
ok "(the old layout, rules root:root 0640, fails the same check: exit 78)"

# A short run as the unit runs it: one notice queued by the admin as the service's user, delivered
# to the spool on the first pass, then SIGTERM.
export DRIFTWATCH_NOW=2021-03-08T09:00
as_service "$DWC_I" -f "$INI" outbox add cm@council.example --subject "install check" --text "CR-1001" --urgent \
	>/dev/null 2>"$T/ctl.err" || { cat "$T/ctl.err"; fail "outbox add as the service's user"; }
# The README's import: the admin's own file (in a folder the service cannot read) on stdin.
mkdir -m 0700 "$T/home"
cp "$TOP/etc/samples/st-helens-roles.csv" "$T/home/roles.csv"
as_service "$DWC_I" -f "$INI" import roles /dev/stdin <"$T/home/roles.csv" >"$T/ctl.out" 2>"$T/ctl.err" ||
	{ cat "$T/ctl.err"; fail "import roles /dev/stdin < roles.csv as the service's user"; }
grep -q "titles imported" "$T/ctl.out" || fail "import roles on stdin: $(cat "$T/ctl.out")"
# One process, so that $! is the daemon itself (setpriv execs it).
(umask 0077 && exec setpriv --reuid="$SVC_UID" --regid="$SVC_GID" --clear-groups "$DWD_I" -d -f "$INI") >>"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
LOG_MARK=0
wait_log "notice 1: sent" 10 || fail "the installed daemon did not deliver the notice"
stop_daemon || fail "the installed daemon did not stop cleanly on SIGTERM"
[ -f "$R/var/lib/driftwatch/spool/00000001-notice.eml" ] || fail "no spool file: $(ls -la "$R/var/lib/driftwatch/spool")"
others=$(find "$R/var/lib/driftwatch" ! -user "$SVC_UID" -o ! -group "$SVC_GID")
[ -z "$others" ] || fail "files in the state folder not the service's: $others"
loose=$(find "$R/var/lib/driftwatch" -type f -perm /077)
[ -z "$loose" ] || fail "state files readable by others: $loose"
ok "the installed daemon runs as the service's user: delivers, stops on SIGTERM, leaves only its own private files"

# As root, driftwatchctl on the installed state refuses and says how to run it.
"$DWC_I" -f "$INI" outbox list >/dev/null 2>"$T/err"
[ $? -eq 77 ] || fail "root's driftwatchctl on the service's state was not refused"
grep -q "sudo -u driftwatch " "$T/err" 2>/dev/null || grep -q "sudo -u '#$SVC_UID' " "$T/err" ||
	fail "the refusal does not name the service's user: $(cat "$T/err")"
ok "root's driftwatchctl on the installed state is refused with the command to use"

# systemd-analyze verify on the installed unit, its paths pointed into $R (they must exist).
U=$R/lib/systemd/system/driftwatch.service
for exe in $(sed -n 's/^Exec[A-Za-z]*=[-+!@:]*\([^ ]*\).*/\1/p' "$U"); do
	[ -x "$R$exe" ] || [ -x "$exe" ] || fail "the unit runs $exe, which is not installed"
done
sed -e "s|=/usr/sbin/|=$R/usr/sbin/|g" -e "s| /etc/driftwatch/| $R/etc/driftwatch/|g" "$U" >"$T/driftwatch.service"
systemd-analyze verify "$T/driftwatch.service" >"$T/verify" 2>&1 || { cat "$T/verify"; fail "systemd-analyze verify on the installed unit"; }
grep -v '^$' "$T/verify" | grep -q . && { cat "$T/verify"; fail "systemd-analyze verify printed warnings"; }
ok "systemd-analyze verify passes on the installed unit"

finish
