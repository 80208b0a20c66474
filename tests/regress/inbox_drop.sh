#!/bin/sh
# Drop folders as a council's nightly job meets them: a file set dropped into a watched folder of a
# running daemon is imported once through the same importer as driftwatchctl, moved to done/ with
# its report and listed by `import log --json` (who inbox:NAME, SHA-256 of each file); a file still
# being written (a chunk every 200 ms) is not imported early; two sets at once both go in; a bad
# file goes to failed/ with its report, changes nothing and the admin is told with FILE:LINE:COLUMN;
# an older extract (file dates, or for SSDA903 its latest episode and review) is refused until forced
# by hand; the same files again are "already imported".
. "$(dirname "$0")/lib.sh"

export DRIFTWATCH_NOW=2024-04-02T10:00

# Wait until the daemon log holds N lines matching a pattern (at most S seconds).
wait_count() {
	wait_until "$3" sh -c "[ \$(grep -c -- '$1' '$T/daemon.log') -ge $2 ]"
}
mkdir -p "$T/in903" "$T/inalloc" "$T/x1" "$T/x2"
write_config <<EOF2
[transport "spool"]
type = file
spool = $T/spool

[import "ssda903"]
dir = $T/in903
format = ssda903
stable_after = 1s

[import "alloc"]
dir = $T/inalloc
format = allocations
stable_after = 1s
EOF2
$PY "$TOP/scripts/gen-extract" 40 "$T/x1" 1 >/dev/null || fail "gen-extract"
start_daemon
wait_log "inbox: watching 2 folders" 5 || fail "the daemon does not watch the folders"

# Two sets at once: the 903 set (with a .done marker) and an allocations file; each goes in.
cp "$T/x1/header.csv" "$T/x1/episodes.csv" "$T/x1/reviews.csv" "$T/in903/"
: >"$T/in903/.done"
cp "$T/x1/allocations.csv" "$T/inalloc/"
wait_log "inbox: ssda903: imported 3 files; moved to done/" 20 || fail "the 903 set was not imported"
wait_log "inbox: alloc: imported 1 file; moved to done/" 20 || fail "the allocations set was not imported"
[ "$(ctl children list | tail -n 1)" = "40 children" ] || fail "children after the drop: $(ctl children list | tail -n 1)"
d=$(ls "$T/in903/done")
[ "$(ls "$T/in903/done" | wc -l)" -eq 1 ] || fail "want one set in done/: $(ls "$T/in903/done")"
for f in header.csv episodes.csv reviews.csv import.report.txt .done; do
	[ -f "$T/in903/done/$d/$f" ] || fail "done/$d/$f is missing"
done
[ -z "$(ls "$T/in903" | grep -v '^done$' | grep -v '^failed$')" ] || fail "files left in the inbox: $(ls "$T/in903")"
grep -q "reviews.csv: .* rows: .* used" "$T/in903/done/$d/import.report.txt" || fail "report: $(cat "$T/in903/done/$d/import.report.txt")"
[ "$(grep -c 'inbox: ssda903: importing' "$T/daemon.log")" -eq 1 ] || fail "the set was imported more than once"
ok "two sets at once: each imported once, moved to done/ beside its report"

ctl import log --json >"$T/log.json" || fail "import log --json"
$PY - "$T/log.json" "$T/x1" <<'PYEOF' || fail "import log: $(cat "$T/log.json")"
import hashlib, json, sys
log = json.load(open(sys.argv[1]))
by = {r["kind"]: r for r in log}
assert set(by) == {"ssda903", "allocations"}, by.keys()
assert by["ssda903"]["who"] == "inbox:ssda903" and by["allocations"]["who"] == "inbox:alloc"
names = {f["name"]: f["sha256"] for f in by["ssda903"]["files"]}
for n in ("header.csv", "episodes.csv", "reviews.csv"):
    assert names[n] == hashlib.sha256(open(sys.argv[2] + "/" + n, "rb").read()).hexdigest(), n
assert "40 children" in by["ssda903"]["summary"]
assert "40 cases" in by["allocations"]["summary"]
PYEOF
ok "import log --json: who (inbox:NAME), each file's SHA-256, the importer's summary"

# A file written slowly, a chunk every 200 ms for about 2.5 s: not imported before the last chunk.
$PY - "$T/x1/allocations.csv" "$T/inalloc/allocations.csv" "$T/written" <<'PYEOF' &
import sys, time
data = open(sys.argv[1], "rb").read().replace(b"Worker 0", b"Worker 9")
step = len(data) // 12 + 1
with open(sys.argv[2], "wb") as f:
    for i in range(0, len(data), step):
        f.write(data[i:i + step]); f.flush(); time.sleep(0.2)
open(sys.argv[3], "w").close()
PYEOF
WRITER=$!
wait "$WRITER"
[ -f "$T/written" ] || fail "the slow writer did not finish"
[ "$(grep -c 'inbox: alloc: importing' "$T/daemon.log")" -eq 1 ] || fail "the half-written file was imported before it was complete"
wait_count "inbox: alloc: imported 1 file" 2 20 || fail "the slowly written file was not imported once complete"
r=$(ls -t "$T/inalloc/done" | head -n 1)
grep -q "40 cases imported" "$T/inalloc/done/$r/import.report.txt" || fail "slow file's report: $(cat "$T/inalloc/done/$r/import.report.txt")"
ok "a file still being written is imported only once it is complete"

