#!/bin/sh
# explain as JSON: GET /v1/disputes/{id}/explain, /v1/children/{case_ref}/explain,
# /v1/workers/{id}/explain and /v1/actions/{ref}/explain?plan=P answer with the same JSON, key for
# key and in the same order, as `driftwatchctl explain ... --json` (one builder serves both), and
# that JSON carries the facts of the text form: as many notices, on the same dates, to the same
# addresses, in the same state. ?at= is --at; unknown records are 404, bad dates 400; 401 without a
# token, 403 outside the read scope; no child's name anywhere.
. "$(dirname "$0")/lib.sh"

start_smtp
PORT=$(free_port)
TOKEN=tok-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$T/portal.token"
printf 'tok-disputes-only-0123456789\n' >"$T/writer.token"
chmod 600 "$T/portal.token" "$T/writer.token"
{
	smtp_transport
	printf '[role "head-of-service"]\nemail = hos@council.example\n'
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[http]\nlisten = 127.0.0.1:%s\n' "$PORT"
	printf '[client "portal"]\nmay = read\ntoken_file = %s/portal.token\n' "$T"
	printf '[client "writer"]\nmay = disputes\ntoken_file = %s/writer.token\n' "$T"
} | write_config
URL=http://127.0.0.1:$PORT/v1
AUTH="Authorization: Bearer $TOKEN"

export DRIFTWATCH_NOW=2022-05-27T10:00
H=case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
printf '%s\nCR-1001,North,Sammy Zanzibar,sam@council.example,Tess Quixote,tess@council.example,Ian Yardley,ian@council.example\n' \
	"$H" >"$T/alloc.csv"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
ctl import ssda903 --no-strict "$TOP/etc/samples/ssda903-fake" >/dev/null 2>&1 || fail "import ssda903"
# Allocate the first children of the extract too, so their notices have addresses.
children=$(ctl children list --json | $PY -c 'import json,sys; print(" ".join(c["case_ref"] for c in json.load(sys.stdin)[:3]))')
[ -n "$children" ] || fail "no children in the sample extract"
for c in $children; do
	printf '%s,North,Sammy Zanzibar,sam@council.example,Tess Quixote,tess@council.example,Ian Yardley,ian@council.example\n' "$c"
done | { cat "$T/alloc.csv"; cat; } >"$T/alloc2.csv"
ctl import allocations "$T/alloc2.csv" >/dev/null || fail "import allocations 2"
ctl dispute raise CR-1001 --iro ian@council.example --category drift-and-delay --stage 1 --note "no plan" --on 2022-05-20 \
	>/dev/null || fail "raise 1"
ctl dispute raise CR-1001 --iro ian@council.example --category contact >/dev/null || fail "raise 2"
ctl dispute resolve 2 --outcome "contact agreed" >/dev/null || fail "resolve 2"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
printf 'person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload\nP001,Alex Example,alex@council.example,asye,North,tm@council.example,2022-03-07,37,12\nP004,Di Example,di@council.example,social-worker,North,tm@council.example,,37,20\n' >"$T/workforce.csv"
ctl import workforce "$T/workforce.csv" >/dev/null || fail "import workforce"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions"
PLAN=$(ctl actions list --json | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["plan"])')
REFS=$(ctl actions list --json | $PY -c 'import json,sys; a=json.load(sys.stdin); print(" ".join(x["ref"] for x in a[:3]))')

# The daemon queues and sends what is due today, so some notices are sent, others to come.
start_daemon_ready
wait_settled 20 || fail "the outbox did not settle"
[ "$(mail_count)" -gt 0 ] || fail "nothing was sent: the states would all be the same"

# same ROUTE CTL-ARGS...: the HTTP answer equals driftwatchctl's --json, keys in order.
same() {
	_route=$1
	shift
	code=$(curl -s -o "$T/api.json" -w '%{http_code}' -H "$AUTH" "$URL/$_route")
	[ "$code" = 200 ] || fail "GET /v1/$_route: $code $(cat "$T/api.json")"
	ctl explain "$@" --json >"$T/ctl.json" || fail "ctl explain $* --json"
	$PY - "$T/api.json" "$T/ctl.json" <<'PY' || fail "GET /v1/$_route differs from driftwatchctl explain $* --json"
import json, sys
load = lambda p: json.load(open(p), object_pairs_hook=lambda kv: ("obj", kv))
api, ctl = load(sys.argv[1]), load(sys.argv[2])
assert api == ctl, (api, ctl)
PY
	for name in Sammy Zanzibar Quixote Yardley; do
		grep -q "$name" "$T/api.json" && fail "a name ($name) in GET /v1/$_route"
	done
	ctl explain "$@" >"$T/text" || fail "ctl explain $*"
}

