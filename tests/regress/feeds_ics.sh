#!/bin/sh
# Calendar feeds: `driftwatchctl feed url` gives a person's public_url/ics/TOKEN.ics; the daemon
# serves it as text/calendar that python3-icalendar parses; every event is one of that person's
# deadlines with the date `driftwatchctl explain ... --json` gives (actions up the management line,
# dispute stages, reviews, ASYE dates), all-day, folded at 75 octets with CRLF, no child's or
# worker's name. UIDs are stable across fetches and across a moved due date (a review recorded:
# the event moves, same UID). An unchanged feed answers If-None-Match with 304. A revoked,
# tampered, expired or answer-link token is refused with a plain 404.
. "$(dirname "$0")/lib.sh"

start_smtp
PORT=$(free_port)
{
	smtp_transport
	printf '[role "head-of-service"]\nemail = hos@council.example\n'
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[role "psw"]\nemail = psw@council.example\n'
	printf '[role "ad-csc"]\nemail = tess@council.example\n'
	printf '[http]\nlisten = 127.0.0.1:%s\npublic_url = http://127.0.0.1:%s/\n' "$PORT" "$PORT"
} | write_config

export DRIFTWATCH_NOW=2022-05-27T10:00
ctl import ssda903 --no-strict "$TOP/etc/samples/ssda903-fake" >/dev/null 2>&1 || fail "import ssda903"
children=$(ctl children list --json | $PY -c 'import json,sys; print(" ".join(c["case_ref"] for c in json.load(sys.stdin)[:4]))')
[ -n "$children" ] || fail "no children in the sample extract"
{
	echo case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
	# Tess manages the first three; the fourth is someone else's.
	n=0
	for c in $children; do
		n=$((n + 1))
		if [ $n -le 3 ]; then
			echo "$c,North,Sammy Zanzibar,sam@council.example,Tess Quixote,tess@council.example,Ian Yardley,ian@council.example"
		else
			echo "$c,South,Olly Other,olly@council.example,Pat Other,pat@council.example,Ian Yardley,ian@council.example"
		fi
	done
} >"$T/alloc.csv"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
FIRST=$(echo "$children" | cut -d' ' -f1)
ctl dispute raise "$FIRST" --iro ian@council.example --category drift-and-delay --stage 1 --note "no plan" --on 2022-05-20 \
	>/dev/null || fail "raise 1"
ctl dispute raise "$FIRST" --iro ian@council.example --category contact >/dev/null || fail "raise 2"
ctl dispute resolve 2 --outcome "contact agreed" >/dev/null || fail "resolve 2"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
printf 'person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload\nP001,Alex Example,alex@council.example,asye,North,tess@council.example,2022-03-07,37,12\nP004,Di Example,di@council.example,social-worker,North,tess@council.example,,37,20\n' >"$T/workforce.csv"
ctl import workforce "$T/workforce.csv" >/dev/null || fail "import workforce"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions"

# No public_url: a clear error, not a URL that cannot work.
sed '/^public_url/d' "$T/dw.ini" >"$T/nourl.ini"
"$DWC" -f "$T/nourl.ini" feed url tess@council.example >/dev/null 2>"$T/err"
[ $? -eq 78 ] && grep -q 'public_url' "$T/err" || fail "feed url without public_url: $(cat "$T/err")"
ctl feed url not-an-address >/dev/null 2>&1 && fail "feed url took a non-address"
ok "feed url needs [http] public_url and an address"

TESS=$(ctl feed url tess@council.example) || fail "feed url tess"
IAN=$(ctl feed url ian@council.example) || fail "feed url ian"
case $TESS in "http://127.0.0.1:$PORT/ics/"*.ics) ;; *) fail "feed url: $TESS" ;; esac

start_daemon_ready

# fetch NAME URL: the feed into $T/NAME.ics and its headers into $T/NAME.h; the status printed.
fetch() {
	curl -s -D "$T/$1.h" -o "$T/$1.ics" -w '%{http_code}' "$2"
}

# expected EMAIL: every deadline of EMAIL's as explain says it, "UID DATE" a line, sorted.
expected() {
	for c in $children; do
		ctl explain child "$c" --json >"$T/x-child-$c.json" || fail "explain child $c"
	done
	ctl disputes list --json >"$T/x-disputes.json" 2>/dev/null || echo '[]' >"$T/x-disputes.json"
	for id in 1 2; do
		ctl explain dispute "$id" --json >"$T/x-dispute-$id.json" || fail "explain dispute $id"
	done
	ctl explain worker P001 --json >"$T/x-worker-P001.json" || fail "explain worker"
	# The actions do not change in this script: explained once.
	[ -f "$T/x-actions.json" ] && explained=1 || explained=0
	ctl actions list --json >"$T/x-actions.json" || fail "actions list"
	PLAN=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["plan"])' "$T/x-actions.json")
	[ $explained = 1 ] ||
	for ref in $($PY -c 'import json,sys; print(" ".join(a["ref"] for a in json.load(open(sys.argv[1]))))' "$T/x-actions.json"); do
		ctl explain action "$PLAN" "$ref" --json >"$T/x-action-$ref.json" || fail "explain action $ref"
	done
	$PY - "$T" "$1" <<'PY'
