#!/bin/sh
# Imports over HTTP (POST /v1/imports/{kind}, scope imports): a CSV body imported by the same
# importer as driftwatchctl, recorded as http:CLIENT; the same file again is "already imported"; a
# bad CSV is 422 with file/line/column and nothing imported; the SSDA903 files as multipart; 401/403;
# a large import runs in its child while /healthz and the reads are answered and a second import
# gets 409 with Retry-After, and a drop-folder set waits for it, then goes in at once (not at the
# next tick, 60s away); the spool folder is private and emptied after each answer.
. "$(dirname "$0")/lib.sh"

export DRIFTWATCH_NOW=2024-04-02T10:00
PORT=$(free_port)
LOADER=tok-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$LOADER" >"$T/loader.token"
printf 'tok-reader-only-0123456789\n' >"$T/reader.token"
chmod 600 "$T/loader.token" "$T/reader.token"
{
	printf '[http]\nlisten = 127.0.0.1:%s\n' "$PORT"
	printf '[client "loader"]\nmay = imports\ntoken_file = %s/loader.token\n' "$T"
	printf '[client "reader"]\nmay = read\ntoken_file = %s/reader.token\n' "$T"
	printf '[import "alloc"]\ndir = %s/inalloc\nformat = allocations\nstable_after = 1s\n' "$T"
} | write_config
mkdir -p "$T/inalloc"
URL=http://127.0.0.1:$PORT/v1/imports
AUTH="Authorization: Bearer $LOADER"
logged() {
	ctl import log --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
start_daemon

H=case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
printf '%s\nCR-1001,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/alloc.csv"
printf 'CR-1002,South,Kim,kim@council.example,Tess,tess@council.example,Ian,ian@council.example\n' >>"$T/alloc.csv"

code=$(curl -s -o "$T/out" -w '%{http_code}' -H 'Content-Type: text/csv' --data-binary @"$T/alloc.csv" "$URL/allocations")
[ "$code" = 401 ] || fail "no token: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer tok-reader-only-0123456789" \
	-H 'Content-Type: text/csv' --data-binary @"$T/alloc.csv" "$URL/allocations")
[ "$code" = 403 ] || fail "a client without imports: $code $(cat "$T/out")"
[ "$(logged)" = 0 ] || fail "a refused client imported something"
ok "401 without a token, 403 for a client without the imports scope; nothing imported"

code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/csv' --data-binary @"$T/alloc.csv" "$URL/allocations")
[ "$code" = 201 ] || fail "POST allocations: $code $(cat "$T/out")"
ctl import log --json >"$T/log.json" || fail "import log --json"
$PY - "$T/out" "$T/log.json" <<'PY' || fail "allocations: $(cat "$T/out")"
import json, sys
api = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
assert api["imported"] is True and api["kind"] == "allocations", api
assert len(log) == 1 and log[0]["who"] == "http:loader" and log[0]["kind"] == "allocations", log
row = api["import"]
assert row["id"] == log[0]["id"] and row["summary"] == log[0]["summary"] == "2 cases", (row, log[0])
assert "/" not in row["summary"], row
assert row["files"] == log[0]["files"] and row["files"][0]["name"] == "allocations.csv", row
assert "/" not in api["report"], api["report"]
PY
ctl children list --json >/dev/null || fail "children list"
grep -q "http: POST /v1/imports/{kind} 201 client=loader" "$T/daemon.log" || fail "no request log line for the import"
grep -q "CR-100" "$T/daemon.log" && fail "a case reference in the daemon's log"
spool=$T/http-imports
[ "$(stat -c %a "$spool")" = 700 ] || fail "the spool folder is $(stat -c %a "$spool"), want 700"
[ -z "$(ls -A "$spool")" ] || fail "files left in the spool: $(ls -AR "$spool")"
ok "a CSV body: 201 with the import log's row (who http:loader, 2 cases), as import log --json; spool 0700 and emptied"

code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/csv' --data-binary @"$T/alloc.csv" "$URL/allocations")
[ "$code" = 200 ] || fail "the same file again: $code $(cat "$T/out")"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["imported"] is False and "already imported" in d["message"], d' "$T/out" ||
	fail "again: $(cat "$T/out")"
