#!/bin/sh
# Answer links against the real daemon with [http] public_url set: a link for every action
# (driftwatchctl link make, the same links_for_notice the notices use). A GET of every link changes
# nothing (what Safe Links and other scanners do); each POST acts through the operation
# driftwatchctl uses, audited as link:ADDRESS, and the record shows it; a replayed link, a tampered
# one, another recipient's, one for another action, a JSON body and an expired link are each
# refused with a page saying why, and nothing changes.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
{
	printf 'tick = 1h\n'
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[http]\nlisten = 127.0.0.1:%s\npublic_url = %s/\n' "$PORT" "$BASE"
	printf '[links]\nkey_grace = 10d\n'
} | write_config

export DRIFTWATCH_NOW=2022-05-23T09:00
H=case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
printf '%s\nCR-1001,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/alloc.csv"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
printf 'person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload\nP001,Alex Example,alex@council.example,asye,North,tm@council.example,2022-03-07,37,12\n' >"$T/workforce.csv"
ctl import workforce "$T/workforce.csv" >/dev/null || fail "import workforce"
ctl import ssda903 --no-strict "$TOP/etc/samples/ssda903-fake" >/dev/null 2>&1 || fail "import ssda903"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions"
ctl dispute raise CR-1001 --iro ian@council.example --category contact --note "raised" >/dev/null || fail "raise"
ctl dispute raise CR-1001 --iro ian@council.example --category other --note "second" >/dev/null || fail "raise 2"

# No public_url: no links, and driftwatchctl says why.
sed 's|^public_url = .*||' "$T/dw.ini" >"$T/nourl.ini"
"$DWC" -f "$T/nourl.ini" link make dispute --role responder --to hos@council.example --id 1 >"$T/out" 2>&1 &&
	fail "link make without public_url succeeded: $(cat "$T/out")"
grep -q "no \[http\] public_url" "$T/out" || fail "no public_url: $(cat "$T/out")"
ok "without public_url a notice carries no links (link make says so)"

# link NAME LABEL DOMAIN ARGS...: the URL of the link with LABEL into $T/NAME.url.
link() {
	_name=$1 _label=$2
	shift 2
	ctl link make "$@" >"$T/$_name.links" || fail "link make $*"
	grep -F "$_label	" "$T/$_name.links" | cut -f2 >"$T/$_name.url"
	[ -s "$T/$_name.url" ] || fail "no \"$_label\" link in: $(cat "$T/$_name.links")"
	grep -q "^$BASE/a/[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\$" "$T/$_name.url" || fail "a link is not public_url/a/TOKEN: $(cat "$T/$_name.url")"
}
link respond "Record our response" dispute --role responder --to hos@council.example --id 1 --ref CR-1001
link resolve "Resolved" dispute --role iro --to ian@council.example --id 1 --ref CR-1001
link escalate "Not satisfied: escalate" dispute --role iro --to ian@council.example --id 2 --ref CR-1001
link progress "Update progress" action --role lead-officer --to lead@council.example --ref 1.1a
link booked "Review is booked for a date" review --role social-worker --to sam@council.example --ref 566910 --due 2022-06-30
link held "Review held on 2022-06-30" review --role social-worker --to sam@council.example --ref 566910 --due 2022-06-30
link supervision "Supervision held on a date" asye --role team-manager --to tm@council.example --ref P001
link hours "Protected hours this week" asye --role team-manager --to tm@council.example --ref P001
link notmine "This is not mine" review --role social-worker --to sam@council.example --ref 566910 \
	--notice "reviews:566910:review-reminder:2022-01-01:2022-06-30:5wd:sam@council.example"
# The parts that answer nothing themselves get only "This is not mine".
ctl link make dispute --role escalation --to dcs@council.example --id 1 | cut -f1 >"$T/labels"
[ "$(cat "$T/labels")" = "This is not mine" ] || fail "an escalation's links: $(cat "$T/labels")"
ok "each part gets its links: responder, IRO, lead officer, review reminders, ASYE manager; every notice 'This is not mine'"

