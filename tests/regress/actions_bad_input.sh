#!/bin/sh
# Bad action-plan files: one file per kind of error, each reported as FILE:LINE:COLUMN with exit 65,
# and nothing imported (not even the good rows of the same file). Dates as Excel saves them
# (dd/mm/yyyy) are not bad input: the St Helens plan so saved gives the same actions as the ISO file.
. "$(dirname "$0")/lib.sh"

write_config </dev/null
printf 'role,title,reports_to\ndcs,Director of Children'"'"'s Services,\nad-csc,Assistant Director Children'"'"'s Social Care,dcs\n' >"$T/roles.csv"
ctl import roles "$T/roles.csv" >/dev/null || fail "import roles"

H=plan,ref,section,section_title,finding,action,lead_role,starts_on,due_on,timescale_text,kpis
GOOD="p,1.1,1,Title,Finding,Do it,Assistant Director Children's Social Care,2020-03-01,2021-02-28,Mar 2020 Feb 2021,KPI"

# bad FILE EXPECTED-MESSAGE: import must exit 65, print the message, and import nothing.
bad() {
	ctl import actions "$T/$1" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 65 ] || fail "$1: exit $rc, want 65 ($(cat "$T/err"))"
	grep -qF -- "$T/$1:$2" "$T/err" || fail "$1: want \"$2\", got: $(cat "$T/err")"
	grep -q "nothing imported" "$T/err" || fail "$1: no 'nothing imported'"
	[ "$(ctl actions list)" = "no actions" ] || fail "$1: something was imported"
	ok "$1 -> $2"
}

printf '%s\n%s\np,1.2,1,T,F,Do it,dcs,2020-03-01,2021-02-31,x,k\n' "$H" "$GOOD" >"$T/bad-date.csv"
bad bad-date.csv '3:34: due_on: "2021-02-31" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)'

printf '%s\n%s\np,1.2,1,T,F,Do it,dcs,01/03/2020,31/02/2021,x,k\n' "$H" "$GOOD" >"$T/bad-dmy-date.csv"
bad bad-dmy-date.csv '3:34: due_on: "31/02/2021" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)'

printf '%s\n%s\np,1.2,1,T,F,Do it,dcs,01/03/2020,28.02.2021,x,k\n' "$H" "$GOOD" >"$T/dotted-date.csv"
bad dotted-date.csv '3:34: due_on: "28.02.2021" is not a date'

printf '%s\n%s\np,1.2,1,T,F,Do it,dcs,2021-03-01,2021-02-28,x,k\n' "$H" "$GOOD" >"$T/due-before-start.csv"
bad due-before-start.csv '3:34: due_on: 2021-02-28 is before starts_on 2021-03-01'

printf '%s\n%s\np,1.2,1,T,F,Do it,Head of Nowhere / dcs,2020-03-01,2021-02-28,x,k\n' "$H" "$GOOD" >"$T/unknown-role.csv"
bad unknown-role.csv '3:19: lead_role: no role matches "Head of Nowhere"'

printf 'plan,ref,section,section_title,finding,action,lead_role,starts_on,timescale_text,kpis\np,1.1,1,T,F,Do it,dcs,2020-03-01,x,k\n' >"$T/missing-column.csv"
bad missing-column.csv '1:1: missing column "due_on"'

printf '%s\n%s\np,1.2,1,T,F,Do it,dcs,2020-03-01,2021-02-28,x,k,extra\n' "$H" "$GOOD" >"$T/extra-field.csv"
bad extra-field.csv '3:49: extra field: the header has 11 columns, this row 12'

printf '%s,colour\n%s,red\n' "$H" "$GOOD" >"$T/extra-column.csv"
bad extra-column.csv '1:94: unknown column "colour"'

printf '%s\n%s\np,1.2,1,"T,F,Do it,dcs,2020-03-01,2021-02-28,x,k\n' "$H" "$GOOD" >"$T/unterminated-quote.csv"
bad unterminated-quote.csv '3:9: unterminated quoted field'

printf '%s\n%s\np,1.2,1,Caf\351,F,Do it,dcs,2020-03-01,2021-02-28,x,k\n' "$H" "$GOOD" >"$T/latin1.csv"
bad latin1.csv '3:12: invalid UTF-8'

printf '%s\n%s\n%s\n' "$H" "$GOOD" "$GOOD" >"$T/duplicate.csv"
bad duplicate.csv '3:3: ref: 1.1 is already in this plan (line 2)'