# Disputes: the ladder and every notice, as the text form has them.
for id in 1 2; do
	for at in 2022-05-27 2022-06-10; do
		same "disputes/$id/explain?at=$at" dispute "$id" --at "$at"
		$PY - "$T/api.json" "$T/text" <<'PY' || fail "dispute $id at $at: JSON and text differ: $(cat "$T/text")"
import json, re, sys
j = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
ladder = text.split("ladder (recorded when raised):\n")[1].split("notices already queued or sent:\n")[0].splitlines()
outbox = text.split("notices already queued or sent:\n")[1].split("planned now:\n")[0].splitlines()
planned = text.split("planned now:\n")[1].splitlines()
assert len(ladder) == len(j["ladder"]), (ladder, j["ladder"])
for line, st in zip(ladder, j["ladder"]):
    assert line.split()[0] == st["stage"] and line.split()[1] == st["responder"], (line, st)
    for d in (st["started_on"], st["due_on"]):
        assert d is None or d in line, (line, st)
if outbox == ["  (none)"]:
    outbox = []
assert len(outbox) == len(j["outbox"]), (outbox, j["outbox"])
for line, n in zip(outbox, j["outbox"]):
    assert line.split()[0] == n["state"] and n["recipient"] in line and n["created_at"] in line, (line, n)
assert len(planned) == len(j["notices"]), (planned, j["notices"])
for line, n in zip(planned, j["notices"]):
    assert line.startswith("  " + n["due"] + "  " + n["rule"]), (line, n)
    assert n["reason"] in line and n["detail"] in line, (line, n)
    assert n["address"] is None or n["address"] in line, (line, n)
PY
	done
done
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["dispute"]["outcome"]=="contact agreed" and j["ladder"][0]["position"]=="current-resolved" and {n["rule"] for n in j["notices"]}=={"resolved"}, j' "$T/api.json" ||
	fail "the resolved dispute: $(cat "$T/api.json")"
curl -s -H "$AUTH" "$URL/disputes/1/explain?at=2022-05-27" >"$T/d1.json"
$PY - "$T/d1.json" <<'PY' || fail "dispute 1's states: $(cat "$T/d1.json")"
import json, sys
j = json.load(open(sys.argv[1]))
states = {n["state"] for n in j["notices"]}
assert "sent" in states and "to-come" in states, states
assert len(j["outbox"]) == sum(1 for n in j["notices"] if n["state"] in ("sent", "pending")), j
assert all(n["sent_at"] for n in j["notices"] if n["state"] == "sent"), j["notices"]
assert [s["position"] for s in j["ladder"][:3]] == ["bypassed", "current", "if-no-response"], j["ladder"]
PY
ok "GET /v1/disputes/{id}/explain: the same JSON as explain dispute --json, the ladder and notices of the text form (sent and to come)"

# Children: the review schedule and each notice's recipients.
for c in $children; do
	for at in 2022-05-27 2022-09-01; do
		same "children/$c/explain?at=$at" child "$c" --at "$at"
		$PY - "$T/api.json" "$T/text" <<'PY' || fail "child $c at $at: JSON and text differ: $(cat "$T/text")"
import json, re, sys
j = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert text.startswith("case %s as at %s\n" % (j["case_ref"], j["at"])), text[:80]
head = text.split("notices planned as at")[0]
assert head.count("period of care ") == len(j["periods"]), (head, j["periods"])
dues = re.findall(r"^  review(?: \d+)?: due (?:by )?(\d{4}-\d\d-\d\d)", head, re.M)
assert dues == [r["due_on"] for p in j["periods"] for r in p["reviews"]], (dues, j["periods"])
held = re.findall(r", held (\d{4}-\d\d-\d\d)", head)
assert held == [r["held_on"] for p in j["periods"] for r in p["reviews"] if r["held_on"]], (held, j["periods"])
planned = text.split("notices planned as at")[1].split("notices already queued or sent:\n")[0].splitlines()[1:]
outbox = text.split("notices already queued or sent:\n")[1].splitlines()
items = [l for l in planned if re.match(r"^  \d{4}-", l)]
who = [l for l in planned if l.startswith("      ")]
if planned == ["  (none)"]:
    planned = []