[ "$(logged)" = 1 ] || fail "the same file was logged twice"
ok "the same file again: 200, already imported, nothing logged"

{
	printf '%s\n' "$H"
	printf 'CR-1003,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n'
	printf 'CR-1004,North,Sam,not-an-email,Tess,tess@council.example,Ian,ian@council.example\n'
	printf 'CR-1005,North,Sam,sam@council.example,Tess,tess@council.example,Ian,also-bad\n'
} >"$T/bad.csv"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/csv' --data-binary @"$T/bad.csv" "$URL/allocations")
[ "$code" = 422 ] || fail "a bad CSV: $code $(cat "$T/out")"
$PY - "$T/out" <<'PY' || fail "422 body: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
errors = d["errors"]
first = errors[0]
assert len(errors) == 2, errors
assert first["file"] == "allocations.csv" and first["line"] == 3 and first["column"] == 19, first
assert "not-an-email" in first["message"] and "email" in first["message"], first
second = errors[1]
assert (second["file"], second["line"], second["column"]) == ("allocations.csv", 4, 69), second
assert "also-bad" in second["message"], second
assert "nothing imported" in d["error"], d
PY
[ "$(logged)" = 1 ] || fail "a bad CSV was (partly) imported"
ctl import log --json | grep -q CR-1003 && fail "CR-1003 of the bad file was imported"
[ -z "$(ls -A "$spool")" ] || fail "files left in the spool after a 422: $(ls -AR "$spool")"
ok "a bad CSV: 422 with [{file, line, column, message}] for each problem, nothing imported"

code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/csv' --data-binary @"$T/alloc.csv" "$URL/nonsense")
[ "$code" = 404 ] || fail "an unknown kind: $code"
grep -q '"field":"kind"' "$T/out" || fail "404 without the field: $(cat "$T/out")"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: application/json' --data-binary @"$T/alloc.csv" "$URL/allocations")
[ "$code" = 415 ] || fail "a JSON body: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/csv' --data-binary '' "$URL/allocations")
[ "$code" = 400 ] || fail "an empty body: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/csv' --data-binary @"$T/alloc.csv" "$URL/allocations?strict=0")
[ "$code" = 400 ] || fail "strict for allocations: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" "$URL/allocations")
[ "$code" = 405 ] || fail "GET an import: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -F "x=@$T/alloc.csv;filename=../../etc/passwd" "$URL/ssda903")
[ "$code" = 400 ] || fail "a part named ../../etc/passwd: $code $(cat "$T/out")"
grep -q '"field":"filename"' "$T/out" || fail "bad filename: $(cat "$T/out")"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: multipart/form-data; boundary=XyZ' \
	--data-binary 'no boundary here' "$URL/ssda903")
[ "$code" = 400 ] || fail "a body without its boundary: $code"
[ "$(logged)" = 1 ] || fail "a refused request imported something"
ok "404 unknown kind, 415 not CSV, 400 empty, bad query, bad part name or broken multipart, 405 GET"

# A large SSDA903 extract as multipart: stopping the daemon during it answers 503, nothing imported.
$PY "$TOP/scripts/gen-extract" 20000 "$T/x" 1 >/dev/null || fail "gen-extract"
curl -s -o "$T/big.out" -D "$T/big.hdr" -w '%{http_code}' -H "$AUTH" -F "f=@$T/x/header.csv" -F "f=@$T/x/episodes.csv" \
	-F "f=@$T/x/reviews.csv" "$URL/ssda903?strict=0" >"$T/big.code" &
BIG=$!
wait_log "http: imports: ssda903 by http:loader: 3 files (child" 20 || fail "the import did not start"
stop_daemon || fail "daemon stop during an import"
wait "$BIG"
[ "$(cat "$T/big.code")" = 503 ] || fail "stopped during the import: $(cat "$T/big.code") $(cat "$T/big.out")"
grep -qi '^retry-after:' "$T/big.hdr" || fail "503 without Retry-After"
grep -q "http: imports: ssda903 imported" "$T/daemon.log" && fail "the import finished before the stop: make it larger"
[ "$(ctl children list | tail -n 1)" = "0 children" ] || fail "half-imported: $(ctl children list | tail -n 1)"
[ "$(logged)" = 1 ] || fail "the stopped import was logged"
[ -z "$(ls -A "$spool")" ] || fail "files left in the spool after the stop: $(ls -AR "$spool")"
ok "stopping during an import: 503 with Retry-After, nothing imported, the spool emptied"

