#!/bin/sh
# The HTTP API, stage 2: [client] tokens and scopes (401 without or with a wrong token, 403 outside
# the scopes), and the reads, which print the same JSON as driftwatchctl's --json (disputes, actions),
# and actions by RAG in /metrics.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
TOKEN=tok-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" >"$T/portal.token"
printf 'tok-disputes-only-0123456789\n' >"$T/writer.token"
chmod 600 "$T/portal.token" "$T/writer.token"
{
	printf '[role "dcs"]\nemail = dcs@council.example\n'
	printf '[http]\nlisten = 127.0.0.1:%s\n' "$PORT"
	printf '[client "portal"]\nmay = read\ntoken_file = %s/portal.token\n' "$T"
	printf '[client "writer"]\nmay = disputes\ntoken_file = %s/writer.token\n' "$T"
} | write_config
URL=http://127.0.0.1:$PORT/v1

# A token others can read, or an unknown scope, is refused at load with the line.
cp "$T/dw.ini" "$T/bad.ini"
printf '[client "loose"]\nmay = read, everything\ntoken_file = %s/loose.token\n' "$T" >>"$T/bad.ini"
printf 'tok-loose-0123456789\n' >"$T/loose.token"
chmod 644 "$T/loose.token"
"$DWD" --check-config -f "$T/bad.ini" >/dev/null 2>"$T/err" && fail "a world-readable token was accepted"
section=$(grep -n '^\[client "loose"\]' "$T/bad.ini" | cut -d: -f1) # client errors name their section's line
grep -q "bad.ini:$section: .*loose.token: mode 0644 is too open: token_file wants 0600" "$T/err" || fail "token mode: $(cat "$T/err")"
grep -q "bad.ini:$section: \[client \"loose\"\]: may: unknown scope \"everything\"" "$T/err" || fail "scope: $(cat "$T/err")"
ok "a token others can read and an unknown scope are refused with FILE:LINE"

export DRIFTWATCH_NOW=2022-05-23T09:00
H=case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
printf '%s\nCR-1001,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/alloc.csv"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
ctl dispute raise CR-1001 --iro ian@council.example --category drift-and-delay --note "no plan" >/dev/null || fail "raise 1"
ctl dispute raise CR-1001 --iro ian@council.example --category contact >/dev/null || fail "raise 2"
ctl dispute resolve 2 --outcome "contact agreed" >/dev/null || fail "resolve 2"
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
printf 'person_id,name,email,role,team,manager_email,asye_started_on,contracted_hours,caseload\nP001,Alex Example,alex@council.example,asye,North,tm@council.example,2022-03-07,37,12\nP004,Di Example,di@council.example,social-worker,North,tm@council.example,,37,20\n' >"$T/workforce.csv"
ctl import workforce "$T/workforce.csv" >/dev/null || fail "import workforce"
ctl import ssda903 --no-strict "$TOP/etc/samples/ssda903-fake" >/dev/null 2>&1 || fail "import ssda903"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions"
start_daemon

code=$(curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' "$URL/disputes")
[ "$code" = 401 ] || fail "no token: $code"
grep -qi '^www-authenticate: Bearer' "$T/hdr" || fail "401 without WWW-Authenticate"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer ${TOKEN}x" "$URL/disputes")
[ "$code" = 401 ] || fail "a wrong token: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $(printf %s "$TOKEN" | cut -c1-10)" "$URL/disputes")
[ "$code" = 401 ] || fail "a prefix of the token: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Basic $TOKEN" "$URL/disputes")
[ "$code" = 401 ] || fail "not Bearer: $code"
code=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer tok-disputes-only-0123456789" "$URL/disputes")
[ "$code" = 403 ] || fail "a client without read: $code"
grep -q '"error"' "$T/out" || fail "403 without a JSON error"
ok "401 without a token, with a wrong one, a prefix or not Bearer; 403 outside the client's scopes"