start_daemon_ready
wait_until 10 curl -sf -o /dev/null "$BASE/healthz" || fail "no HTTP"
# The daemon delivers what its first pass queued (the file transport): let it finish, or a notice
# going from sending to sent between the two snapshots reads as a GET that changed something.
wait_settled 30 || fail "the outbox did not settle"

# The state an answer could change: records, their history, the audit trail, the outbox, used links.
state() {
	sqlite3 "$T/dw.db" "SELECT * FROM disputes; SELECT * FROM dispute_events; SELECT * FROM lac_reviews;
		SELECT * FROM lac_bookings; SELECT * FROM asye_supervisions; SELECT * FROM asye_protected_time;
		SELECT * FROM audit; SELECT id, dedupe_key FROM outbox; SELECT hex(nonce) FROM link_used;" >"$1"
	ctl actions list --json >>"$1" 2>&1
	ctl explain dispute 1 --json >>"$1" 2>&1
	ctl explain action st-helens-ilacs-2020 1.1a --json >>"$1" 2>&1
	ctl explain child 566910 --json >>"$1" 2>&1
}
# get NAME: GET the link, status in $code, page in $T/page.
get() {
	code=$(curl -s -o "$T/page" -w '%{http_code}' "$(cat "$T/$1.url")")
}
# post NAME FORM...: POST the form (curl's urlencoding), status in $code.
post() {
	_url=$(cat "$T/$1.url")
	shift
	code=$(curl -s -o "$T/page" -w '%{http_code}' "$@" "$_url")
}

ALL="respond resolve escalate progress booked held supervision hours notmine"
state "$T/before"
for n in $ALL; do
	get "$n"
	[ "$code" = 200 ] || fail "GET $n: $code: $(cat "$T/page")"
	grep -q '<form method="post">' "$T/page" || fail "GET $n: no form"
	grep -q 'name="viewport"' "$T/page" || fail "GET $n: not for a phone"
	grep -qi '<script' "$T/page" && fail "GET $n: JavaScript"
	# HEAD too, as some scanners do.
	curl -s -I -o /dev/null "$(cat "$T/$n.url")"
done
get respond
grep -q "CR-1001 (dispute 1)" "$T/page" || fail "the page does not name the case: $(cat "$T/page")"
grep -Eq "Sam|Tess|Ian|Alex" "$T/page" && fail "a page names a person"
for n in $ALL; do get "$n"; get "$n"; done
state "$T/after"
cmp -s "$T/before" "$T/after" || fail "a GET changed something: $(diff "$T/before" "$T/after" | head -20)"
ok "a GET (and HEAD) of every link, three times over, changes nothing; pages carry a form, a viewport, no script, no name"

# A body that is not a form is refused before anything.
post respond -H 'Content-Type: application/json' --data-binary '{"note":"json"}'
[ "$code" = 415 ] || fail "a JSON POST: $code"
state "$T/after"
cmp -s "$T/before" "$T/after" || fail "a JSON POST changed something"
ok "a POST that is not application/x-www-form-urlencoded: 415, nothing changed"

# A refused form (the response needs a note) changes nothing and leaves the link usable.
post respond --data-urlencode "note= "
[ "$code" = 422 ] || fail "an empty response: $code: $(cat "$T/page")"
grep -q "please write your response" "$T/page" || fail "the page does not say what is missing"
state "$T/after"
cmp -s "$T/before" "$T/after" || fail "a refused form changed something"
ok "a form the operation refuses: 422 with the form again, nothing changed, the link still good"

# Each POST acts: the record shows it, the trail names link:ADDRESS.
post respond --data-urlencode "note=We will meet the IRO on Friday & agree contact."
[ "$code" = 200 ] || fail "POST respond: $code: $(cat "$T/page")"
ctl dispute show 1 | grep -q "response .*We will meet the IRO on Friday & agree contact." ||
	fail "the response is not recorded: $(ctl dispute show 1)"
