#!/bin/sh
# The HTTP API, stage 3: the writes. Every POST route's success (checked against driftwatchctl's
# --json view afterwards) and its 400/401/403/404/409 answers with nothing changed; the audit trail
# names the client; an Idempotency-Key replays the first answer and refuses a different body; API
# writes while driftwatchctl writes lose nothing and never answer 500; a locked database is a 503
# with Retry-After.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
printf 'tok-clerk-0123456789abcdef\n' >"$T/clerk.token"
printf 'tok-reader-0123456789abcdef\n' >"$T/reader.token"
chmod 600 "$T/clerk.token" "$T/reader.token"
{
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[http]\nlisten = 127.0.0.1:%s\n' "$PORT"
	printf '[client "clerk"]\nmay = read, disputes, reviews, permanence, actions, asye\ntoken_file = %s/clerk.token\n' "$T"
	printf '[client "reader"]\nmay = read\ntoken_file = %s/reader.token\n' "$T"
} | write_config
URL=http://127.0.0.1:$PORT/v1
AUTH="Authorization: Bearer tok-clerk-0123456789abcdef"
RAUTH="Authorization: Bearer tok-reader-0123456789abcdef"

export DRIFTWATCH_NOW=2022-05-23T09:00
H=case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
printf '%s\nCR-1001,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/alloc.csv"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
printf 'person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload\nP001,Alex Example,alex@council.example,asye,North,tm@council.example,2022-03-07,37,12\nP004,Di Example,di@council.example,social-worker,North,tm@council.example,,37,20\n' >"$T/workforce.csv"
ctl import workforce "$T/workforce.csv" >/dev/null || fail "import workforce"
ctl import ssda903 --no-strict "$TOP/etc/samples/ssda903-fake" >/dev/null 2>&1 || fail "import ssda903"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions"
start_daemon

# post PATH BODY [HEADER...]: POST as the clerk; the status in $code, the body in $T/out.
post() {
	_path=$1 _body=$2
	shift 2
	code=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H "$AUTH" -H 'Content-Type: application/json' "$@" \
		--data-binary "$_body" "$URL$_path")
}
# expect CODE FIELD: the last answer's status, and the field its JSON error names.
expect() {
	[ "$code" = "$1" ] || fail "want $1, got $code: $(cat "$T/out")"
	[ -z "${2:-}" ] || grep -q "\"field\":\"$2\"" "$T/out" || fail "want field $2: $(cat "$T/out")"
}
# json FILE PYTHON-EXPRESSION: assert it of the JSON in FILE (as d).
json() {
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), d' "$1" "$2" ||
		fail "$1: $2: $(cat "$1")"
}

# --- auth and scopes: no token 401, a read-only client 403, nothing written.
code=$(curl -s -o "$T/out" -w '%{http_code}' -X POST --data-binary '{}' "$URL/disputes")
expect 401
code=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H "$RAUTH" \
	--data-binary '{"case_ref":"CR-1001","iro_email":"ian@council.example","category":"contact"}' "$URL/disputes")
expect 403
for p in /disputes/1/respond /children/566910/reviews /children/566910/permanence /actions/1.1a/progress \
	/workers/P001/supervisions /workers/P001/protected-time; do
	c=$(curl -s -o "$T/out" -w '%{http_code}' -X POST -H "$RAUTH" --data-binary '{}' "$URL$p")
	[ "$c" = 403 ] || fail "POST $p as a read-only client: $c"
	c=$(curl -s -o "$T/out" -w '%{http_code}' -X POST --data-binary '{}' "$URL$p")
	[ "$c" = 401 ] || fail "POST $p without a token: $c"
done
ctl dispute list --json | json /dev/stdin 'd == []'
ok "every write route: 401 without a token, 403 for a client without its scope; nothing written"

# --- POST /v1/disputes
post /disputes '{"case_ref":"CR-1001","iro_email":"ian@council.example","category":"drift-and-delay","note":"no plan"}'
expect 201
cp "$T/out" "$T/raised.json"
json "$T/raised.json" 'd["id"] == 1 and d["case_ref"] == "CR-1001" and d["stage"] == "informal" and d["history"][0]["kind"] == "raised"'
ctl dispute list --json >"$T/ctl.json"
$PY -c 'import json,sys; a=json.load(open(sys.argv[1])); c=json.load(open(sys.argv[2])); assert c == [a], (a, c)' \
	"$T/raised.json" "$T/ctl.json" || fail "the answer is not driftwatchctl's view of dispute 1"