assert len(items) == len(j["notices"]), (items, j["notices"])
for line, n in zip(items, j["notices"]):
    assert line.startswith("  %s  %s" % (n["fire_on"], n["rule"])) and n["reason"] in line, (line, n)
recips = [r for n in j["notices"] for r in n["recipients"]]
assert len(who) == len(recips), (who, recips)
for line, r in zip(who, recips):
    assert r["who"] in line and r["detail"] in line and (r["address"] is None or r["address"] in line), (line, r)
if outbox == ["  (none)"]:
    outbox = []
assert len(outbox) == len(j["outbox"]), (outbox, j["outbox"])
for line, n in zip(outbox, j["outbox"]):
    assert line.split()[0] == n["state"] and n["recipient"] in line and n["notice"] in line, (line, n)
assert j["allocation"]["iro_email"] == "ian@council.example", j["allocation"]
PY
	done
done
ok "GET /v1/children/{case_ref}/explain: the same JSON as explain child --json; the reviews, notices and recipients of the text form; no names"

# Workers: an ASYE and an experienced social worker.
for p in P001 P004; do
	for at in 2022-05-27 2022-07-01; do
		same "workers/$p/explain?at=$at" worker "$p" --at "$at"
		$PY - "$T/api.json" "$T/text" <<'PY' || fail "worker $p at $at: JSON and text differ: $(cat "$T/text")"
import json, re, sys
j = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert text.startswith("%s %s, %s" % (j["person_id"], j["name"], j["role"])), text[:80]
assert ("caseload %d, limit %d" % (j["caseload"], j["limit"])) in text, text
if j["asye"] is not None:
    a = j["asye"]
    assert "ASYE %s to %s" % (a["started_on"], a["ends_on"]) in text, text
    if a["in_programme"]:
        assert "protected time %.1f h of %.1f h" % (a["protected_hours"], a["expected_hours"]) in text, text
        assert "review points held %d of %d; next %s" % (a["reviews_held"], a["reviews_total"], a["next_review"] or "-") in text, text
else:
    assert "ASYE" not in text, text
dues = re.findall(r"^    due (\S+) \(send until (\S+)\): (.*)$", text, re.M)
assert len(dues) == len(j["notices"]), (dues, j["notices"])
for (due, until, state), n in zip(dues, j["notices"]):
    assert (due, until, state) == (n["due"], n["until"], n["detail"]), ((due, until, state), n)
    assert "    to %s\n" % n["to"] in text and n["reason"] in text, n
PY
	done
done
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["asye"] is None and j["role"]=="social-worker", j' "$T/api.json" ||
	fail "P004 is not an ASYE: $(cat "$T/api.json")"
curl -s -H "$AUTH" "$URL/workers/P001/explain?at=2022-07-01" | $PY -c 'import json,sys; j=json.load(sys.stdin); assert j["notices"], j' ||
	fail "P001 has no notices by July"
ok "GET /v1/workers/{id}/explain: the same JSON as explain worker --json; position, caseload and notices of the text form"

# Actions, by plan and reference.
for ref in $REFS; do
	for at in 2021-01-04 2021-06-01; do
		same "actions/$ref/explain?plan=$PLAN&at=$at" action "$PLAN" "$ref" --at "$at"
		$PY - "$T/api.json" "$T/text" <<'PY' || fail "action $ref at $at: JSON and text differ: $(cat "$T/text")"
import json, re, sys
j = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert text.startswith("action %s %s" % (j["plan"], j["ref"])), text[:80]
assert ("RAG at %s: %s" % (j["at"], j["rag"])) in text, text
lines = re.findall(r"^  (\d{4}-\d\d-\d\d)  (\S+) +(\d+)  to (\S+) .*$", text, re.M)
assert len(lines) == len(j["notices"]), (lines, j["notices"])
full = [l for l in text.splitlines() if re.match(r"^  \d{4}-", l)]
for (due, rule, level, to), line, n in zip(lines, full, j["notices"]):
    assert (due, rule, int(level), to) == (n["due"], n["rule"], n["level"], n["to"] or "-"), (line, n)
    assert n["detail"] in line, (line, n)
PY
	done
done
ok "GET /v1/actions/{ref}/explain?plan=P: the same JSON as explain action --json and the notices of the text form"

# Without ?at the answer is as at the daemon's today, as driftwatchctl without --at.
same "disputes/1/explain" dispute 1
same "children/$(echo "$children" | cut -d' ' -f1)/explain" child "$(echo "$children" | cut -d' ' -f1)"
ok "without ?at, as at today, as driftwatchctl without --at"

