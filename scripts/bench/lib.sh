# scripts/bench/lib.sh: what the benchmarks share, sourced after setting BENCH (the script's name,
# for messages and the work dir), top (the repository) and PY. Makes the work dir $T, kills what
# was started ($PIDS) on exit, and removes $T unless KEEP=1.

T=$(mktemp -d "/tmp/$BENCH.XXXXXX")
PIDS=
SINK=$top/scripts/bench/webhook-sink.py

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ "${KEEP:-}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'echo "$BENCH: interrupted" >&2; exit 130' INT TERM HUP

die() {
	echo "$BENCH: $*" >&2
	exit 1
}

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for SECONDS COMMAND...: poll every 10 ms until COMMAND succeeds; 1 on timeout.
wait_for() {
	local deadline
	deadline=$(awk -v t="$EPOCHREALTIME" -v s="$1" 'BEGIN { printf "%.3f", t + s }')
	shift
	until "$@" >/dev/null 2>&1; do
		awk -v t="$EPOCHREALTIME" -v d="$deadline" 'BEGIN { exit !(t > d) }' && return 1
		sleep 0.01
	done
	return 0
}

port_open() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
nonempty() { [ -s "$1" ]; }
sent_is() { [ "$(sqlite3 "$1" "SELECT count(*) FROM outbox WHERE state = 'sent'" 2>/dev/null)" = "$2" ]; }

# stop_pid PID SECONDS: SIGTERM, wait up to SECONDS, then SIGKILL.
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait_for "$2" sh -c "! kill -0 $1" || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# start_sink DIR COUNT: the webhook sink on a fresh port ($SINK_PORT, $SINK_PID); it writes
# DIR/sink.out ("COUNT SPAN CPU": span and its own CPU in seconds) when COUNT requests have arrived.
start_sink() {
	SINK_PORT=$(free_port)
	$PY "$SINK" --port "$SINK_PORT" --expect "$2" --out "$1/sink.out" >"$1/sink.log" 2>&1 &
	SINK_PID=$!
	PIDS="$PIDS $SINK_PID"
	wait_for 10 port_open "$SINK_PORT" || die "the webhook sink did not start"
}

# dw_config DIR: DIR/dw.ini: [daemon] and [outbox] for a bench run, then stdin.
dw_config() {
	{
		printf '[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n' "$1" "$top"
		printf 'admin_email = admin@council.example\n'
		printf '[outbox]\nbatch = 1000\n'
		cat
	} >"$1/dw.ini"
}