AUTH="Authorization: Bearer $TOKEN"
code=$(curl -s -o "$T/list.json" -w '%{http_code}' -H "$AUTH" "$URL/disputes")
[ "$code" = 200 ] || fail "GET /v1/disputes: $code $(cat "$T/list.json")"
ctl dispute list --json >"$T/ctl.json" || fail "ctl dispute list --json"
$PY - "$T/list.json" "$T/ctl.json" <<'PY' || fail "the API's list differs from driftwatchctl's"
import json, sys
api = json.load(open(sys.argv[1]))["disputes"]
ctl = json.load(open(sys.argv[2]))
assert api == ctl, (api, ctl)
assert [d["id"] for d in api] == [1, 2], api
assert api[0]["case_ref"] == "CR-1001" and api[0]["category"] == "drift-and-delay", api[0]
assert api[1]["outcome"] == "contact agreed", api[1]
PY
curl -s -H "$AUTH" "$URL/disputes?open=1" | $PY -c 'import json,sys; d=json.load(sys.stdin)["disputes"]; assert [x["id"] for x in d]==[1], d' ||
	fail "?open=1 does not keep only the open dispute"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL/disputes?open=maybe")" = 400 ] || fail "?open=maybe is not 400"
ok "GET /v1/disputes: the same JSON as driftwatchctl dispute list --json; ?open=1 filters"

code=$(curl -s -o "$T/one.json" -w '%{http_code}' -H "$AUTH" "$URL/disputes/1")
[ "$code" = 200 ] || fail "GET /v1/disputes/1: $code"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["id"]==1 and d["history"][0]["kind"]=="raised", d' "$T/one.json" ||
	fail "dispute 1: $(cat "$T/one.json")"
code=$(curl -s -o "$T/none.json" -w '%{http_code}' -H "$AUTH" "$URL/disputes/999")
[ "$code" = 404 ] && grep -q '"field":"id"' "$T/none.json" || fail "unknown dispute: $code $(cat "$T/none.json")"
code=$(curl -s -o "$T/bad.json" -w '%{http_code}' -H "$AUTH" "$URL/disputes/CR-1001")
[ "$code" = 400 ] && grep -q '"field":"id"' "$T/bad.json" || fail "a non-number id: $code $(cat "$T/bad.json")"
ok "GET /v1/disputes/{id}: 200 with its history; 404 unknown; 400 not a number"

code=$(curl -s -o "$T/actions.json" -w '%{http_code}' -H "$AUTH" "$URL/actions")
[ "$code" = 200 ] || fail "GET /v1/actions: $code"
ctl actions list --json >"$T/ctl_actions.json" || fail "ctl actions list --json"
curl -s -H "$AUTH" "$URL/actions?rag=red" >"$T/red.json"
curl -s "http://127.0.0.1:$PORT/metrics" >"$T/metrics"
$PY - "$T/actions.json" "$T/ctl_actions.json" "$T/red.json" "$T/metrics" <<'PY' || fail "actions over HTTP differ"
import json, re, sys
api = json.load(open(sys.argv[1]))["actions"]
ctl = json.load(open(sys.argv[2]))
assert api == ctl and len(api) > 10, (len(api), len(ctl))
red = json.load(open(sys.argv[3]))["actions"]
assert red == [a for a in api if a["rag"] == "Red"] and red, len(red)
m = dict(re.findall(r'^driftwatch_actions\{rag="([A-Za-z ]+)"\} (\d+)$', open(sys.argv[4]).read(), re.M))
assert int(m["Red"]) == len(red), (m, len(red))
assert sum(int(v) for v in m.values()) == len(api), (m, len(api))
PY
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL/actions?rag=purple")" = 400 ] || fail "?rag=purple is not 400"
ok "GET /v1/actions: the same JSON as driftwatchctl actions list --json; ?rag= filters; /metrics counts them by RAG"