ctl audit 1 | grep -q "link:hos@council.example" || ctl audit | grep -q "link:hos@council.example" ||
	fail "the audit trail does not name link:hos@council.example: $(ctl audit | tail -5)"
post resolve --data-urlencode "outcome=Contact plan agreed" --data-urlencode "note=by link"
[ "$code" = 200 ] || fail "POST resolve: $code: $(cat "$T/page")"
ctl dispute list --json | $PY -c 'import json,sys; d={x["id"]: x for x in json.load(sys.stdin)}; assert d[1]["resolved_on"], d[1]' ||
	fail "dispute 1 is not resolved: $(ctl dispute show 1)"
stage_before=$(ctl dispute list --json | $PY -c 'import json,sys; print([x for x in json.load(sys.stdin) if x["id"] == 2][0]["stage"])')
post escalate --data-urlencode "note=not satisfied"
[ "$code" = 200 ] || fail "POST escalate: $code: $(cat "$T/page")"
stage_after=$(ctl dispute list --json | $PY -c 'import json,sys; print([x for x in json.load(sys.stdin) if x["id"] == 2][0]["stage"])')
[ "$stage_before" != "$stage_after" ] || fail "dispute 2 did not move on from $stage_before"
post progress --data-urlencode "note=Audit tool rolled out" --data-urlencode "complete=yes"
[ "$code" = 200 ] || fail "POST progress: $code: $(cat "$T/page")"
ctl explain action st-helens-ilacs-2020 1.1a >"$T/explain" 2>&1
grep -q "status complete" "$T/explain" && grep -q "progress: 2022-05-23: Audit tool rolled out" "$T/explain" ||
	fail "action 1.1a: $(cat "$T/explain")"
# Not complete yet: the lead officer's expected date, through the same page. A bad date is refused
# (nothing changed, the link still good); a good one is recorded and the deadline stays.
link progress2 "Update progress" action --role lead-officer --to lead@council.example --ref 1.1b
get progress2
grep -q 'name="expected" type="date"' "$T/page" || fail "the progress page has no expected date: $(cat "$T/page")"
due_before=$(ctl actions list --json | $PY -c 'import json,sys; print([a for a in json.load(sys.stdin) if a["ref"] == "1.1b"][0]["due_on"])')
state "$T/before2"
post progress2 --data-urlencode "expected=2022-13-40"
[ "$code" = 422 ] || fail "a bad expected date: $code: $(cat "$T/page")"
grep -q "expected date is not a date" "$T/page" || fail "the page does not say the date is wrong: $(cat "$T/page")"
state "$T/after2"
cmp -s "$T/before2" "$T/after2" || fail "a refused expected date changed something"
post progress2 --data-urlencode "note=Recruitment late" --data-urlencode "expected=2022-09-30"
[ "$code" = 200 ] || fail "POST progress with an expected date: $code: $(cat "$T/page")"
ctl actions list --json | $PY -c '
import json, sys
a = [a for a in json.load(sys.stdin) if a["ref"] == "1.1b"][0]
assert a["expected_on"] == "2022-09-30", a
assert a["due_on"] == sys.argv[1], (a, sys.argv[1])
assert a["status"] != "complete", a
' "$due_before" || fail "action 1.1b: $(ctl actions list --json)"
ctl explain action st-helens-ilacs-2020 1.1b | grep -q "expected by 2022-09-30 (the lead officer's word: the deadline stands)" ||
	fail "explain action does not show the expected date: $(ctl explain action st-helens-ilacs-2020 1.1b)"
ok "Update progress: an expected date through the page (a bad one refused, nothing changed); the deadline stays"
[ "$(ctl explain child 566910 | grep -c '  review-reminder ')" = 2 ] || fail "before booking: $(ctl explain child 566910)"
post booked --data-urlencode "date=2022-06-20"
[ "$code" = 200 ] || fail "POST booked: $code: $(cat "$T/page")"
# Booked for a date after its reminders' windows: they are no longer planned; the overdue ones are.
ctl explain child 566910 >"$T/explain"
grep -q '  review-reminder ' "$T/explain" && fail "reminders still planned after the booking: $(cat "$T/explain")"
grep -q '  review-overdue ' "$T/explain" || fail "the overdue notices went with the booking: $(cat "$T/explain")"
[ "$(sqlite3 "$T/dw.db" "SELECT booked_for FROM lac_bookings WHERE case_ref = '566910'")" = \
	"$(date -u -d 2022-06-20 +%s | awk '{print int($1 / 86400)}')" ] || fail "the booking is not recorded"
