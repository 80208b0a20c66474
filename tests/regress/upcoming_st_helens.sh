#!/bin/sh
# driftwatchctl upcoming on the real St Helens plan: after the daemon's pass on 2021-02-15 it lists,
# per recipient, the notices the next two weeks bring (the 3wd reminders of 24 February, the
# overdue ladder of 1 March), writing nothing; moving the clock on, the daemon then creates exactly
# those notices (dedupe keys and recipients compared) and delivers to exactly those people.
# --to keeps one recipient; --days is checked.
. "$(dirname "$0")/lib.sh"

start_smtp
{ smtp_transport; grep -v '^email = dci@' "$TOP/etc/samples/st-helens-roles.ini"; } | write_config

export DRIFTWATCH_NOW=2021-02-15T09:00
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions"
unset DRIFTWATCH_NOW

# Every notice row in the database, as "dedupe_key<TAB>recipient", after a given id.
rows_after() {
	$PY - "$T/dw.db" "$1" <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
for key, rcpt in db.execute("SELECT dedupe_key, recipient FROM outbox WHERE id > ? ORDER BY 1, 2", (int(sys.argv[2]),)):
    print("%s\t%s" % (key, rcpt))
PYEOF
}
count_rows() {
	$PY -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit), (SELECT coalesce(max(id), 0) FROM outbox)").fetchone())' "$T/dw.db"
}

# 2021-02-15: the daemon sends what is due (32 messages), and stops.
DRIFTWATCH_NOW=2021-02-15T09:00 start_daemon
wait_until 30 sh -c "[ \$(ls $T/mail | grep -c '\.eml$') -ge 32 ]" || fail "2021-02-15: $(mail_count) messages, want 32"
stop_daemon || fail "daemon exit"
before=$(count_rows)
mark=$(echo "$before" | sed 's/^(\([0-9]*\), \([0-9]*\), \([0-9]*\))$/\3/')
mails_before=$(mail_count)

DRIFTWATCH_NOW=2021-02-15T09:00 ctl upcoming --days 14 >"$T/up.txt" 2>/dev/null || fail "upcoming"
DRIFTWATCH_NOW=2021-02-15T09:00 ctl upcoming --days 14 --json >"$T/up.json" 2>/dev/null || fail "upcoming --json"
[ "$(count_rows)" = "$before" ] || fail "upcoming wrote to the database: $before -> $(count_rows)"
ok "upcoming writes nothing (outbox and audit unchanged)"

$PY - "$T/up.json" >"$T/want" <<'PYEOF' || fail "upcoming --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["days"] == 14 and d["from"] == "2021-02-15T09:00:00Z" and d["to"] == "2021-03-01T09:00:00Z", d
for n in d["notices"]:
    assert "2021-02-15T09:00:00Z" < n["at"] <= "2021-03-01T09:00:00Z", n
    assert not n["queued"], n
    print("%s\t%s" % (n["dedupe_key"], n["recipient"]))
PYEOF
LC_ALL=C sort "$T/want" -o "$T/want"
n=$(wc -l <"$T/want")
grep -q ':remind:.*:due=2021-02-28:3wd:' "$T/want" || fail "no 3wd reminder in upcoming"
grep -q '^actions:escalate:.*:due=2021-02-28:L1:' "$T/want" || fail "no escalation 1 in upcoming"
head -n 1 "$T/up.txt" | grep -q "^$n notices to [0-9]* recipients from 2021-02-15 09:00 to 2021-03-01 09:00:" ||
	fail "upcoming text header: $(head -n 1 "$T/up.txt")"
grep -q "^dcs@st-helens.example$" "$T/up.txt" || fail "upcoming text not grouped per recipient"
grep -q "^  2021-03-01 08:00  escalation Overdue improvement action st-helens-ilacs-2020 1.1a: escalation 1" "$T/up.txt" ||
	fail "upcoming text lacks 1.1a's escalation on 1 March"
ok "upcoming --days 14: $n notices, per recipient: the 3wd reminders and the 1 March ladder"

DRIFTWATCH_NOW=2021-02-15T09:00 ctl upcoming --days 14 --to PSW@st-helens.example --json 2>/dev/null >"$T/psw.json" ||
	fail "upcoming --to"
$PY - "$T/psw.json" "$(grep -c "	psw@st-helens.example$" "$T/want")" <<'PYEOF' || fail "upcoming --to"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["notices"]) == int(sys.argv[2]) > 0, (len(d["notices"]), sys.argv[2])
assert {n["recipient"] for n in d["notices"]} == {"psw@st-helens.example"}, d
PYEOF
ctl upcoming --days 0 >/dev/null 2>"$T/err"
[ $? -eq 64 ] || fail "--days 0 accepted"
grep -q -- '--days: "0" is not a whole number of days from 1 to 366' "$T/err" || fail "--days error: $(cat "$T/err")"
ok "--to keeps one recipient (any case); a bad --days is refused"

# Move the clock on as the daemon would live it: 24 February, then 1 March.
for at in 2021-02-24T09:00 2021-03-01T09:00; do
	DRIFTWATCH_NOW=$at start_daemon
	wait_until 30 sh -c "$PY -c 'import sqlite3; db = sqlite3.connect(\"file:$T/dw.db?mode=ro\", uri=True); \
		exit(db.execute(\"SELECT count(*) FROM outbox WHERE state <> \\\"sent\\\"\").fetchone()[0] != 0)'" ||
		fail "at $at the outbox did not drain"
	stop_daemon || fail "daemon exit at $at"
done
rows_after "$mark" | LC_ALL=C sort >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || fail "the daemon sent other notices than upcoming listed: $(head -n 20 "$T/diff")"
cut -f2 "$T/want" | sort -u >"$T/want.to"
$PY - "$T/mail" "$mails_before" <<'PYEOF' | sort -u >"$T/got.to" || fail "reading the mail"
import glob, json, sys
files = sorted(glob.glob(sys.argv[1] + "/*.env"), key=lambda f: int(f.rsplit("/", 1)[1].split(".")[0]))
for f in files[int(sys.argv[2]):]:
    for line in open(f):
        for r in json.loads(line)["rcpt_tos"]:
            print(r)
PYEOF
diff "$T/want.to" "$T/got.to" >"$T/diff" || fail "recipients differ: $(cat "$T/diff")"
ok "moving the clock on, the daemon creates exactly the $n notices upcoming listed (keys and recipients), to the same people"

finish