curl -s -H "$AUTH" "$URL/children" >"$T/children.json"
ctl children list --json >"$T/ctl_children.json" || fail "ctl children list --json"
curl -s -H "$AUTH" "$URL/children?overdue=1" >"$T/overdue.json"
ctl children list --overdue --json >"$T/ctl_overdue.json" || fail "ctl children list --overdue --json"
$PY - "$T/children.json" "$T/ctl_children.json" "$T/overdue.json" "$T/ctl_overdue.json" <<'PY' || fail "children over HTTP differ"
import json, sys
api = json.load(open(sys.argv[1]))["children"]
ctl = json.load(open(sys.argv[2]))
assert api == ctl and len(api) > 0, (len(api), len(ctl))
over = json.load(open(sys.argv[3]))["children"]
assert over == json.load(open(sys.argv[4])) and all(c["days_overdue"] > 0 for c in over), over
open(sys.argv[1] + ".first", "w").write(api[0]["case_ref"])
PY
first=$(cat "$T/children.json.first")
code=$(curl -s -o "$T/child.json" -w '%{http_code}' -H "$AUTH" "$URL/children/$first")
[ "$code" = 200 ] || fail "GET /v1/children/{case_ref}: $code"
$PY -c 'import json,sys; a=json.load(open(sys.argv[1])); l=json.load(open(sys.argv[2]))["children"]; assert a==l[0], (a, l[0])' \
	"$T/child.json" "$T/children.json" || fail "one child differs from the list's"
code=$(curl -s -o "$T/nochild.json" -w '%{http_code}' -H "$AUTH" "$URL/children/CR-NOBODY")
[ "$code" = 404 ] && grep -q '"field":"case_ref"' "$T/nochild.json" || fail "unknown child: $code $(cat "$T/nochild.json")"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL/children?overdue=soon")" = 400 ] || fail "?overdue=soon is not 400"
ok "GET /v1/children: the same JSON as driftwatchctl children list --json (and --overdue); one child; 404 unknown"

curl -s -H "$AUTH" "$URL/workers" >"$T/workers.json"
ctl asye list --json >"$T/ctl_workers.json" || fail "ctl asye list --json"
$PY - "$T/workers.json" "$T/ctl_workers.json" <<'PY' || fail "workers over HTTP differ"
import json, sys
api = json.load(open(sys.argv[1]))["workers"]
ctl = json.load(open(sys.argv[2]))
assert api == ctl and [w["person_id"] for w in api] == ["P001"], (api, ctl)
assert api[0]["started_on"] == "2022-03-07" and api[0]["next_review"] == "2022-06-07", api[0]
PY
ok "GET /v1/workers: the same JSON as driftwatchctl asye list --json, each date its own"

curl -s -H "$AUTH" "$URL/outbox" >"$T/outbox.json"
ctl outbox list --json >"$T/ctl_outbox.json" || fail "ctl outbox list --json"
curl -s -H "$AUTH" "$URL/outbox?limit=1" >"$T/outbox1.json"
$PY - "$T/outbox.json" "$T/ctl_outbox.json" "$T/outbox1.json" <<'PY' || fail "the outbox over HTTP differs"
import json, sys
api = json.load(open(sys.argv[1]))["outbox"]
ctl = json.load(open(sys.argv[2]))
key = lambda r: (r["id"], r["kind"], r["recipient"], r["subject"], r["created_at"])
assert [key(r) for r in api] == [key(r) for r in ctl] and api, (api, ctl)
assert len(json.load(open(sys.argv[3]))["outbox"]) == 1
PY
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL/outbox?state=lost")" = 400 ] || fail "?state=lost is not 400"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$URL/outbox?limit=0")" = 400 ] || fail "?limit=0 is not 400"
ok "GET /v1/outbox: the rows driftwatchctl outbox list --json shows; ?limit; bad ?state and ?limit are 400"

wait_log "http: GET /v1/disputes/{id} 200 client=portal " 5 || fail "the request log lacks the route template or the client"
grep -q "http: GET /v1/disputes 403 client=writer " "$T/daemon.log" || fail "the 403 is not logged with its client"
grep "http: " "$T/daemon.log" | grep -q -e "CR-1001" -e "CR-NOBODY" -e "$first" && fail "a case reference reached a request log"
grep -q "http: GET /v1/children/{case_ref} 404 client=portal " "$T/daemon.log" || fail "no template in the children log line"
grep -q "$TOKEN" "$T/daemon.log" && fail "the token reached the log"
ok "request logs name the route template and the client, never a case reference or a token"

stop_daemon || fail "daemon did not stop cleanly"
finish