post held --data-urlencode "date=2022-05-20"
[ "$code" = 200 ] || fail "POST held: $code: $(cat "$T/page")"
[ "$(sqlite3 "$T/dw.db" "SELECT count(*) FROM lac_reviews WHERE case_ref = '566910' AND source = 'link:sam@council.example'")" = 1 ] ||
	fail "the review is not recorded: $(sqlite3 "$T/dw.db" "SELECT * FROM lac_reviews WHERE case_ref = '566910'")"
post supervision --data-urlencode "date=2022-05-20"
[ "$code" = 200 ] || fail "POST supervision: $code: $(cat "$T/page")"
[ "$(sqlite3 "$T/dw.db" "SELECT count(*) FROM asye_supervisions WHERE person_id = 'P001'")" -ge 1 ] || fail "no supervision"
post hours --data-urlencode "hours=3.5"
[ "$code" = 200 ] || fail "POST hours: $code: $(cat "$T/page")"
[ "$(sqlite3 "$T/dw.db" "SELECT count(*) FROM asye_protected_time WHERE person_id = 'P001'")" -ge 1 ] || fail "no hours"
post notmine --data-urlencode "note=I left the North team"
[ "$code" = 200 ] || fail "POST notmine: $code: $(cat "$T/page")"
sqlite3 "$T/dw.db" "SELECT subject, body_text FROM outbox WHERE recipient = 'admin@council.example' AND kind = 'alert'" >"$T/alert"
grep -q "reviews:566910:review-reminder" "$T/alert" || fail "the admin is not told the notice's key: $(cat "$T/alert")"
ctl audit "reviews:566910:review-reminder:2022-01-01:2022-06-30:5wd:sam@council.example" | grep -q "notice-not-mine" ||
	fail "not audited against the notice"
[ "$(sqlite3 "$T/dw.db" "SELECT count(DISTINCT actor) FROM audit WHERE actor LIKE 'link:%'")" -ge 5 ] ||
	fail "the trail: $(sqlite3 "$T/dw.db" "SELECT actor, what FROM audit")"
[ "$(sqlite3 "$T/dw.db" "SELECT count(*) FROM link_used")" = 10 ] || fail "not every link recorded as used (the nine of ALL and progress2)"
ok "each POST acts through its operation (respond, resolve, escalate, progress, booked: reminders wait, held, supervision, hours, not mine), audited as link:ADDRESS"

# Replayed: every link a second time is refused, and nothing changes.
state "$T/before"
for n in $ALL; do
	post "$n" --data-urlencode "note=again" --data-urlencode "date=2022-05-21" --data-urlencode "hours=1" \
		--data-urlencode "outcome=again"
	[ "$code" = 409 ] || fail "a replayed $n: $code"
	grep -q "already been used" "$T/page" || fail "the replay page does not say why"
	get "$n"
	[ "$code" = 409 ] || fail "GET of a used $n: $code"
done
state "$T/after"
cmp -s "$T/before" "$T/after" || fail "a replay changed something: $(diff "$T/before" "$T/after" | head)"
ok "a used link, GET or POST, is refused (409, 'already been used'), nothing changed"