post /disputes '{"case_ref":"CR-404","iro_email":"ian@council.example","category":"contact"}'
expect 404 case_ref
post /disputes '{"case_ref":"CR-1001","iro_email":"ian@council.example","category":"drifting"}'
expect 400 category
grep -q 'unknown category \\"drifting\\"' "$T/out" || fail "the 400 does not say what is wrong: $(cat "$T/out")"
post /disputes '{"case_ref":"CR-1001","iro_email":"Ian","category":"contact"}'
expect 400 iro_email
post /disputes '{"case_ref":"CR-1001","iro_email":"ian@council.example","category":"contact","stage":"9"}'
expect 400 stage
post /disputes '{"iro_email":"ian@council.example","category":"contact"}'
expect 400 case_ref
post /disputes '{"case_ref":"CR-1001","iro_email":"ian@council.example","category":"contact","colour":"red"}'
expect 400 colour
post /disputes '{"case_ref":1001,"iro_email":"ian@council.example","category":"contact"}'
expect 400 case_ref
post /disputes '{"case_ref":"CR-1001","iro_email":"ian@council.example","category":"contact","raised_on":"23/05/2022"}'
expect 400 raised_on
post /disputes '["not", "an", "object"]'
expect 400 body
post /disputes '{"case_ref": "CR-1001", '
expect 400 body
ctl dispute list --json | json /dev/stdin 'len(d) == 1'
ok "POST /v1/disputes: 201 with the dispute as driftwatchctl shows it; 404 unknown case; 400 naming the field; nothing half-done"

# --- respond, escalate, resolve, cafcass
post /disputes/1/respond '{"note":"plan agreed at the review","on":"2022-05-23"}'
expect 200
json "$T/out" 'd["responded_on"] == "2022-05-23" and d["history"][-1]["kind"] == "response"'
post /disputes/1/respond '{}'
expect 400 note
post /disputes/99/respond '{"note":"x"}'
expect 404 id
post /disputes/CR-1001/respond '{"note":"x"}'
expect 400 id
post /disputes/1/escalate '{"to":"9"}'
expect 400 to
post /disputes/1/escalate '{"to":"2","note":"no progress"}'
expect 200
json "$T/out" 'd["stage"] == "2" and d["responded_on"] is None'
post /disputes/1/escalate '{"to":"1"}'
expect 409 to
post /disputes/1/cafcass '{"on":"2022-05-01","note":"early"}'
expect 400 on
post /disputes/1/cafcass '{"note":"no date"}'
expect 400 on
post /disputes/1/cafcass '{"on":"2022-05-23","note":"referred"}'
expect 200
json "$T/out" 'd["cafcass_on"] == "2022-05-23"'
post /disputes/1/cafcass '{"on":"2022-05-23","note":"again"}'
expect 409 id
post /disputes/1/resolve '{"on":"2022-05-23"}'
expect 400 outcome
post /disputes/1/resolve '{"outcome":"plan in place","on":"2022-05-23"}'
expect 200
cp "$T/out" "$T/resolved.json"
json "$T/resolved.json" 'd["resolved_on"] == "2022-05-23" and d["outcome"] == "plan in place"'
post /disputes/1/respond '{"note":"late"}'
expect 409 id
grep -q 'already resolved on 2022-05-23' "$T/out" || fail "the 409 does not say why: $(cat "$T/out")"
post /disputes/1/resolve '{"outcome":"again"}'
expect 409 id
post /disputes/1/escalate '{}'
expect 409 id
ctl dispute list --json >"$T/ctl.json"
$PY - "$T/resolved.json" "$T/ctl.json" <<'PY' || fail "driftwatchctl does not see the API's changes"
import json, sys
a = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
assert c == [a], (a, c)
kinds = [e["kind"] for e in a["history"]]
assert kinds == ["raised", "response", "escalated", "cafcass", "resolved"], kinds
PY
ok "respond, escalate, resolve, cafcass: 200 with the new state; 400 field, 404 unknown, 409 when resolved or referred"

# --- the audit trail names the client.
ctl audit dispute:1 >"$T/audit" 2>&1 || ctl audit >"$T/audit" 2>&1
grep -q "http:clerk *dispute-raised" "$T/audit" || fail "audit: no http:clerk raise: $(cat "$T/audit")"
grep -q "http:clerk *dispute-resolved" "$T/audit" || fail "audit: no http:clerk resolve: $(cat "$T/audit")"
ok "the audit trail records http:CLIENT as the actor"

