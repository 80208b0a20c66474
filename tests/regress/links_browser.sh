#!/bin/sh
# An answer link from a real rendered email, in a real browser: the responder's notice in the
# spool gives the "Record our response" button's URL; headless Chromium (tests/fakes/browser.py, the DevTools
# protocol over a pipe) opens the confirmation page, a person's click goes into the box, they type
# the response and press the button; the dispute then holds that response, audited as
# link:ADDRESS, and the same link a second time says it has been used. The page as a phone shows
# it is the screenshot in docs/screenshots/answer-page.png (SCREENSHOT=PATH writes it again).
. "$(dirname "$0")/lib.sh"

command -v chromium >/dev/null || fail "no chromium (scripts/install-deps test installs it)"
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
{
	printf 'tick = 1h\n'
	printf '[http]\nlisten = 127.0.0.1:%s\npublic_url = %s\n' "$PORT" "$BASE"
} | write_config
export DRIFTWATCH_NOW=2022-05-23T09:00
H=case_ref,team,social_worker,social_worker_email,team_manager,team_manager_email,iro,iro_email
printf '%s\nCR-1001,North,Sam,sam@council.example,Tess,tess@council.example,Ian,ian@council.example\n' "$H" >"$T/alloc.csv"
ctl import allocations "$T/alloc.csv" >/dev/null || fail "import allocations"
ctl dispute raise CR-1001 --iro ian@council.example --category contact --note "raised" >/dev/null || fail "raise"
start_daemon_ready
wait_settled 20
# The link as the responder (the team manager, at the informal stage) got it: the "Record our
# response" button of the HTML part of the real rendered email in the spool.
MAIL=$(grep -l "^To: tess@council.example" "$T"/spool/*.eml | head -n 1)
[ -n "$MAIL" ] || fail "no notice to the responder in the spool: $(ls "$T/spool")"
URL=$($PY - "$MAIL" <<'PY'
import email, email.policy, html.parser, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
class Buttons(html.parser.HTMLParser):
    href, links = None, {}
    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.href = dict(attrs).get("href")
    def handle_data(self, data):
        if self.href is not None and data.strip():
            self.links[data.strip()] = self.href
            self.href = None
b = Buttons()
b.feed(msg.get_body(preferencelist=("html",)).get_content())
print(b.links.get("Record our response", ""))
PY
)
case $URL in "$BASE"/a/*) ;; *) fail "no 'Record our response' button in $MAIL: '$URL'" ;; esac
ok "the responder's rendered email carries a 'Record our response' button to public_url/a/TOKEN"

browse() {
	timeout 120 $PY "$TOP/tests/fakes/browser.py" "$@" 2>"$T/browser.err" || fail "the browser: $(cat "$T/browser.err")"
}
browse "$URL" --screenshot "${SCREENSHOT:-$T/page.png}" --into textarea --type "We will meet the IRO on Friday." \
	--submit --dump "$T/after.txt"
head -c 8 "${SCREENSHOT:-$T/page.png}" | od -An -c | grep -q 'P   N   G' || fail "no screenshot"
grep -q "^Recorded" "$T/after.txt" || fail "after the button: $(cat "$T/after.txt")"
ctl dispute show 1 | grep -q "response .*We will meet the IRO on Friday." || fail "not recorded: $(ctl dispute show 1)"
[ "$(sqlite3 "$T/dw.db" "SELECT count(*) FROM audit WHERE actor = 'link:tess@council.example'")" -ge 1 ] ||
	fail "the audit trail: $(sqlite3 "$T/dw.db" "SELECT actor, what FROM audit")"
ok "Chromium opens the link, types into the form and presses the button: the response is recorded as link:tess@council.example"

browse "$URL" --dump "$T/again.txt"
grep -q "already been used" "$T/again.txt" || fail "the link a second time: $(cat "$T/again.txt")"
[ "$(ctl dispute show 1 | grep -c "^  [0-9-]*  response ")" = 1 ] || fail "recorded twice: $(ctl dispute show 1)"
ok "the same link again in the browser: 'already been used', nothing recorded twice"
finish