# A bad file: failed/ with its report, nothing changed, the admin told with the line and column.
before=$(ctl import log --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
printf 'case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email\n144175,North,W,not-an-email,M,tm@council.example,I,iro@council.example\n' >"$T/inalloc/bad.csv"
wait_count "inbox: alloc: import failed (exit 65); moved to failed/" 1 20 || fail "the bad file was not failed"
f=$(ls "$T/inalloc/failed")
[ -f "$T/inalloc/failed/$f/bad.csv" ] || fail "bad.csv is not in failed/$f"
grep -q "bad.csv:2:" "$T/inalloc/failed/$f/import.report.txt" || fail "failed report: $(cat "$T/inalloc/failed/$f/import.report.txt")"
after=$(ctl import log --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$before" = "$after" ] || fail "a failed import was logged as imported"
wait_until 15 sh -c "ls $T/spool | grep -q alert" || fail "the admin was not told"
$PY - "$T/spool" "failed/$f/" <<'PYEOF' || fail "the admin's alert: $(cat "$T/spool"/*alert*)"
import email, email.policy, glob, sys
alerts = [email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
          for p in glob.glob(sys.argv[1] + "/*alert*")]
assert len(alerts) == 1, len(alerts)
m = alerts[0]
assert m["To"] == "admin@council.example", m["To"]
assert m["Subject"] == 'driftwatch: the allocations extract in [import "alloc"] was not imported', m["Subject"]
body = m.get_body().get_content()
assert 'bad.csv:2:16: social_worker_email: "not-an-email" is not an email address' in body, body
assert sys.argv[2] in body and "Nothing was imported" in body, body
PYEOF
ok "a bad file goes to failed/ with its report, changes nothing, and the admin is told FILE:LINE:COLUMN"

# An older extract (file dates before the one imported) is refused; --force by hand takes it.
$PY "$TOP/scripts/gen-extract" 20 "$T/x2" 2 >/dev/null || fail "gen-extract"
touch -d 2020-01-01 "$T/x2/allocations.csv"
cp -p "$T/x2/allocations.csv" "$T/inalloc/old.csv"
wait_count "inbox: alloc: import failed (exit 65)" 2 20 || fail "the older extract was not refused"
n=$(ls -t "$T/inalloc/failed" | head -n 1)
grep -q "older than the extract imported on 2024-04-02.*--force" "$T/inalloc/failed/$n/import.report.txt" ||
	fail "stale report: $(cat "$T/inalloc/failed/$n/import.report.txt")"
ctl import allocations "$T/inalloc/failed/$n/old.csv" >"$T/out" 2>&1 && fail "the stale file was imported by hand without --force"
ctl import allocations --force "$T/inalloc/failed/$n/old.csv" >"$T/out" 2>&1 || fail "--force: $(cat "$T/out")"
grep -q "20 cases imported" "$T/out" || fail "--force: $(cat "$T/out")"
ok "an older extract is refused with its reason and taken by hand with --force"

# The same files again (a set dropped twice): already imported, a no-op, moved to done/.
cp "$T/x1/header.csv" "$T/x1/episodes.csv" "$T/x1/reviews.csv" "$T/in903/"
: >"$T/in903/.done"
wait_count "inbox: ssda903: imported 3 files" 2 20 || fail "the repeated set was not filed"
r=$(ls -t "$T/in903/done" | head -n 1)
grep -q "already imported on" "$T/in903/done/$r/import.report.txt" || fail "repeat: $(cat "$T/in903/done/$r/import.report.txt")"
[ "$(ctl import log --json | $PY -c 'import json,sys; print(sum(r["kind"] == "ssda903" for r in json.load(sys.stdin)))')" = 1 ] ||
	fail "the same files were imported twice"
ok "the same files again are already imported: nothing changes"

# An SSDA903 extract whose latest episode and review are before the data held: refused by contents
# even with new file dates; by hand --force passes the check (the importer then judges the rows).
mkdir -p "$T/old903"
$PY - "$T/x1" "$T/old903" <<'PYEOF' || fail "making the old extract"
import csv, sys
src, dst = sys.argv[1], sys.argv[2]
def old(v):
    return v == "" or v[-4:] < "2022"
for name, cols in (("header.csv", []), ("episodes.csv", ["DECOM", "DEC"]), ("reviews.csv", ["REVIEW"])):
    rows = list(csv.DictReader(open(src + "/" + name)))
    with open(dst + "/" + name, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(r for r in rows if all(old(r[c]) for c in cols))
PYEOF
cp "$T/old903"/*.csv "$T/in903/"
: >"$T/in903/.done"
wait_count "inbox: ssda903: import failed (exit 65)" 1 20 || fail "the older 903 extract was not refused"
n=$(ls -t "$T/in903/failed" | head -n 1)
grep -q "older than the data held: its latest episode or review is 2021-.*the data held has 2024-" "$T/in903/failed/$n/import.report.txt" ||
	fail "stale 903 report: $(cat "$T/in903/failed/$n/import.report.txt")"
[ "$(ctl children list | tail -n 1)" = "40 children" ] || fail "the refused extract changed the children"
ctl import ssda903 "$T/in903/failed/$n" >"$T/out" 2>&1
grep -q "older than the data held" "$T/out" || fail "by hand without --force: $(cat "$T/out")"
ctl import ssda903 --force "$T/in903/failed/$n" >"$T/out" 2>&1
grep -q "older than the data held" "$T/out" && fail "--force did not pass the check: $(cat "$T/out")"
ok "an SSDA903 extract older than the data held (by its dates) is refused unless --force"

stop_daemon || fail "daemon stop"
finish