printf '%s,status\n%s,finished\n' "$H" "$GOOD" >"$T/bad-status.csv"
bad bad-status.csv '2:115: status: "finished" is not open, complete or dropped'

# Every problem of a file is reported, not just the first.
printf '%s\np,1.1,1,T,F,Do it,Nobody,2020-13-01,2021-02-28,x,k\np,1.2,1,T,F,,dcs,2020-03-01,2021-02-28,x,k\n' "$H" >"$T/several.csv"
ctl import actions "$T/several.csv" 2>"$T/err" >/dev/null
[ "$(grep -c "several.csv:[0-9]*:[0-9]*:" "$T/err")" -eq 3 ] || fail "several: want 3 problems: $(cat "$T/err")"
ok "every problem of a file is reported"

# RFC 4180 details in a good file: BOM, CRLF, quoted newline, doubled quotes, curly quotes kept.
printf '\357\273\277%s\r\np,1.1,1,"Two\r\nlines","Said ""no""",Do it,Assistant Director Children\342\200\231s Social Care / dcs,,,Ongoing,\r\n' "$H" >"$T/good.csv"
printf '[role "ad-csc"]\ntitle = Assistant Director Children\342\200\231s Social Care\n' >>"$T/dw.ini"
ctl import actions "$T/good.csv" >"$T/out" 2>&1 || fail "good file: $(cat "$T/out")"
ctl actions list --json >"$T/json"
$PY - "$T/json" <<'PYEOF' || fail "good file content"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1, a
assert a[0]["leads"] == ["ad-csc", "dcs"], a[0]["leads"]
assert a[0]["rag"] == "no timescale" and a[0]["due_on"] is None, a[0]
PYEOF
ok "BOM, CRLF, quoted newlines, doubled and curly quotes; a shared lead matched part by part"

# The St Helens plan as Excel saves it (dd/mm/yyyy, CRLF) gives the same actions, with the same
# due dates, as the ISO file; each into its own database, compared field by field.
$PY - "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" "$T/st-helens-dmy.csv" <<'PYEOF' || fail "rewrite the plan"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
cols = [rows[0].index(c) for c in ("starts_on", "due_on")]
n = 0
for r in rows[1:]:
    for c in cols:
        if r[c]:
            y, m, d = r[c].split("-")
            r[c] = f"{d}/{m}/{y}"
            n += 1
assert n == 88, n  # 58 actions: 55 due dates, 33 start dates
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    csv.writer(f, lineterminator="\r\n").writerows(rows)
PYEOF
grep -q '28/02/2021' "$T/st-helens-dmy.csv" || fail "the rewritten plan has no dd/mm/yyyy dates"
export DRIFTWATCH_NOW=2021-02-01T09:00
for form in iso dmy; do
	sed "s|^database = .*|database = $T/$form.db|" "$T/dw.ini" >"$T/$form.ini"
	"$DWC" -f "$T/$form.ini" import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null 2>&1 || fail "$form: import roles"
done
"$DWC" -f "$T/iso.ini" import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >"$T/out" 2>&1 ||
	fail "the ISO plan: $(cat "$T/out")"
"$DWC" -f "$T/dmy.ini" import actions "$T/st-helens-dmy.csv" >"$T/out" 2>&1 || fail "the dd/mm/yyyy plan: $(cat "$T/out")"
grep -q "58 actions: 58 added" "$T/out" || fail "the dd/mm/yyyy plan: $(cat "$T/out")"
"$DWC" -f "$T/iso.ini" actions list --json >"$T/iso.json" 2>/dev/null || fail "actions list (ISO)"
"$DWC" -f "$T/dmy.ini" actions list --json >"$T/dmy.json" 2>/dev/null || fail "actions list (dd/mm/yyyy)"
$PY - "$T/iso.json" "$T/dmy.json" <<'PYEOF' || fail "the dd/mm/yyyy plan differs from the ISO one"
import json, sys
iso, dmy = (json.load(open(p)) for p in sys.argv[1:3])
assert len(iso) == 58 and len(dmy) == 58, (len(iso), len(dmy))
assert sum(1 for a in iso if a["due_on"] is not None) == 55, "want 55 dated actions"
key = lambda a: (a["plan"], a["ref"])
for a, b in zip(sorted(iso, key=key), sorted(dmy, key=key)):
    assert a == b, (a, b)
assert {a["due_on"] for a in dmy if a["ref"] == "1.1a"} == {"2021-02-28"}
PYEOF
unset DRIFTWATCH_NOW
ok "the St Helens plan saved with dd/mm/yyyy dates gives the same 58 actions and due dates as the ISO file"
finish