# Errors: unknown records 404, bad input 400, 401 without a token, 403 outside read.
code() { curl -s -o "$T/err.json" -w '%{http_code}' "$@"; }
[ "$(code -H "$AUTH" "$URL/disputes/999/explain")" = 404 ] && grep -q '"field":"id"' "$T/err.json" || fail "unknown dispute: $(cat "$T/err.json")"
[ "$(code -H "$AUTH" "$URL/disputes/CR-1001/explain")" = 400 ] || fail "a dispute id that is not a number"
[ "$(code -H "$AUTH" "$URL/children/CR-NOBODY/explain")" = 404 ] && grep -q '"field":"case_ref"' "$T/err.json" || fail "unknown child: $(cat "$T/err.json")"
[ "$(code -H "$AUTH" "$URL/workers/P999/explain")" = 404 ] && grep -q '"field":"id"' "$T/err.json" || fail "unknown worker: $(cat "$T/err.json")"
[ "$(code -H "$AUTH" "$URL/actions/99.99/explain?plan=$PLAN")" = 404 ] && grep -q '"field":"ref"' "$T/err.json" || fail "unknown action: $(cat "$T/err.json")"
[ "$(code -H "$AUTH" "$URL/actions/$(echo "$REFS" | cut -d' ' -f1)/explain")" = 400 ] && grep -q '"field":"plan"' "$T/err.json" ||
	fail "an action without ?plan: $(cat "$T/err.json")"
[ "$(code -H "$AUTH" "$URL/disputes/1/explain?at=2022-13-01")" = 400 ] && grep -q '"field":"at"' "$T/err.json" || fail "a bad ?at: $(cat "$T/err.json")"
[ "$(code -H "$AUTH" "$URL/workers/P001/explain?at=tomorrow")" = 400 ] && grep -q '"field":"at"' "$T/err.json" || fail "a bad ?at for a worker"
for r in "disputes/1/explain" "children/CR-1001/explain" "workers/P001/explain" "actions/1.1/explain?plan=$PLAN"; do
	[ "$(code "$URL/$r")" = 401 ] || fail "$r without a token: not 401"
	[ "$(code -H "Authorization: Bearer tok-disputes-only-0123456789" "$URL/$r")" = 403 ] || fail "$r outside read: not 403"
done
ok "404 for an unknown dispute, child, worker or action; 400 for a bad id, ?at or a missing ?plan; 401 without a token, 403 without read"

wait_log "http: GET /v1/children/{case_ref}/explain 200 client=portal " 5 || fail "the request log lacks the explain route template"
grep "http: " "$T/daemon.log" | grep -q -e "CR-1001" -e "CR-NOBODY" && fail "a case reference reached a request log"
ok "request logs name the explain route templates, never a case reference"

stop_daemon || fail "daemon did not stop cleanly"

# The first-start hold: a fresh database whose plan is long overdue holds its escalations; explain
# says "held" for them (not pending), over HTTP as in driftwatchctl, as the text form does.
sed -e "s|$T/dw.db|$T/held.db|" "$T/dw.ini" >"$T/held.ini"
printf '[outbox]\nfirst_start_hold = 5\n' >>"$T/held.ini"
mv "$T/held.ini" "$T/dw.ini"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles (held)"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions (held)"
start_daemon
wait_log "overdue escalations held" 20 || fail "the first start did not hold its escalations"
held_ref=$(ctl outbox list --state held --limit 0 --json | $PY -c 'import json, sys
rows = json.load(sys.stdin)
assert rows, "nothing held"
print(rows[0]["subject"].split(":")[0].split()[-1])') || fail "no held notice to explain"
same "actions/$held_ref/explain?plan=$PLAN" action "$PLAN" "$held_ref"
$PY - "$T/api.json" "$T/text" <<'PY' || fail "action $held_ref: held not said: $(cat "$T/api.json")"
import json, sys
j = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
held = [n for n in j["notices"] if n["state"] == "held"]
assert held, j["notices"]
assert not [n for n in j["notices"] if n["state"] == "pending"], j["notices"]
for n in held:
    assert n["detail"].startswith("held in the outbox") and n["detail"] in text, (n, text)
PY
ok "the first-start hold: explain action says held, over HTTP as in driftwatchctl and the text form"

stop_daemon || fail "daemon did not stop cleanly"
finish
