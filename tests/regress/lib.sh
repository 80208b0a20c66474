# lib.sh: shared helpers for scenario scripts. Source it first: `. "$(dirname "$0")/lib.sh"`.
# Each scenario gets its own temp dir, database, spool and ports; the real binaries come from
# $DRIFTWATCH_BUILD (default build/), the repository from $DRIFTWATCH_TOP (default .).
set -u
TOP=${DRIFTWATCH_TOP:-$(pwd)}
BUILD=${DRIFTWATCH_BUILD:-$TOP/build}
DWD=$BUILD/driftwatchd
DWC=$BUILD/driftwatchctl
PY=/usr/bin/python3
T=$(mktemp -d /tmp/dwtest.XXXXXX)
DAEMON_PID=
FAKE_PIDS=
checks=0

cleanup() {
	[ -n "$DAEMON_PID" ] && kill -9 "$DAEMON_PID" 2>/dev/null
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null; done
	mountpoint -q "$T/disk" 2>/dev/null && umount "$T/disk"
	wait 2>/dev/null
	if [ "${KEEP:-}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*"
	if [ -f "$T/daemon.log" ]; then echo "--- daemon log (last 40 lines)"; tail -n 40 "$T/daemon.log"; fi
	exit 1
}

ok() {
	checks=$((checks + 1))
	echo "ok: $*"
}

# A free TCP port on loopback.
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Write $T/dw.ini: [daemon] with a database, bank holidays and an admin, then whatever is on stdin.
write_config() {
	{
		printf '[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n' "$T" "$TOP"
		printf 'admin_email = admin@council.example\nwatch_interval = 100\n'
		cat
	} >"$T/dw.ini"
}

# driftwatchctl on this scenario's config.
ctl() {
	"$DWC" -f "$T/dw.ini" "$@"
}

# Start the daemon in the background; its log goes to $T/daemon.log (appended). wait_log looks
# only at what this daemon wrote.
start_daemon() {
	LOG_MARK=0
	[ -f "$T/daemon.log" ] && LOG_MARK=$(wc -c <"$T/daemon.log")
	"$DWD" -d -f "$T/dw.ini" >>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	wait_log "started" 10 || fail "daemon did not start"
}

# Wait until the current daemon's log holds a line matching a pattern (at most N seconds, polling).
wait_log() {
	pat=$1
	_n=$(($2 * 20))
	while [ "$_n" -gt 0 ]; do
		tail -c +$((${LOG_MARK:-0} + 1)) "$T/daemon.log" 2>/dev/null | grep -q -- "$pat" && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

# Wait until a command succeeds (at most N seconds).
wait_until() {
	_n=$(($1 * 20))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
		_n=$((_n - 1))
	done
	return 1
}

# Stop the daemon with SIGTERM and wait for it; returns its exit status.
stop_daemon() {
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	[ $rc -eq 0 ] || echo "daemon exit status $rc"
	return $rc
}

# Count files in the spool matching a glob.
spool_count() {
	ls "$T/spool" 2>/dev/null | grep -c -- "${1:-.}" || true
}

finish() {
	echo "$checks checks passed"
	exit 0
}

# Start the SMTP fake on a free port: $SMTP_PORT, messages in $T/mail. Extra options pass through.
start_smtp() {
	start_smtp_on "$(free_port)" "$@"
}

# An smtp transport section for the fake (plain, loopback), as the default transport.
smtp_transport() {
	printf '[transport "mail"]\ntype = smtp\nurl = smtp://127.0.0.1:%s\ntls = none\nfrom = Children'"'"'s Services Timescales <driftwatch@council.example>\n' "$SMTP_PORT"
}

# Messages the SMTP fake accepted.
mail_count() {
	ls "$T/mail" 2>/dev/null | grep -c '^[0-9]*\.eml$' || true
}

# Recipients of every accepted message, one a line, sorted.
mail_recipients() {
	cat "$T"/mail/*.env 2>/dev/null | $PY -c 'import json, sys
for line in sys.stdin:
    for r in json.loads(line)["rcpt_tos"]:
        print(r)' | sort
}

# The .eml files of messages accepted for one recipient.
mail_files_to() {
	grep -l "\"$1\"" "$T"/mail/*.env 2>/dev/null | sed 's/\.env$/.eml/'
}

# Start the SMTP fake on a given port (a receiver that comes back).
start_smtp_on() {
	SMTP_PORT=$1
	shift
	rm -f "$T/smtp.ready"
	$PY "$TOP/tests/fakes/smtp_server.py" --port "$SMTP_PORT" --out "$T/mail" --ready-file "$T/smtp.ready" "$@" \
		>>"$T/smtp.log" 2>&1 &
	SMTP_PID=$!
	FAKE_PIDS="$FAKE_PIDS $SMTP_PID"
	wait_until 10 test -f "$T/smtp.ready" || fail "SMTP fake did not start"
}

# Start the webhook sink on a free port: $HOOK_PORT, requests in $T/hook.jsonl. Options pass through.
start_sink() {
	HOOK_PORT=$(free_port)
	rm -f "$T/hook.ready"
	$PY "$TOP/tests/fakes/webhook_sink.py" --port "$HOOK_PORT" --out "$T/hook.jsonl" --ready-file "$T/hook.ready" "$@" \
		>>"$T/hook.log" 2>&1 &
	HOOK_PID=$!
	FAKE_PIDS="$FAKE_PIDS $HOOK_PID"
	wait_until 10 test -f "$T/hook.ready" || fail "webhook sink did not start"
}

# Requests the sink has recorded.
hook_count() {
	[ -f "$T/hook.jsonl" ] && wc -l <"$T/hook.jsonl" || echo 0
}

# An smtp transport "mail" whose password is the systemd credential smtp-password (never reached:
# the install tests check how the secret is found, not a delivery).
credential_smtp_transport() {
	printf '[transport "mail"]\ntype = smtp\nurl = smtp://127.0.0.1:2525\ntls = none\n'
	printf 'from = driftwatch@council.example\nusername = driftwatch@council.example\n'
	printf 'password_file = credential:smtp-password\n'
}

# Listen for the daemon's sd_notify messages (NOTIFY_SOCKET), one a line in $T/notify.log; once a
# scenario.
notify_listen() {
	[ -n "${NOTIFY_PID:-}" ] && return 0
	rm -f "$T/notify.sock"
	: >"$T/notify.log"
	$PY -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")' "$T/notify.sock" "$T/notify.log" 2>>"$T/notify.err" &
	NOTIFY_PID=$!
	FAKE_PIDS="$FAKE_PIDS $NOTIFY_PID"
	wait_until 10 test -S "$T/notify.sock" || fail "the sd_notify listener did not start"
}

# start_daemon, then wait until the daemon says READY=1: its first planning pass is done, so every
# notice that pass queues is in the outbox. DAEMON_NOW and DAEMON_STARTED note its clock for
# outbox_settled.
start_daemon_ready() {
	notify_listen
	_ready=$(grep -c '^READY=1' "$T/notify.log")
	DAEMON_NOW=${DRIFTWATCH_NOW:-}
	DAEMON_STARTED=$(date +%s.%N)
	NOTIFY_SOCKET=$T/notify.sock start_daemon
	wait_until 10 sh -c "[ \$(grep -c '^READY=1' '$T/notify.log') -gt $_ready ]" ||
		fail "the daemon did not say READY=1"
}

# outbox_is settled: nothing sending, nothing pending or to retry that is due by the daemon's clock
# (DRIFTWATCH_NOW at its start, running on). outbox_is due: nothing pending or to retry that is not
# yet due, so the next delivery pass sees every notice.
outbox_is() { # settled|due
	ctl outbox list --limit 0 --json | $PY -c 'import datetime, json, sys, time, zoneinfo
mode, injected, started = sys.argv[1], sys.argv[2], float(sys.argv[3] or time.time())
now = time.time()
if injected:
    t = datetime.datetime.fromisoformat(injected)
    if t.tzinfo is None:
        t = t.replace(tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    now = t.timestamp() + (now - started)
at = lambda r: datetime.datetime.fromisoformat(r["next_attempt_at"].replace("Z", "+00:00")).timestamp()
due = lambda r: r["next_attempt_at"] is None or at(r) <= now + 1
rows = json.load(sys.stdin)
if mode == "settled":
    busy = [r for r in rows if r["state"] == "sending" or (r["state"] in ("pending", "retry") and due(r))]
else:
    busy = [r for r in rows if r["state"] in ("pending", "retry") and not due(r)]
sys.exit(1 if busy else 0)' "$1" "${DAEMON_NOW:-${DRIFTWATCH_NOW:-}}" "${DAEMON_STARTED:-}"
}

# Wait (at most N seconds) until the outbox is settled: what the daemon had to send now is sent, so
# a count taken after it is final. Start the daemon with start_daemon_ready first.
wait_settled() {
	wait_until "$1" outbox_is settled
}

# Is barrier notice N sent, with nothing in flight?
barrier_passed() { # N
	ctl outbox list --limit 0 --json | $PY -c 'import json, sys
rows = json.load(sys.stdin)
sent = any(r["subject"] == "Barrier " + sys.argv[1] and r["state"] == "sent" for r in rows)
sys.exit(0 if sent and not any(r["state"] == "sending" for r in rows) else 1)' "$1"
}

# Send one urgent marker notice through TRANSPORT (one that delivers) and wait, at most N seconds,
# until it is sent and nothing is in flight: the delivery pass that took it looked at every notice
# due before it, so whatever a faulty daemon would have sent by then has been sent.
wait_delivery_pass() { # TRANSPORT N
	_barrier=$((${_barrier:-0} + 1))
	ctl outbox add barrier@council.example --urgent --transport "$1" --key "barrier-$_barrier" \
		--subject "Barrier $_barrier" >/dev/null || fail "cannot queue the barrier notice"
	wait_until "$2" barrier_passed "$_barrier"
}
