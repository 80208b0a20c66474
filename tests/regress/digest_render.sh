#!/bin/sh
# The digest's renderings on the St Helens plan (driftwatchctl digest preview): the HTML passes a
# strict parse (every tag closes, in order), holds no external resource, script or image; the
# plain text carries every figure of the CSV with the same value; --month and the default month.
. "$(dirname "$0")/lib.sh"

{
	cat "$TOP/etc/samples/st-helens-roles.ini"
	printf '[digest "board"]\nto = role:dcs\nsections = disputes, actions\n'
} | write_config
export DRIFTWATCH_NOW=2021-01-04T09:00
ctl import roles "$TOP/etc/samples/st-helens-roles.csv" >/dev/null || fail "import roles"
ctl import actions "$TOP/etc/samples/st-helens-ilacs-2020-actions.csv" >/dev/null || fail "import actions"
export DRIFTWATCH_NOW=2021-03-01T09:00

ctl digest preview --format html >"$T/d.html" || fail "preview html"
ctl digest preview --format text >"$T/d.txt" || fail "preview text"
ctl digest preview --format csv >"$T/d.csv" || fail "preview csv"
head -n 1 "$T/d.txt" | grep -q "^Children's services timescales — February 2021$" ||
	fail "the default month is not February 2021: $(head -n 1 "$T/d.txt")"
ok "preview defaults to the month just ended"

$PY - "$T/d.html" <<'PYEOF' || fail "HTML strict parse"
import re, sys
from html.parser import HTMLParser
VOID = {"meta", "br"}
class Strict(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags = [], set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            assert k not in ("src", "href", "background", "srcset"), (tag, k, v)
            assert not k.startswith("on"), (tag, k)
            assert v is None or ("url(" not in v and "//" not in v), (tag, k, v)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))
    def handle_startendtag(self, tag, attrs):
        assert tag in VOID, ("self-closed", tag)
    def handle_endtag(self, tag):
        assert tag not in VOID, ("end tag of a void element", tag)
        assert self.stack, ("close without open", tag, self.getpos())
        top, pos = self.stack.pop()
        assert top == tag, ("mismatched", top, pos, tag, self.getpos())
html = open(sys.argv[1], encoding="utf-8").read()
p = Strict()
p.feed(html)
p.close()
assert not p.stack, ("unclosed", p.stack)
assert html.startswith("<!DOCTYPE html>")
assert not p.tags & {"img", "script", "link", "style", "iframe", "object", "embed", "a", "form"}, p.tags
assert not re.search(r"(?i)https?:|//|url\(|data:", html), re.search(r"(?i)https?:|//|url\(|data:", html)
for t in ("table", "tr", "td", "th", "h1", "h2"):
    assert t in p.tags, t
assert 'bgcolor="#c0392b"' in html  # the RAG bar: red cells
PYEOF
ok "HTML: strict parse, tables and cell bars only, no external URL, script or image"

$PY - "$T/d.csv" "$T/d.txt" <<'PYEOF' || fail "text and CSV disagree"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))
text = open(sys.argv[2], encoding="utf-8").read()
assert rows[0] == ["month", "area", "figure", "value", "previous", "target"], rows[0]
assert len(rows) > 20
for month, area, figure, value, previous, target in rows[1:]:
    assert month == "2021-02", month
    line = [l for l in text.splitlines() if l.startswith("- " + figure + ": ")]
    assert len(line) == 1, (figure, line)
    shown = value if value != "" else "no data"
    assert line[0].startswith("- %s: %s" % (figure, shown)), (line[0], value)
    last = previous if previous != "" else "no data"
    assert "(last month " + last in line[0], (line[0], previous)
red = [r for r in rows if r[2] == "Red actions"][0]
assert red[3:] == ["8", "8", "0"], red
PYEOF
ok "the text carries every figure of the CSV with the same value and last month's"

ctl digest preview --name board --month 2021-03 --format csv >"$T/b.csv" || fail "preview --name"
[ "$(cut -d, -f2 "$T/b.csv" | sed 1d | uniq | tr '\n' ' ')" = "disputes actions " ] ||
	fail "sections of [digest \"board\"]: $(cut -d, -f2 "$T/b.csv" | uniq)"
grep -q '^2021-03,actions,Red actions,55,8,0' "$T/b.csv" || fail "March: $(grep 'Red actions' "$T/b.csv")"
ctl digest preview --month 2021-13 2>"$T/err" && fail "a bad month was accepted"
grep -q 'not a month' "$T/err" || fail "bad month message: $(cat "$T/err")"
ctl digest preview --name nosuch 2>"$T/err" && fail "an unknown digest was accepted"
grep -q 'no \[digest "nosuch"\]' "$T/err" || fail "unknown digest message: $(cat "$T/err")"
ok "--name takes a digest's sections in order; --month; bad input refused"
finish
