#!/bin/sh
# The manual: driftwatchd(8), driftwatchctl(8) and driftwatch.ini(5) render with no warning from
# man-db/groff, name every command driftwatchctl lists and every option driftwatchd takes, and the
# ini page (generated from the key table) lists every key; mkman refuses a template that would
# leave a section of the key table out.
. "$(dirname "$0")/lib.sh"
command -v man >/dev/null || fail "man not installed (scripts/install-deps test)"
INI5=$BUILD/man/driftwatch.ini.5
[ -f "$INI5" ] || fail "$INI5 not built (make man)"

for page in "$TOP/docs/man/driftwatchd.8" "$TOP/docs/man/driftwatchctl.8" "$INI5"; do
	MANWIDTH=80 man --warnings -E UTF-8 -l "$page" >"$T/page.txt" 2>"$T/warn" || fail "man -l $page failed"
	[ -s "$T/warn" ] && { cat "$T/warn"; fail "$(basename "$page"): man --warnings printed warnings"; }
	[ "$(wc -l <"$T/page.txt")" -gt 20 ] || fail "$(basename "$page") rendered almost nothing"
done
ok "the three pages render with no warning"

MANWIDTH=200 man -l "$TOP/docs/man/driftwatchctl.8" 2>/dev/null >"$T/ctl.txt"
"$DWC" 2>&1 | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' >"$T/commands"
[ "$(wc -l <"$T/commands")" -gt 10 ] || fail "driftwatchctl listed too few commands: $(cat "$T/commands")"
while read -r cmd; do
	grep -Eq "^ {7}$cmd( |$)" "$T/ctl.txt" || fail "driftwatchctl.8 does not document \"$cmd\""
done <"$T/commands"
ok "driftwatchctl.8 documents every command driftwatchctl lists ($(wc -l <"$T/commands"))"

MANWIDTH=200 man -l "$TOP/docs/man/driftwatchd.8" 2>/dev/null >"$T/d.txt"
for opt in $("$DWD" --help | grep -o -- '-\{1,2\}[a-z][a-z-]*' | sort -u); do
	grep -Eq -- "^ {7}(-[a-z-]+, )*$opt( |,|$)" "$T/d.txt" || fail "driftwatchd.8 does not document $opt"
done
ok "driftwatchd.8 documents every option driftwatchd --help names"

MANWIDTH=200 man -l "$INI5" 2>/dev/null >"$T/ini.txt"
write_config </dev/null
ctl config-keys >"$T/all-keys" || fail "config-keys"
grep -E '^[a-z_]+\.[a-z_]+	' "$T/all-keys" >"$T/keys" # a multi-line default continues on lines of its own
n=0
while IFS='	' read -r key type def help; do
	name=${key#*.}
	section=${key%%.*}
	# Each key under its own section's heading.
	awk -v s="$section" -v k="$name" '/^\[/ { in_s = index($0, "[" s) == 1 } in_s && $1 == k { found = 1 } END { exit !found }' \
		"$T/ini.txt" || fail "driftwatch.ini.5 lacks $section.$name"
	n=$((n + 1))
done <"$T/keys"
[ "$n" -gt 50 ] || fail "config-keys listed only $n keys"
ok "driftwatch.ini.5 lists all $n keys under their sections"

grep -v '^@KEYS caseloads@' "$TOP/docs/man/driftwatch.ini.5.in" >"$T/short.in"
"$BUILD/man/mkman" <"$T/short.in" >/dev/null 2>"$T/err" && fail "mkman accepted a template without [caseloads]"
grep -q "no @KEYS caseloads@" "$T/err" || fail "mkman's error: $(cat "$T/err")"
ok "mkman refuses a template that leaves a section out"
finish
