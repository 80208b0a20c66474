#!/bin/sh
# GET /metrics counts the outbox from tallies that triggers keep (migration 13), not by scanning
# every row at each scrape. The tallies must always be what a scan would count: after deliveries,
# after a few hundred arbitrary changes to the rows (states, attempts, times, transports, deletes),
# and after the migration fills them from an existing outbox. Open disputes by stage come from a
# covering index. Then /metrics reports exactly the scan's figures, histogram included, and
# promtool passes.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || fail "promtool missing (scripts/install-deps test installs prometheus)"
PORT=$(free_port)
printf '[http]\nlisten = 127.0.0.1:%s\n' "$PORT" | write_config
URL=http://127.0.0.1:$PORT
export DRIFTWATCH_NOW=2026-03-02T10:00

ctl outbox add someone@council.example --urgent --count 300 --subject "Metrics" >/dev/null || fail "enqueue"
start_daemon
wait_until 20 sh -c "[ \"\$(sqlite3 '$T/dw.db' \"SELECT count(*) FROM outbox WHERE state = 'sent'\")\" = 300 ]" ||
	fail "the file transport did not send the 300"
stop_daemon || fail "daemon did not stop cleanly"

# compare.py DB [METRICS]: the tallies against a scan of the rows; with METRICS, the scrape too.
cat >"$T/compare.py" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
q = lambda sql: db.execute(sql).fetchall()
scan_states = q("SELECT state, transport, count(*) FROM outbox GROUP BY 1, 2 ORDER BY 1, 2")
tally_states = q("SELECT state, transport, rows FROM outbox_tally WHERE rows > 0 ORDER BY 1, 2")
scan_out = q("SELECT coalesce(sum(state = 'sent'), 0), coalesce(sum(state = 'dead'), 0), coalesce(sum("
             "CASE WHEN state = 'sent' THEN max(attempts - 1, 0) ELSE attempts END), 0) FROM outbox")[0]
tally_out = q("SELECT sent, dead, failed FROM outbox_outcomes")[0]
lat = [r[0] for r in q("SELECT max(sent_at - created_at, 0) FROM outbox WHERE state = 'sent' AND sent_at IS NOT NULL")]
bounds = (1, 5, 15, 60, 300, 900, 3600, 14400, 86400)
bucket = lambda d: next((b for b in bounds if d <= b), -1)
tally_lat = sorted(q("SELECT le, rows, seconds FROM outbox_latency WHERE rows > 0"))
scan_lat = sorted((b, sum(1 for d in lat if bucket(d) == b), sum(d for d in lat if bucket(d) == b))
                  for b in set(map(bucket, lat)))
bad = []
if scan_states != tally_states: bad.append("states: scan %s, tally %s" % (scan_states, tally_states))
if tuple(scan_out) != tuple(tally_out): bad.append("outcomes: scan %s, tally %s" % (scan_out, tally_out))
if scan_lat != tally_lat: bad.append("latency: scan %s, tally %s" % (scan_lat[:10], tally_lat[:10]))
if len(sys.argv) > 2:
    m = {}
    for line in open(sys.argv[2]):
        if not line.startswith("#") and line.strip():
            k, v = line.rsplit(" ", 1)
            m[k] = float(v)
    want = {"driftwatch_notices_sent_total": scan_out[0], "driftwatch_notices_dead_total": scan_out[1],
            "driftwatch_delivery_attempts_failed_total": scan_out[2],
            "driftwatch_delivery_latency_seconds_count": len(lat),
            "driftwatch_delivery_latency_seconds_sum": sum(lat),
            'driftwatch_delivery_latency_seconds_bucket{le="+Inf"}': len(lat)}
    for le in (1, 5, 15, 60, 300, 900, 3600, 14400, 86400):
        want['driftwatch_delivery_latency_seconds_bucket{le="%g"}' % le] = sum(1 for d in lat if d <= le)
    for s, t, n in scan_states:
        want['driftwatch_outbox_notices{state="%s",transport="%s"}' % (s, t)] = n
    for k, v in want.items():
        if m.get(k) != v: bad.append("%s: scraped %s, scan %s" % (k, m.get(k), v))
    got = sorted(k for k in m if k.startswith("driftwatch_outbox_notices{"))
    if len(got) != len(scan_states): bad.append("outbox series: %s" % got)
if bad:
    print("\n".join(bad)); sys.exit(1)
print("same: %d state rows, %s outcomes, %d latencies" % (len(scan_states), tuple(scan_out), len(lat)))
PY
$PY "$T/compare.py" "$T/dw.db" >"$T/cmp" 2>&1 || fail "after deliveries: $(cat "$T/cmp")"
ok "after 300 deliveries the tallies are what a scan counts"