import glob, json, os, sys
t, email = sys.argv[1], sys.argv[2]
roles = {"tess@council.example": {"ad-csc"}, "psw@council.example": {"psw"}}.get(email, set())
out = []
for p in glob.glob(os.path.join(t, "x-child-*.json")):
    x = json.load(open(p))
    al = x["allocation"] or {}
    if email not in (al.get("social_worker_email"), al.get("team_manager_email"), al.get("iro_email")):
        continue
    per = x["periods"][-1]
    if per["ended_on"] is None:
        nxt = [r for r in per["reviews"] if r["held_on"] is None]
        if nxt:
            out.append("review-%s@driftwatch %s" % (x["case_ref"], nxt[0]["due_on"]))
for p in glob.glob(os.path.join(t, "x-dispute-*.json")):
    d = json.load(open(p))["dispute"]
    if d["resolved_on"] is None and d.get("responded_on") is None:
        who = {n["address"] for n in json.load(open(p))["notices"] if n.get("address")}
        if email == d["raised_by"] or (email in who and email != "ian@council.example"):
            out.append("dispute-%d-stage-%s@driftwatch %s" % (d["id"], d["stage"], d["stage_due_on"]))
w = json.load(open(os.path.join(t, "x-worker-P001.json")))
if email in ("tess@council.example", "alex@council.example") and w["asye"] and w["asye"]["in_programme"]:
    a = w["asye"]
    for what, key in (("supervision", "next_supervision"), ("review", "next_review"), ("reflection", "next_reflection")):
        if a.get(key):
            out.append("asye-P001-%s@driftwatch %s" % (what, a[key]))
for p in glob.glob(os.path.join(t, "x-action-*.json")):
    a = json.load(open(p))
    if a["status"] != "open" or a["due_on"] is None:
        continue
    if any(n["to"] in roles for n in a["notices"]):
        out.append("action-%s-%s@driftwatch %s" % (a["plan"], a["ref"], a["due_on"]))
print("\n".join(sorted(out)))
PY
}

# check NAME EMAIL: the feed parses, is well formed, and its events are exactly explain's.
check() {
	expected "$2" >"$T/$1.want" || fail "expected $2"
	$PY - "$T/$1.ics" "$T/$1.want" "$2" <<'PY' || fail "$2's feed: see above"
import datetime, sys, icalendar
raw = open(sys.argv[1], "rb").read()
want = [l for l in open(sys.argv[2]).read().splitlines() if l]
assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b""), "not CRLF line ends"
for line in raw.split(b"\r\n"):
    assert len(line) <= 75, ("longer than 75 octets", line)
    line.decode("utf-8")  # a fold never splits a character
cal = icalendar.Calendar.from_ical(raw)
assert str(cal["VERSION"]) == "2.0" and "driftwatch" in str(cal["PRODID"]), cal
assert str(cal["X-WR-CALNAME"]) and "REFRESH-INTERVAL" in cal and str(cal["X-PUBLISHED-TTL"]) == "PT1H"
got = []
for ev in cal.walk("VEVENT"):
    start, end = ev["DTSTART"].dt, ev["DTEND"].dt
    assert type(start) is datetime.date and end - start == datetime.timedelta(days=1), (start, end)
    assert ev["DTSTAMP"].dt.tzinfo is not None and str(ev["SUMMARY"]) and str(ev["DESCRIPTION"])
    got.append("%s %s" % (ev["UID"], start.isoformat()))
assert len(got) == len(set(g.split()[0] for g in got)), "a UID twice"
assert sorted(got) == want, "\nfeed:    %s\nexplain: %s" % (sorted(got), want)
print(len(got))
PY
	for name in Sammy Zanzibar Quixote Yardley Alex Olly; do
		grep -q "$name" "$T/$1.ics" && fail "a name ($name) in $2's feed"
	done
	:
}

code=$(fetch tess1 "$TESS")
[ "$code" = 200 ] || fail "GET tess's feed: $code $(cat "$T/tess1.ics")"
grep -qi '^content-type: text/calendar; charset=utf-8' "$T/tess1.h" || fail "content type: $(cat "$T/tess1.h")"
n=$(check tess1 tess@council.example) || fail "tess's feed"
grep -q '^action-' "$T/tess1.want" && grep -q '^review-' "$T/tess1.want" && grep -q '^asye-' "$T/tess1.want" ||
	fail "tess's feed lacks a kind: $(cat "$T/tess1.want")"
ok "tess's feed: $n events (actions up the management line, reviews, ASYE) equal explain's, all-day, folded, CRLF, no names"
code=$(fetch ian1 "$IAN")
[ "$code" = 200 ] || fail "GET ian's feed: $code"
n=$(check ian1 ian@council.example) || fail "ian's feed"
grep -q '^dispute-1-' "$T/ian1.want" && ! grep -q '^dispute-2-' "$T/ian1.want" || fail "ian's disputes: $(cat "$T/ian1.want")"
ok "the IRO's feed: $n events, the open dispute's stage deadline, not the resolved one"