# Forged links: from a fresh, unused link, change one thing the payload says and keep its signature.
link fresh "Record our response" dispute --role responder --to hos@council.example --id 2 --ref CR-1001
forge() { # FIELD VALUE: the fresh link with its payload's FIELD replaced, into $T/forged.url
	$PY - "$(cat "$T/fresh.url")" "$1" "$2" >"$T/forged.url" <<'PY'
import base64, struct, sys
url, field, value = sys.argv[1], sys.argv[2], sys.argv[3].encode()
base, tok = url.rsplit("/a/", 1)
p64, sig = tok.split(".")
p = base64.urlsafe_b64decode(p64 + "=" * (-len(p64) % 4))
fixed, rest, strings = p[:43], p[43:], []
while rest:
    n = rest[0]; strings.append(rest[1:1 + n]); rest = rest[1 + n:]
i = {"action": 0, "ref": 1, "plan": 2, "recipient": 3}[field]
strings[i] = value
p = fixed + b"".join(bytes([len(s)]) + s for s in strings)
print(base + "/a/" + base64.urlsafe_b64encode(p).decode().rstrip("=") + "." + sig)
PY
}
state "$T/before"
forge recipient "someone.else@council.example"
cp "$T/forged.url" "$T/other.url"
forge action "dispute-resolve"
cp "$T/forged.url" "$T/wrongaction.url"
$PY -c 'import sys; u = sys.argv[1]; i = u.index("/a/") + 30; print(u[:i] + ("B" if u[i] == "A" else "A") + u[i + 1:])' \
	"$(cat "$T/fresh.url")" >"$T/tampered.url"
printf '%s/a/%s\n' "$BASE" "$(cat "$T/fresh.url" | sed 's|.*/a/||' | cut -c1-40)" >"$T/cut.url"
for n in other wrongaction tampered cut; do
	get "$n"
	case $code in 400 | 403) ;; *) fail "GET of a $n link: $code" ;; esac
	post "$n" --data-urlencode "note=forged" --data-urlencode "outcome=forged"
	case $code in 400 | 403) ;; *) fail "POST of a $n link: $code: $(cat "$T/page")" ;; esac
	grep -q "Nothing has been recorded" "$T/page" || fail "the $n page does not say what to do"
done
get other
grep -q "changed since it was sent" "$T/page" || fail "another recipient's link: $(cat "$T/page")"
state "$T/after"
cmp -s "$T/before" "$T/after" || fail "a forged link changed something: $(diff "$T/before" "$T/after" | head)"
ok "another recipient's link, one for another action, a tampered and a cut-short link: refused (403/400), nothing changed"

# Expired: the same fresh link 31 days on (the daemon's clock moved), still unused.
stop_daemon
export DRIFTWATCH_NOW=2022-06-24T09:00
start_daemon_ready
wait_until 10 curl -sf -o /dev/null "$BASE/healthz" || fail "no HTTP after the restart"
state "$T/before"
get fresh
[ "$code" = 410 ] || fail "GET of an expired link: $code"
grep -q "has expired" "$T/page" || fail "the expired page: $(cat "$T/page")"
post fresh --data-urlencode "note=late"
[ "$code" = 410 ] || fail "POST of an expired link: $code"
state "$T/after"
cmp -s "$T/before" "$T/after" || fail "an expired link changed something"
ok "an expired link (the clock 31 days on): 410 'has expired', nothing changed"

# Rotation: a link made before `keys rotate` works during key_grace; after it, refused.
link rot "Record our response" dispute --role responder --to hos@council.example --id 2 --ref CR-1001
ctl keys rotate | grep -q "is now current" || fail "keys rotate"
get rot
[ "$code" = 200 ] || fail "a link from the old key within key_grace: $code"
stop_daemon
export DRIFTWATCH_NOW=2022-07-10T09:00
start_daemon_ready
wait_until 10 curl -sf -o /dev/null "$BASE/healthz" || fail "no HTTP after the second restart"
get rot
[ "$code" = 410 ] || fail "a link from the old key after key_grace: $code: $(cat "$T/page")"
grep -q "since been replaced" "$T/page" || fail "the retired key's page: $(cat "$T/page")"
link rot2 "Record our response" dispute --role responder --to hos@council.example --id 2 --ref CR-1001
get rot2
[ "$code" = 200 ] || fail "a link from the new key: $code"
ok "keys rotate: the old key's links work during key_grace (10d here), are refused after it; new links use the new key"

finish