# --- reviews and permanence
post /children/566910/reviews '{"held_on":"2022-05-20"}'
expect 201
json "$T/out" 'd["case_ref"] == "566910" and d["next_review_due"] > "2022-05-20"'
cp "$T/out" "$T/child.json"
post /children/566910/reviews '{"held_on":"2022-05-20"}'
expect 200
post /children/566910/reviews '{"held_on":"2022-06-20"}'
expect 400 held_on
post /children/566910/reviews '{"held_on":"2010-01-01"}'
expect 400 held_on
post /children/CR-NOBODY/reviews '{"held_on":"2022-05-20"}'
expect 404 case_ref
post /children/566910/reviews '{"held_on":"2022-05-20","brought_forward":"yes"}'
expect 400 brought_forward
post /children/566910/permanence '{"plan":"adoption","agreed_on":"2022-05-20"}'
expect 201
json "$T/out" 'd["permanence_plan"] == "adoption"'
cp "$T/out" "$T/child.json"
post /children/566910/permanence '{"plan":"elsewhere","agreed_on":"2022-05-20"}'
expect 400 plan
post /children/566910/permanence '{"plan":"adoption","agreed_on":"2022-06-20"}'
expect 400 agreed_on
post /children/CR-NOBODY/permanence '{"plan":"adoption","agreed_on":"2022-05-20"}'
expect 404 case_ref
ctl children list --json >"$T/ctl_children.json"
$PY - "$T/child.json" "$T/ctl_children.json" <<'PY' || fail "driftwatchctl does not see the review and plan"
import json, sys
a = json.load(open(sys.argv[1]))
c = [x for x in json.load(open(sys.argv[2])) if x["case_ref"] == "566910"]
assert c == [a], (a, c)
PY
ok "reviews and permanence: 201 new, 200 already recorded; 400 future, not looked after, unknown plan; 404 unknown child"

# --- action progress
post /actions/1.1a/progress '{"note":"audit done","on":"2022-05-20"}'
expect 200
json "$T/out" 'd["ref"] == "1.1a" and d["progress_note"] == "audit done" and d["progress_on"] == "2022-05-20"'
post /actions/1.1a/progress '{"plan":"st-helens-ilacs-2020","complete":true}'
expect 200
cp "$T/out" "$T/action.json"
json "$T/action.json" 'd["status"] == "complete"'
post /actions/9.9z/progress '{"note":"x"}'
expect 404 ref
post /actions/1.1a/progress '{"plan":"nowhere","note":"x"}'
expect 404 ref
post /actions/1.1a/progress '{}'
expect 400 note
post /actions/1.1a/progress '{"note":"x","complete":1}'
expect 400 complete
ctl actions list --json >"$T/ctl_actions.json"
$PY - "$T/action.json" "$T/ctl_actions.json" <<'PY' || fail "driftwatchctl does not see the progress"
import json, sys
a = json.load(open(sys.argv[1]))
c = [x for x in json.load(open(sys.argv[2])) if x["ref"] == "1.1a"]
assert c == [a], (a, c)
PY
ok "action progress: 200 with the action; 404 unknown action or plan; 400 nothing to record or a bad type"

# --- ASYE supervision and protected time
post /workers/P001/supervisions '{"held_on":"2022-05-20"}'
expect 201
json "$T/out" 'd["person_id"] == "P001" and d["last_supervision"] == "2022-05-20"'
post /workers/P001/supervisions '{"held_on":"2022-06-20"}'
expect 400 held_on
post /workers/P004/supervisions '{"held_on":"2022-05-20"}'
expect 409 person_id
post /workers/P999/supervisions '{"held_on":"2022-05-20"}'
expect 404 person_id
post /workers/P001/protected-time '{"week_of":"2022-05-16","hours":7.5}'
expect 200
cp "$T/out" "$T/worker.json"
post /workers/P001/protected-time '{"week_of":"2022-05-16","hours":40}'
expect 400 hours
post /workers/P001/protected-time '{"week_of":"2022-05-16","hours":"7"}'
expect 400 hours
post /workers/P001/protected-time '{"week_of":"2022-01-03","hours":7}'
expect 400 week_of
ctl asye list --json >"$T/ctl_workers.json"
$PY - "$T/worker.json" "$T/ctl_workers.json" <<'PY' || fail "driftwatchctl does not see the supervision and time"
import json, sys
a = json.load(open(sys.argv[1]))
c = [x for x in json.load(open(sys.argv[2])) if x["person_id"] == "P001"]
assert c == [a], (a, c)
assert a["last_supervision"] == "2022-05-20", a
PY
ok "ASYE: supervision 201, protected time 200; 400 future, too many hours, before the start; 409 not an ASYE; 404 unknown"

finish