# Again, to the end: it runs in the child while the daemon answers others.
start_daemon
curl -s -o "$T/big.out" -w '%{http_code}' -H "$AUTH" -F "f=@$T/x/header.csv" -F "f=@$T/x/episodes.csv" \
	-F "f=@$T/x/reviews.csv" "$URL/ssda903?strict=0" >"$T/big.code" &
BIG=$!
wait_log "http: imports: ssda903 by http:loader: 3 files (child" 20 || fail "the import did not start"
code=$(curl -s -m 5 -o "$T/out" -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
[ "$code" = 200 ] || fail "/healthz during the import: $code $(cat "$T/out")"
code=$(curl -s -m 5 -o "$T/out" -D "$T/hdr" -w '%{http_code}' -H "$AUTH" -H 'Content-Type: text/csv' \
	--data-binary @"$T/alloc.csv" "$URL/allocations")
[ "$code" = 409 ] || fail "a second import during the first: $code $(cat "$T/out")"
grep -qi '^retry-after: 10' "$T/hdr" || fail "409 without Retry-After: $(cat "$T/hdr")"
# The marker first, then the file whole (a rename): the scan that sees the file sees a complete set.
: >"$T/inalloc/.done"
printf '%s\nCR-2001,East,Ali,ali@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/inalloc/.alloc2.tmp"
mv "$T/inalloc/.alloc2.tmp" "$T/inalloc/alloc2.csv"
# The scan that logs the set found the slot taken (it logs, then would start the import).
wait_log "inbox: alloc: 1 file, changed" 10 || fail "the inbox did not see the dropped set"
grep -q "http: imports: ssda903 imported" "$T/daemon.log" && fail "the import finished before the checks: make it larger"
grep -q "inbox: alloc: importing" "$T/daemon.log" && fail "a drop-folder import started beside the HTTP one"
ok "while a 20,000-child import runs: /healthz answered, a second import 409 with Retry-After, a dropped set waits"
wait "$BIG"
wait_log "inbox: alloc: imported 1 file" 20 || fail "the dropped set did not go in after the HTTP import"
$PY - "$T/daemon.log" <<'PY' || fail "the drop-folder import did not wait for the HTTP one"
import sys
log = open(sys.argv[1]).read()
assert log.index("http: imports: ssda903 imported") < log.index("inbox: alloc: importing"), "order"
PY
ok "the dropped set went in as soon as the HTTP import ended"
[ "$(cat "$T/big.code")" = 201 ] || fail "the large import: $(cat "$T/big.code") $(cat "$T/big.out")"
[ "$(ctl children list | tail -n 1)" = "20000 children" ] || fail "after the import: $(ctl children list | tail -n 1)"
ctl import log --json >"$T/log.json" || fail "import log --json"
$PY - "$T/big.out" "$T/log.json" <<'PY' || fail "ssda903: $(cat "$T/big.out")"
import json, sys
api = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
assert api["imported"] is True and api["kind"] == "ssda903", api
row = [r for r in log if r["kind"] == "ssda903"]
assert len(row) == 1 and row[0]["who"] == "http:loader" and row[0]["id"] == api["import"]["id"], log
assert sorted(f["name"] for f in api["import"]["files"]) == ["episodes.csv", "header.csv", "reviews.csv"], api
summary = api["import"]["summary"]
assert summary.startswith("header.csv: 20000 rows: 20000 used"), summary
assert summary in row[0]["summary"].replace(row[0]["file"].rsplit("/", 1)[0] + "/", ""), (summary, row[0])
PY
[ -z "$(ls -A "$spool")" ] || fail "files left in the spool: $(ls -AR "$spool")"
ok "the SSDA903 files as multipart: 201, 20,000 children, logged as http:loader"

stop_daemon || fail "daemon stop"
finish