# Arbitrary changes, each its own statement as the daemon's and driftwatchctl's would be.
cat >"$T/churn.py" <<'PY'
import random, sqlite3, sys
random.seed(14)
db = sqlite3.connect(sys.argv[1], isolation_level=None)
ids = [r[0] for r in db.execute("SELECT id FROM outbox")]
states = ["pending", "sending", "sent", "retry", "dead", "held"]
for i in range(400):
    op, rid = random.random(), random.choice(ids)
    if op < 0.35:
        s = random.choice(states)
        db.execute("UPDATE outbox SET state = ?, attempts = attempts + ?, sent_at = CASE WHEN ? = 'sent' "
                   "THEN created_at + ? ELSE sent_at END WHERE id = ?", (s, random.randint(0, 2), s,
                   random.choice([0, 3, 40, 700, 5000, 90000]), rid))
    elif op < 0.5:
        db.execute("UPDATE outbox SET attempts = ? WHERE id = ?", (random.randint(0, 6), rid))
    elif op < 0.6:
        db.execute("UPDATE outbox SET created_at = created_at - ? WHERE id = ?", (random.randint(0, 20000), rid))
    elif op < 0.7:
        db.execute("UPDATE outbox SET sent_at = NULL WHERE id = ?", (rid,))
    elif op < 0.8:
        db.execute("UPDATE outbox SET transport = ? WHERE id = ?", (random.choice(["file", "mail", "hook"]), rid))
    elif op < 0.9 and len(ids) > 50:
        db.execute("DELETE FROM outbox WHERE id = ?", (rid,))
        ids.remove(rid)
    else:
        db.execute("UPDATE outbox SET state = 'pending' WHERE state IN ('sending', 'held')")
PY
$PY "$T/churn.py" "$T/dw.db" || fail "churn"
$PY "$T/compare.py" "$T/dw.db" >"$T/cmp" 2>&1 || fail "after 400 changes: $(cat "$T/cmp")"
ok "after 400 arbitrary changes (states, attempts, times, transports, deletes) the tallies still match"

# The migration fills the tallies from the rows an older database already holds: roll back to
# the one before it (12; the tally migration is 13, 14 and 15 are the answer links' and the
# calendar feeds' tables, 16 drops its insert trigger: store_commit counts what it queued, and 17
# adds actions.expected_on)
# and let store_migrate run 13 and what follows again.
[ "$(sqlite3 "$T/dw.db" "SELECT count(*) FROM sqlite_master WHERE name = 'outbox_tally'")" = 1 ] || fail "no outbox_tally"
sqlite3 "$T/dw.db" "DROP TRIGGER outbox_tally_delete;
	DROP TRIGGER outbox_tally_update; DROP TRIGGER outbox_outcomes_update; DROP TRIGGER outbox_latency_update;
	DROP TABLE outbox_tally; DROP TABLE outbox_outcomes; DROP TABLE outbox_latency; DROP INDEX disputes_open_stage;
	UPDATE outbox SET state = 'dead', attempts = 3 WHERE id % 7 = 0;
	DROP TABLE link_keys; DROP TABLE link_used; DROP TABLE lac_bookings; DROP TABLE feed_tokens;
	ALTER TABLE actions DROP COLUMN expected_on;
	PRAGMA user_version = 12;" || fail "could not roll the schema back"
ctl outbox add other@council.example --urgent --count 5 --subject "After" >/dev/null || fail "enqueue after"
[ "$(sqlite3 "$T/dw.db" "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'outbox_%'")" = 4 ] ||
	fail "the migrations did not make their triggers again"
$PY "$T/compare.py" "$T/dw.db" >"$T/cmp" 2>&1 || fail "after the migration: $(cat "$T/cmp")"
ok "the migration fills the tallies from an existing outbox"

# Open disputes by stage are counted from a covering index, not the rows (SQLite's plan says so).
sqlite3 "$T/dw.db" "EXPLAIN QUERY PLAN SELECT stage, count(*) FROM disputes WHERE resolved_on IS NULL
	GROUP BY stage ORDER BY stage" >"$T/plan" || fail "query plan"
grep -q "USING COVERING INDEX disputes_open_stage" "$T/plan" && ! grep -q "TEMP B-TREE" "$T/plan" ||
	fail "open disputes by stage are not counted from the index: $(cat "$T/plan")"
ok "open disputes by stage come from the covering index"

# What /metrics reports is the scan's figures exactly, once the daemon has delivered what it can
# (the churn's made-up transports are put back to the one this ini has).
sqlite3 "$T/dw.db" "UPDATE outbox SET transport = 'file' WHERE transport <> 'file'" || fail "transports back"
start_daemon
wait_log "http: listening on 127.0.0.1:$PORT" 5 || fail "no listener"
stop_sending=$(sqlite3 "$T/dw.db" "SELECT count(*) FROM outbox WHERE state IN ('pending', 'retry')")
wait_until 20 sh -c "[ \"\$(sqlite3 '$T/dw.db' \"SELECT count(*) FROM outbox WHERE state IN ('pending', 'retry', 'sending')\")\" = 0 ]" ||
	fail "$stop_sending notices were not delivered"
curl -s -o "$T/metrics" "$URL/metrics" || fail "GET /metrics"
promtool check metrics <"$T/metrics" >"$T/promtool" 2>&1 || fail "promtool: $(cat "$T/promtool")"
$PY "$T/compare.py" "$T/dw.db" "$T/metrics" >"$T/cmp" 2>&1 || fail "the scrape: $(cat "$T/cmp")"
ok "GET /metrics reports what a scan counts (outbox, outcomes, histogram); promtool passes"
stop_daemon || fail "daemon did not stop cleanly"
finish
