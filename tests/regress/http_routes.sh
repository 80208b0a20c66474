#!/bin/sh
# The daemon's route table (daemon/http.c, printed by the route_table helper) and docs/openapi.yaml
# agree both ways: every METHOD TEMPLATE the daemon serves is an operation in the document, every
# operation is served, and each /v1 route's scope is the one its `security` names (none for the
# routes that take no token). The comparison is first shown to fail on a route added to one side.
. "$(dirname "$0")/lib.sh"

ROUTES=$BUILD/fakes/route_table
[ -x "$ROUTES" ] || fail "no $ROUTES (make tests)"
"$ROUTES" >"$T/table.txt" || fail "route_table"
[ -s "$T/table.txt" ] || fail "the route table is empty"

# compare TABLE YAML: 0 when they agree; the differences on stderr.
compare() {
	$PY - "$1" "$2" <<'PY'
import sys, yaml
table = {}
for line in open(sys.argv[1]):
    method, path, scope = line.split()
    table[(method, path)] = None if scope == "-" else scope
doc = yaml.safe_load(open(sys.argv[2]))
default = doc.get("security", [])
spec = {}
for path, item in doc["paths"].items():
    for method, op in item.items():
        if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            continue
        security = op.get("security", default)
        scopes = [s for req in security for s in req.get("bearer", [])]
        spec[(method.upper(), path)] = scopes[0] if scopes else None
bad = []
for k in sorted(set(table) - set(spec)):
    bad.append("served but not in openapi.yaml: %s %s" % k)
for k in sorted(set(spec) - set(table)):
    bad.append("in openapi.yaml but not served: %s %s" % k)
for k in sorted(set(table) & set(spec)):
    if table[k] != spec[k]:
        bad.append("%s %s: scope %s in the table, %s in openapi.yaml" % (k + (table[k], spec[k])))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# The check can fail: a route in the table only, a path in the document only, a scope changed.
cp "$T/table.txt" "$T/more.txt"
echo "POST /v1/reviews read" >>"$T/more.txt"
compare "$T/more.txt" "$TOP/docs/openapi.yaml" 2>"$T/err" && fail "a route missing from openapi.yaml went unnoticed"
grep -q "served but not in openapi.yaml: POST /v1/reviews" "$T/err" || fail "table only: $(cat "$T/err")"
$PY - "$TOP/docs/openapi.yaml" "$T/more.yaml" <<'PY' || fail "cannot write more.yaml"
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
doc["paths"]["/v1/nowhere"] = {"get": {"responses": {"200": {"description": "x"}}}}
doc["paths"]["/v1/disputes"]["get"]["security"] = [{"bearer": ["disputes"]}]
yaml.safe_dump(doc, open(sys.argv[2], "w"))
PY
compare "$T/table.txt" "$T/more.yaml" 2>"$T/err" && fail "a path missing from the table went unnoticed"
grep -q "in openapi.yaml but not served: GET /v1/nowhere" "$T/err" || fail "document only: $(cat "$T/err")"
grep -q "GET /v1/disputes: scope read in the table, disputes in openapi.yaml" "$T/err" || fail "scope: $(cat "$T/err")"
ok "the comparison fails on a route in the table only, in the document only, or a scope that differs"

compare "$T/table.txt" "$TOP/docs/openapi.yaml" 2>"$T/err" || fail "the route table and docs/openapi.yaml differ: $(cat "$T/err")"
n=$(wc -l <"$T/table.txt")
[ "$n" -ge 11 ] || fail "only $n routes in the table"
ok "the $n routes of the daemon's table are docs/openapi.yaml's operations, with their scopes"
finish
