#!/bin/sh
# Crash: 1,000 notices, the daemon SIGKILLed at a random moment during delivery and restarted,
# five times. Every notice arrives; duplicates are at most the in-flight window per kill.
. "$(dirname "$0")/lib.sh"

N=1000
KILLS=5
CONC=4
start_smtp
{ smtp_transport; printf 'concurrency = %s\n' $CONC; } | write_config
ctl outbox add someone@council.example --urgent --count $N --key crash --subject "Crash test" >/dev/null || fail "enqueue"

kills=0
while [ $kills -lt $KILLS ]; do
	start_daemon
	# A random moment while delivery is under way: after 1 to 100 more messages have arrived.
	more=$(awk -v k=$kills 'BEGIN { srand(); srand(srand() + k); print 1 + int(rand() * 100) }')
	target=$(($(mail_count) + more))
	wait_until 30 sh -c "[ \$(ls $T/mail 2>/dev/null | grep -c '^[0-9]*\.eml') -ge $target ]" ||
		fail "kill $((kills + 1)): delivery did not get under way ($(mail_count) messages, want $target)"
	kill -9 "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	kills=$((kills + 1))
	# What the restart sends again: rows left 'sending'. Accepted notices are recorded a refill at
	# a time, yet never more than the transport's concurrency may be unsettled at once.
	unsettled=$(ctl outbox list --state sending --limit 0 | grep -c ' sending ')
	echo "kill $kills: $(mail_count) messages received so far, $unsettled left sending"
	[ "$unsettled" -le $CONC ] || fail "kill $kills: $unsettled notices left sending, more than concurrency $CONC"
done
start_daemon
wait_until 120 sh -c "[ \"\$($DWC -f $T/dw.ini outbox list --state sent --limit 0 | grep -c ' sent ')\" -ge $N ]" ||
	fail "not every notice was recorded sent"
stop_daemon || fail "daemon exit"

$PY - "$T/mail" $N $KILLS $CONC <<'PYEOF' || fail "delivery counts"
import email, glob, sys
from collections import Counter
mail, n, kills, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ids = Counter()
for f in glob.glob(mail + "/[0-9]*.eml"):
    with open(f, "rb") as fh:
        ids[email.message_from_binary_file(fh)["Message-ID"]] += 1
distinct = len(ids)
dups = sum(c - 1 for c in ids.values())
print(f"crash: {n} notices, {kills} kills: {distinct} distinct delivered, {dups} duplicates "
      f"(bound {kills * conc}: {conc} in flight per kill)")
assert distinct == n, f"{n - distinct} notices lost"
assert dups <= kills * conc, f"{dups} duplicates exceed the in-flight window"
PYEOF
ok "every notice arrived across $KILLS kills, duplicates within the in-flight window"
finish