# Stable: the same UIDs and dates again, the same ETag, and If-None-Match answers 304.
fetch tess2 "$TESS" >/dev/null
grep '^UID' "$T/tess1.ics" >"$T/uids1"
grep '^UID' "$T/tess2.ics" >"$T/uids2"
cmp -s "$T/uids1" "$T/uids2" || fail "UIDs changed between two fetches"
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\([^\r]*\).*/\1/p' "$T/tess2.h")
[ -n "$ETAG" ] && grep -qi "^etag: $ETAG" "$T/tess1.h" || fail "ETag changed between two fetches: $ETAG"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$TESS")
[ "$code" = 304 ] || fail "If-None-Match: $code"
ok "a second fetch has the same UIDs and ETag; If-None-Match gets 304"

# A review recorded: the child's event moves to the next review's date under the same UID.
UID1="review-$FIRST@driftwatch"
before=$(grep -A3 "^UID:$UID1" "$T/tess2.ics" | sed -n 's/^DTSTART;VALUE=DATE:\([0-9]*\).*/\1/p')
[ -n "$before" ] || fail "no event for $UID1"
ctl review record "$FIRST" 2022-05-26 >/dev/null || fail "review record"
wait_until 10 sh -c "curl -s '$TESS' | grep -A3 '^UID:$UID1' | grep -q '^DTSTART' && ! curl -s '$TESS' | grep -A3 '^UID:$UID1' | grep -q ':$before'" ||
	fail "the event did not move"
fetch tess3 "$TESS" >/dev/null
after=$(grep -A3 "^UID:$UID1" "$T/tess3.ics" | sed -n 's/^DTSTART;VALUE=DATE:\([0-9]*\).*/\1/p')
[ "$(grep -c "^UID:$UID1" "$T/tess3.ics")" = 1 ] && [ "$after" != "$before" ] || fail "moved: $before -> $after"
check tess3 tess@council.example >/dev/null || fail "tess's feed after the review"
grep -A6 "^UID:$UID1" "$T/tess3.ics" | grep -q '^LAST-MODIFIED:2022052' || fail "no LAST-MODIFIED from the review"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $ETAG" "$TESS")
[ "$code" = 200 ] || fail "a changed feed answered If-None-Match with $code"
ok "a review recorded moves the event ($before -> $after) under the same UID, with LAST-MODIFIED; the ETag changed"

# Refused: a tampered token, an answer link's token, a revoked URL. Plain 404, nothing else.
refused() {
	code=$(curl -s -D "$T/r.h" -o "$T/r.body" -w '%{http_code}' "$1")
	[ "$code" = 404 ] || fail "$2: $code"
	[ "$(cat "$T/r.body")" = "no such calendar feed" ] || fail "$2: body $(cat "$T/r.body")"
	grep -qi '^content-type: text/plain' "$T/r.h" || fail "$2: $(cat "$T/r.h")"
}
TAMPERED=$($PY -c 'import sys; u = sys.argv[1]; i = u.index("/ics/") + 9; c = "A" if u[i] != "A" else "B"; print(u[:i] + c + u[i + 1:])' "$TESS")
refused "$TAMPERED" "a tampered token"
refused "${TESS%.ics}" "no .ics"
ANSWER=$(ctl link make review --role social-worker --to tess@council.example --ref "$FIRST" --due 2022-06-01 | head -1 | cut -f2)
[ -n "$ANSWER" ] || fail "link make"
refused "http://127.0.0.1:$PORT/ics/${ANSWER##*/a/}.ics" "an answer link's token"
ctl feed revoke tess@council.example >/dev/null || fail "feed revoke"
refused "$TESS" "a revoked feed"
code=$(fetch ian2 "$IAN")
[ "$code" = 200 ] || fail "revoking tess's feed refused ian's: $code"
NEW=$(ctl feed url tess@council.example) || fail "feed url after revoke"
code=$(fetch tess4 "$NEW")
[ "$code" = 200 ] || fail "the new URL: $code"
cmp -s "$T/tess3.ics" "$T/tess4.ics" 2>/dev/null || check tess4 tess@council.example >/dev/null || fail "the new URL's feed"
ok "tampered, answer-link and revoked tokens get a plain 404; revoking one person leaves others; feed url gives a new one"

# Expired: a feed token lasts ten years. The same URL the day before its expiry works, the day after not.
stop_daemon || fail "stop"
DRIFTWATCH_NOW=2032-05-23T10:00 start_daemon_ready
code=$(fetch ian3 "$IAN")
[ "$code" = 200 ] || fail "ian's feed before its expiry: $code"
stop_daemon || fail "stop"
DRIFTWATCH_NOW=2032-05-26T10:00 start_daemon_ready
refused "$IAN" "an expired feed"
ok "a feed URL works for ten years, then gets the same plain 404"

stop_daemon
finish
