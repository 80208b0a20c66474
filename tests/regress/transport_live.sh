#!/bin/sh
# transport_live.sh: the transports against real peers on loopback: aiosmtpd (plain, STARTTLS with a
# throw-away certificate, smtps://, AUTH PLAIN/LOGIN and XOAUTH2, 451, 550) and the webhook sink
# (signatures, json and teams, 410, 429 with Retry-After, 5xx, timeouts, connection reuse), both
# through an outbound proxy (tests/fakes/http_proxy.py: CONNECT, a refusal, a login), and the file
# spool. Messages are read back with Python's email parser, as a recipient's mail client would.
# Sends go through build/fakes/send_probe.
. "$(dirname "$0")/lib.sh"

PROBE=$BUILD/fakes/send_probe
FAKES=$TOP/tests/fakes
[ -x "$PROBE" ] || fail "no $PROBE (build it first)"
SUBJECT='Révision — 3.11'
NOW=1614589200 # 2021-03-01 09:00:00 UTC
FROM="Children's Services Timescales <driftwatch@council.example>"

# Start a fake in the background; wait for its ready file; its port goes to $PORT.
start_fake() {
	name=$1
	shift
	rm -f "$T/$name.ready"
	$PY "$@" --ready-file "$T/$name.ready" >>"$T/$name.log" 2>&1 &
	FAKE_PIDS="$FAKE_PIDS $!"
	wait_until 15 test -s "$T/$name.ready" || fail "$name did not start: $(cat "$T/$name.log")"
	PORT=$(cat "$T/$name.ready")
}

# Stop the most recently started fake.
stop_fake() {
	last=${FAKE_PIDS##* }
	kill "$last" 2>/dev/null
	wait "$last" 2>/dev/null
	FAKE_PIDS=${FAKE_PIDS% *}
}

# Run the probe; its output goes to $T/out.
probe() {
	"$PROBE" "$@" >"$T/out" 2>>"$T/probe.log" || fail "send_probe exited $?: $(cat "$T/out")"
}

# Assert the probe's output has exactly N lines matching a pattern.
expect_lines() {
	n=$(grep -c -- "$2" "$T/out")
	[ "$n" -eq "$1" ] || fail "expected $1 lines matching '$2', got $n: $(cat "$T/out")"
}

printf 'ref,due\r\nC123,2021-03-03\r\n' >"$T/digest-2021-03.csv"

# --- SMTP, plaintext to loopback: structure as a mail client reads it --------------------------
start_fake smtp "$FAKES/smtp_server.py" --out "$T/mail"
port=$PORT
probe --type smtp --url "smtp://127.0.0.1:$port" --tls none --from "$FROM" --to officer@council.example \
	--subject "$SUBJECT" --text "The visit for C123 is due.
Line two, café." --html "<p>The visit for <b>C123</b> is due.</p>" --attach "$T/digest-2021-03.csv" \
	--now $NOW --id 41 --count 3
expect_lines 3 ': ok 250 '
ok "smtp: 3 notices accepted"
$PY - "$T/mail/000001.eml" "$T/mail/000001.env" "$T/digest-2021-03.csv" "$SUBJECT" <<'EOF' || fail "smtp message structure"
import email, email.policy, json, re, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
env = json.load(open(sys.argv[2]))
def check(cond, what):
    if not cond:
        sys.exit(f"  not true: {what}")
check(m["From"].addresses[0].addr_spec == "driftwatch@council.example", "From address")
check(m["From"].addresses[0].display_name == "Children's Services Timescales", "From display name")
check(len(m.get_all("To")) == 1 and m["To"].addresses[0].addr_spec == "officer@council.example", "one To")
check(m.get_all("Cc") is None and m.get_all("Bcc") is None, "no Cc/Bcc")
check(env["rcpt_tos"] == ["officer@council.example"], "one envelope recipient")
check(env["mail_from"] == "driftwatch@council.example", "envelope sender")
check(str(m["Subject"]) == sys.argv[4], f"UTF-8 subject decoded: {m['Subject']!r}")
check(b"=?UTF-8?B?" in raw.split(b"\r\n\r\n")[0], "subject RFC 2047 encoded on the wire")
check(re.fullmatch(r"<dw\.4[1-3]\.[0-9a-f]{12}@council\.example>", m["Message-ID"]), "Message-ID form")
check(m["Date"] == "Mon, 01 Mar 2021 09:00:00 +0000", "Date from the notice's now")
check(m["MIME-Version"] == "1.0" and m["Auto-Submitted"] == "auto-generated", "MIME-Version, Auto-Submitted")
check(re.fullmatch(r"reminder 4[1-3]", m["X-Driftwatch-Notice"]), "X-Driftwatch-Notice")
check(m.get_content_type() == "multipart/mixed", "multipart/mixed")
parts = m.get_payload()
check(parts[0].get_content_type() == "multipart/alternative", "alternative inside mixed")
alt = parts[0].get_payload()
check([p.get_content_type() for p in alt] == ["text/plain", "text/html"], "text then HTML")
check("Line two, café." in alt[0].get_content(), "text body decoded")
check("<b>C123</b>" in alt[1].get_content(), "HTML body decoded")
att = parts[1]
check(att.get_filename() == "digest-2021-03.csv", "attachment filename")
check(att.get_payload(decode=True) == open(sys.argv[3], "rb").read(), "attachment bytes")
check(all(len(l) <= 998 for l in raw.split(b"\r\n")), "line length")
EOF
ok "smtp: From, one To (header and envelope), UTF-8 subject, Date, Message-ID, Auto-Submitted, multipart/mixed(alternative(text, html), csv attachment)"

# The file transport writes the very bytes SMTP carried.
probe --type file --spool "$T/spool" --from "$FROM" --to officer@council.example --subject "$SUBJECT" \
	--text "The visit for C123 is due.
Line two, café." --html "<p>The visit for <b>C123</b> is due.</p>" --attach "$T/digest-2021-03.csv" \
	--now $NOW --id 41 --count 1
cmp -s "$T/spool/00000041-reminder.eml" "$T/mail/000001.eml" ||
	cmp -s "$T/spool/00000041-reminder.eml" "$T/mail/000002.eml" ||
	cmp -s "$T/spool/00000041-reminder.eml" "$T/mail/000003.eml" || fail "file .eml differs from SMTP DATA"
ok "file: the .eml is byte-identical to the SMTP DATA"
stop_fake

# --- 451 then accepted: retry, with the same Message-ID ----------------------------------------
start_fake smtp451 "$FAKES/smtp_server.py" --out "$T/mail451" --fail-first 1
port=$PORT
probe --type smtp --url "smtp://127.0.0.1:$port" --tls none --from "$FROM" --id 7 --now $NOW
expect_lines 1 'notice 7: retry 451 '
probe --type smtp --url "smtp://127.0.0.1:$port" --tls none --from "$FROM" --id 7 --now $((NOW + 60))
expect_lines 1 'notice 7: ok 250 '
a=$(grep '^Message-ID:' "$T/mail451/rejected-000001.eml")
b=$(grep '^Message-ID:' "$T/mail451/000001.eml")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "Message-ID changed across attempts: $a / $b"
ok "smtp: 451 -> retry; the re-send is accepted with the same Message-ID"
stop_fake

# --- 550 at RCPT: permanent -------------------------------------------------------------------
start_fake smtp550 "$FAKES/smtp_server.py" --out "$T/mail550" --reject 550
port=$PORT
probe --type smtp --url "smtp://127.0.0.1:$port" --tls none --from "$FROM" --to nobody@council.example
expect_lines 1 'notice 1: fail 550 '
ok "smtp: 550 mailbox unknown -> fail"
stop_fake

# --- STARTTLS required, throw-away certificate, AUTH required ----------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl req"
start_fake smtptls "$FAKES/smtp_server.py" --out "$T/mailtls" --starttls "$T/cert.pem" "$T/key.pem" --auth dw:s3cret
port=$PORT
probe --type smtp --url "smtp://localhost:$port" --ca "$T/cert.pem" --user dw --password s3cret --from "$FROM" \
	--subject "$SUBJECT" --count 2
expect_lines 2 ': ok 250 '
$PY -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if len(e)==2 and all(x["tls"] and x["auth"] for x in e) else "no TLS/auth")' \
	"$T/mailtls/envelopes.jsonl" || fail "server did not see STARTTLS and AUTH"
ok "smtp: STARTTLS (CA = the test's certificate) and AUTH; the server saw TLS and an authenticated session"
probe --type smtp --url "smtp://localhost:$port" --ca "$T/cert.pem" --user dw --password wrong --from "$FROM"
expect_lines 1 'notice 1: retry 535 '
ok "smtp: wrong password -> retry 535 (our credentials, not the notice)"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
	-keyout "$T/other-key.pem" -out "$T/other.pem" 2>/dev/null || fail "openssl req"
probe --type smtp --url "smtp://localhost:$port" --ca "$T/other.pem" --user dw --password s3cret --from "$FROM"
expect_lines 1 'notice 1: retry '
ok "smtp: a certificate not signed by the CA is refused (retry, nothing sent)"
probe --type smtp --url "smtp://localhost:$port" --tls opportunistic --ca "$T/cert.pem" --user dw --password s3cret --from "$FROM"
expect_lines 1 'notice 1: ok 250 '
ok "smtp: tls = opportunistic upgrades when offered"
[ "$(wc -l <"$T/mailtls/envelopes.jsonl")" -eq 3 ] || fail "expected 3 messages over TLS"
stop_fake

# --- smtps:// (implicit TLS), the same throw-away certificate ----------------------------------
start_fake smtps "$FAKES/smtp_server.py" --out "$T/mailsmtps" --smtps "$T/cert.pem" "$T/key.pem"
port=$PORT
probe --type smtp --url "smtps://localhost:$port" --ca "$T/cert.pem" --from "$FROM" --to officer@council.example \
	--subject "$SUBJECT" --text "The visit for C123 is due." --now $NOW --id 51
expect_lines 1 'notice 51: ok 250 '
$PY - "$T/mailsmtps/000001.eml" "$T/mailsmtps/000001.env" "$SUBJECT" <<'EOF' || fail "smtps message"
import email, email.policy, json, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
env = json.load(open(sys.argv[2]))
def check(cond, what):
    if not cond:
        sys.exit(f"  not true: {what} (envelope {env})")
check(env["tls"] is True, "the server saw TLS")
check(env["rcpt_tos"] == ["officer@council.example"] and env["mail_from"] == "driftwatch@council.example", "envelope")
check(str(m["Subject"]) == sys.argv[3] and m["To"] == "officer@council.example", "Subject, To")
check(m["X-Driftwatch-Notice"] == "reminder 51", "X-Driftwatch-Notice")
check(m.get_content().strip() == "The visit for C123 is due.", "body")
EOF
ok "smtps: implicit TLS, certificate verified against ca_file; the message parses and the server saw TLS"
probe --type smtp --url "smtps://localhost:$port" --from "$FROM" --id 52
expect_lines 1 'notice 52: retry 0 0 smtp: SSL certificate problem: self.signed certificate'
probe --type smtp --url "smtps://localhost:$port" --ca "$T/other.pem" --from "$FROM" --id 53
expect_lines 1 'notice 53: retry 0 0 smtp: SSL certificate problem'
[ "$(wc -l <"$T/mailsmtps/envelopes.jsonl")" -eq 1 ] || fail "a message crossed an unverified smtps connection"
ok "smtps: without ca_file (system CAs) or with another CA the certificate is refused: retry, nothing sent"
stop_fake

# --- XOAUTH2 (Microsoft 365, Gmail): bearer token over STARTTLS and over smtps -----------------
# The fake also offers PLAIN and LOGIN, so the recorded mechanism shows the token went by XOAUTH2.
TOKEN=EwBwA8l6BAAUbDba3x2OMJElkF7gJ4z
start_fake xoauth2 "$FAKES/smtp_server.py" --out "$T/mailxo" --starttls "$T/cert.pem" "$T/key.pem" \
	--auth dw@council.example:s3cret --xoauth2 "dw@council.example:$TOKEN"
port=$PORT
probe --type smtp --url "smtp://localhost:$port" --ca "$T/cert.pem" --user dw@council.example --token "$TOKEN" \
	--from "$FROM" --subject "$SUBJECT" --id 61 --count 2
expect_lines 2 ': ok 250 '
$PY -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if len(e)==2 and all(x["tls"] and x["auth"] and x["auth_mechanism"]=="XOAUTH2" for x in e) else e)' \
	"$T/mailxo/envelopes.jsonl" || fail "server did not see XOAUTH2 over TLS"
ok "xoauth2: STARTTLS, then AUTH XOAUTH2 with the bearer token (PLAIN and LOGIN also offered); accepted"
probe --type smtp --url "smtp://localhost:$port" --ca "$T/cert.pem" --user dw@council.example --token wrong-token \
	--from "$FROM" --id 62
expect_lines 1 'notice 62: retry 0 0 smtp: authentication refused: '
probe --type smtp --url "smtp://localhost:$port" --ca "$T/cert.pem" --user someone@council.example --token "$TOKEN" \
	--from "$FROM" --id 63
expect_lines 1 'notice 63: retry 0 0 smtp: authentication refused: '
[ "$(wc -l <"$T/mailxo/envelopes.jsonl")" -eq 2 ] || fail "a message was accepted with a wrong token or user"
ok "xoauth2: a wrong token or user (334 error challenge) -> retry (our credentials, not the notice), nothing sent"
stop_fake
start_fake xoauth2s "$FAKES/smtp_server.py" --out "$T/mailxos" --smtps "$T/cert.pem" "$T/key.pem" \
	--xoauth2 "dw@council.example:$TOKEN" --xoauth2-no-challenge
port=$PORT
probe --type smtp --url "smtps://localhost:$port" --ca "$T/cert.pem" --user dw@council.example --token "$TOKEN" \
	--from "$FROM" --id 64
expect_lines 1 'notice 64: ok 250 '
probe --type smtp --url "smtps://localhost:$port" --ca "$T/cert.pem" --user dw@council.example --token wrong-token \
	--from "$FROM" --id 65
expect_lines 1 'notice 65: retry 535 0 smtp 535: authentication refused: '
$PY -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if len(e)==1 and e[0]["tls"] and e[0]["auth_mechanism"]=="XOAUTH2" else e)' \
	"$T/mailxos/envelopes.jsonl" || fail "smtps + XOAUTH2: expected one message, over TLS, by XOAUTH2"
ok "xoauth2: over smtps accepted; a wrong token answered 535 at once -> retry 535, nothing sent"
# The daemon's own configuration: username, token_file (as an admin writes it, with a newline), ca_file.
printf '%s\n' "$TOKEN" >"$T/m365.token"
chmod 600 "$T/m365.token"
printf '[transport "m365"]\ntype = smtp\nurl = smtps://localhost:%s\nca_file = %s\nusername = dw@council.example\ntoken_file = %s\nfrom = %s\n' \
	"$port" "$T/cert.pem" "$T/m365.token" "$FROM" | write_config
out=$(ctl test-send m365 check@council.example 2>&1) || fail "test-send through token_file: $out"
echo "$out" | grep -q '^m365: ok' || fail "test-send printed: $out"
$PY -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if len(e)==2 and e[1]["tls"] and e[1]["auth_mechanism"]=="XOAUTH2" and e[1]["rcpt_tos"]==["check@council.example"] else e)' \
	"$T/mailxos/envelopes.jsonl" || fail "test-send: expected a second message, over TLS, by XOAUTH2"
ok "xoauth2: driftwatchctl test-send with username + token_file + ca_file over smtps is accepted by XOAUTH2"
stop_fake
start_fake noxoauth2 "$FAKES/smtp_server.py" --out "$T/mailnoxo" --starttls "$T/cert.pem" "$T/key.pem" \
	--auth dw@council.example:s3cret
port=$PORT
probe --type smtp --url "smtp://localhost:$port" --ca "$T/cert.pem" --user dw@council.example --token "$TOKEN" \
	--from "$FROM" --id 66
expect_lines 1 'notice 66: retry 0 0 smtp: authentication refused: '
[ ! -e "$T/mailnoxo/envelopes.jsonl" ] || fail "a message was accepted without XOAUTH2"
ok "xoauth2: a server that offers only PLAIN and LOGIN -> retry (login refused), nothing sent"
stop_fake
"$PROBE" --type smtp --url smtp://relay.council.example:25 --tls none --from "$FROM" >"$T/out" 2>&1
[ $? -eq 2 ] && grep -q 'only to a relay on loopback' "$T/out" || fail "tls = none to a remote host was accepted"
ok "smtp: tls = none to a non-loopback host is refused at set-up"

# --- webhooks: signatures, json body, connection reuse -----------------------------------------
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
start_fake sink "$FAKES/webhook_sink.py" --secret "$SECRET" --out "$T/hooks.jsonl"
port=$PORT
probe --type webhook --url "http://127.0.0.1:$port/hook" --secret "$SECRET" --count 20 --concurrency 2 \
	--kind escalation --subject "$SUBJECT" --payload '{"reference":"D77","level":2,"due":"2021-03-01","links":["https://dw.example/D77"]}'
expect_lines 20 ': ok 200 '
$PY - "$T/hooks.jsonl" "http://127.0.0.1:$port/stats" "$SUBJECT" <<'EOF' || fail "webhook json"
import json, sys, urllib.request
recs = [json.loads(l) for l in open(sys.argv[1])]
stats = json.load(urllib.request.urlopen(sys.argv[2]))
def check(cond, what):
    if not cond:
        sys.exit(f"  not true: {what} (stats {stats})")
check(len(recs) == 20 and all(r["verified"] for r in recs), "20 posts, all signatures verified")
check(stats["verified"] == 20 and stats["bad_signature"] == 0, "sink counts")
for r in recs:
    b = json.loads(r["body"])
    check(b["id"] == r["id"] and r["id"].startswith(f"msg_dw_{b['notice']}_"), "webhook-id header = body id")
    check(b["kind"] == "escalation" and b["subject"] == sys.argv[3], "kind, subject")
    check(b["reference"] == "D77" and b["level"] == 2 and b["due"] == "2021-03-01" and b["links"], "payload merged")
# 20 posts over at most 2 connections at once (+1 for this /stats request): keep-alive reuse.
check(stats["connections"] <= 4, f"connections reused ({stats['connections']} for 20 posts)")
EOF
ok "webhook: 20 signed posts verified by the sink; json schema with payload merged; keep-alive (few connections)"
probe --type webhook --url "http://127.0.0.1:$port/hook" --secret whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --id 99
expect_lines 1 'notice 99: fail 401 '
$PY -c 'import json,sys,urllib.request; s=json.load(urllib.request.urlopen(sys.argv[1])); sys.exit(0 if s["bad_signature"]==1 else s)' \
	"http://127.0.0.1:$port/stats" || fail "sink did not count the bad signature"
ok "webhook: a wrong secret is refused by the sink (401 -> fail) and counted"
$PY -c 'print("Stage 2 of dispute D77 is overdue. " * 3000)' >"$T/long.txt"
probe --type webhook --format teams --url "http://127.0.0.1:$port/hook" --secret "$SECRET" --id 100 \
	--subject "$SUBJECT" --text "$(cat "$T/long.txt")"
expect_lines 1 'notice 100: ok 200 '
$PY - "$T/hooks.jsonl" "$SUBJECT" <<'EOF' || fail "teams payload"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
b = json.loads(r["body"])
ok = (r["verified"] and len(r["body"].encode()) < 28672 and b["type"] == "message"
      and b["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
      and b["attachments"][0]["content"]["type"] == "AdaptiveCard"
      and b["attachments"][0]["content"]["body"][0]["text"] == sys.argv[2]
      and "[Truncated" in b["attachments"][0]["content"]["body"][1]["text"])
sys.exit(0 if ok else f"  bad teams body ({len(r['body'])} bytes)")
EOF
ok "webhook: teams Adaptive Card for a 100 KB text is valid JSON under 28 KB, signed"
stop_fake

# --- webhook outcomes: 410, 429 + Retry-After, 5xx then ok, HTTP-date, timeout ------------------
start_fake sink410 "$FAKES/webhook_sink.py" --mode 410
port=$PORT
probe --type webhook --url "http://127.0.0.1:$port/hook"
expect_lines 1 'notice 1: disable 410 '
ok "webhook: 410 -> disable"
stop_fake
start_fake sink429 "$FAKES/webhook_sink.py" --mode 429 --retry-after 30
port=$PORT
probe --type webhook --url "http://127.0.0.1:$port/hook"
expect_lines 1 'notice 1: retry 429 30 '
ok "webhook: 429 -> retry with retry_after 30"
stop_fake
start_fake sink5xx "$FAKES/webhook_sink.py" --fail-first 2 --status 503
port=$PORT
probe --type webhook --url "http://127.0.0.1:$port/hook" --count 3 --concurrency 1
expect_lines 2 ': retry 503 0 '
expect_lines 1 'notice 3: ok 200 '
ok "webhook: 503 -> retry, then accepted"
stop_fake
when=$($PY -c 'import email.utils,time; print(email.utils.formatdate(time.time()+120, usegmt=True))')
start_fake sinkdate "$FAKES/webhook_sink.py" --status 503 --retry-after "$when"
port=$PORT
probe --type webhook --url "http://127.0.0.1:$port/hook"
ra=$(sed -n 's/^notice 1: retry 503 \([0-9]*\) .*/\1/p' "$T/out")
[ -n "$ra" ] && [ "$ra" -ge 100 ] && [ "$ra" -le 121 ] || fail "Retry-After as an HTTP-date: $(cat "$T/out")"
ok "webhook: Retry-After as an HTTP-date -> retry_after $ra s"
stop_fake
start_fake sinkslow "$FAKES/webhook_sink.py" --mode slow --delay 3
port=$PORT
probe --type webhook --url "http://127.0.0.1:$port/hook" --timeout 1
expect_lines 1 'notice 1: retry 0 0 http: .*timed out'
ok "webhook: a receiver slower than the timeout -> retry"
stop_fake
probe --type webhook --url "http://127.0.0.1:$(free_port)/hook"
expect_lines 1 'notice 1: retry 0 0 '
ok "webhook: receiver down -> retry"
"$PROBE" --type webhook --url http://hooks.council.example/x >"$T/out" 2>&1
[ $? -eq 2 ] || fail "http:// to a non-loopback host was accepted"
ok "webhook: http:// to a non-loopback host is refused at set-up"

# --- through an outbound proxy (CONNECT), as most council networks require ----------------------
# An HTTPS webhook receiver (the throw-away certificate) and an SMTP server with STARTTLS, reached
# through tests/fakes/http_proxy.py, which records every CONNECT. TLS runs end to end inside the
# tunnel, so the certificate is still checked against ca_file.
start_fake sinktls "$FAKES/webhook_sink.py" --secret "$SECRET" --out "$T/hooks-tls.jsonl" --tls "$T/cert.pem" "$T/key.pem"
hport=$PORT
# probe_tls_hook ARGS...: the probe against the HTTPS sink, with its CA and the secret.
probe_tls_hook() {
	probe --type webhook --url "https://localhost:$hport/hook" --ca "$T/cert.pem" --secret "$SECRET" "$@"
}
# test_send_tls_hook PROXY_PORT [INI_LINE]: driftwatchctl test-send to the HTTPS sink through the
# rules file's [transport "hook"] with proxy = that port (and INI_LINE), the environment's proxy off.
printf '%s\n' "$SECRET" >"$T/hook.secret"
chmod 600 "$T/hook.secret"
test_send_tls_hook() {
	printf '[transport "hook"]\ntype = webhook\nformat = json\nurl = https://localhost:%s/hook\nca_file = %s\nsecret_file = %s\nproxy = http://127.0.0.1:%s\n%s\n' \
		"$hport" "$T/cert.pem" "$T/hook.secret" "$1" "${2:-}" | write_config
	out=$(https_proxy= ctl test-send hook check@council.example 2>&1) || fail "test-send through the proxy: $out"
	echo "$out" | grep -q '^hook: ok' || fail "test-send printed: $out"
}
start_fake proxy "$FAKES/http_proxy.py" --out "$T/connects.log"
pport=$PORT
probe_tls_hook --proxy "http://127.0.0.1:$pport" --id 71 --count 2
expect_lines 2 ': ok 200 '
[ "$(grep -c "^CONNECT localhost:$hport 200$" "$T/connects.log")" -ge 1 ] || fail "proxy log: $(cat "$T/connects.log")"
$PY -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if len(r)==2 and all(x["verified"] for x in r) else r)' \
	"$T/hooks-tls.jsonl" || fail "https webhook through the proxy: expected 2 verified posts"
ok "proxy: an https webhook goes through the proxy (CONNECT localhost:$hport), TLS checked against ca_file"
: >"$T/connects.log"
https_proxy=http://127.0.0.1:$pport probe_tls_hook --id 72
expect_lines 1 'notice 72: ok 200 '
[ "$(grep -c "^CONNECT localhost:$hport 200$" "$T/connects.log")" -eq 1 ] || fail "env proxy not used: $(cat "$T/connects.log")"
ok "proxy: unset, the environment's https_proxy is used (as systemd's Environment= would set it)"
: >"$T/connects.log"
https_proxy=http://127.0.0.1:$pport probe_tls_hook --proxy none --id 73
expect_lines 1 'notice 73: ok 200 '
[ ! -s "$T/connects.log" ] || fail "proxy = none still went through the proxy: $(cat "$T/connects.log")"
ok "proxy: none goes direct, whatever the environment says"
start_fake smtpproxy "$FAKES/smtp_server.py" --out "$T/mailproxy" --starttls "$T/cert.pem" "$T/key.pem" --auth dw:s3cret
sport=$PORT
probe --type smtp --url "smtp://localhost:$sport" --ca "$T/cert.pem" --user dw --password s3cret --from "$FROM" \
	--proxy "http://127.0.0.1:$pport" --id 74
expect_lines 1 'notice 74: ok 250 '
grep -q "^CONNECT localhost:$sport 200$" "$T/connects.log" || fail "smtp did not go through the proxy: $(cat "$T/connects.log")"
$PY -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if len(e)==1 and e[0]["tls"] and e[0]["auth"] else e)' \
	"$T/mailproxy/envelopes.jsonl" || fail "smtp through the proxy: expected one message over STARTTLS with AUTH"
ok "proxy: smtp:// with STARTTLS and AUTH tunnels through the proxy (CONNECT localhost:$sport)"
# The daemon's own configuration: proxy in the rules file, through driftwatchctl test-send.
: >"$T/connects.log"
test_send_tls_hook "$pport"
grep -q "^CONNECT localhost:$hport 200$" "$T/connects.log" || fail "test-send did not go through the proxy: $(cat "$T/connects.log")"
ok "proxy: driftwatchctl test-send with proxy = in the rules file goes through it"
stop_fake
stop_fake
start_fake proxyrefuse "$FAKES/http_proxy.py" --out "$T/proxy-refuse.log" --refuse
probe_tls_hook --proxy "http://127.0.0.1:$PORT" --id 75
expect_lines 1 'notice 75: retry 0 0 http: .*403'
grep -q "^CONNECT localhost:$hport 403$" "$T/proxy-refuse.log" || fail "refusing proxy: $(cat "$T/proxy-refuse.log")"
[ "$(wc -l <"$T/hooks-tls.jsonl")" -eq 5 ] || fail "a post got past a refusing proxy"
ok "proxy: a proxy that refuses the destination (403) -> retry with the proxy's answer, nothing sent"
stop_fake
start_fake proxyauth "$FAKES/http_proxy.py" --out "$T/connects-auth.log" --auth 'COUNCIL\svc-dw:pr0xy'
aport=$PORT
probe_tls_hook --proxy "http://127.0.0.1:$aport" --proxy-login 'COUNCIL\svc-dw:pr0xy' --id 76
expect_lines 1 'notice 76: ok 200 '
probe_tls_hook --proxy "http://127.0.0.1:$aport" --proxy-login 'COUNCIL\svc-dw:wrong' --id 77
expect_lines 1 'notice 77: retry 0 0 http: .*407'
probe_tls_hook --proxy "http://127.0.0.1:$aport" --id 78
expect_lines 1 'notice 78: retry 0 0 http: .*407'
grep -q "^CONNECT localhost:$hport 200$" "$T/connects-auth.log" || fail "no authenticated CONNECT: $(cat "$T/connects-auth.log")"
[ "$(wc -l <"$T/hooks-tls.jsonl")" -eq 6 ] || fail "a post got past the proxy without its login"
ok "proxy: a proxy that asks for a login: with proxy_login (user:password) through; wrong or none -> retry 407"
printf 'COUNCIL\\svc-dw:pr0xy\n' >"$T/proxy.login"
chmod 600 "$T/proxy.login"
test_send_tls_hook "$aport" "proxy_login_file = $T/proxy.login"
[ "$(grep -c "^CONNECT localhost:$hport 200$" "$T/connects-auth.log")" -eq 2 ] || fail "test-send: $(cat "$T/connects-auth.log")"
ok "proxy: driftwatchctl test-send with proxy_login_file in the rules file logs in to the proxy"
stop_fake
stop_fake

# --- file spool: atomic, stable names, mode 0700 ------------------------------------------------
probe --type file --spool "$T/spool2" --count 3 --id 5 --subject "$SUBJECT" --now $NOW
expect_lines 3 ': ok 0 '
probe --type file --spool "$T/spool2" --count 1 --id 5 --subject "$SUBJECT" --now $((NOW + 60))
[ "$(ls -A "$T/spool2" | wc -l)" -eq 3 ] || fail "spool: $(ls -A "$T/spool2")"
ls -A "$T/spool2" | grep -q '^\.tmp-' && fail "a .tmp- file was left behind"
[ "$(stat -c %a "$T/spool2")" = 700 ] || fail "spool mode $(stat -c %a "$T/spool2")"
$PY - "$T/spool2/00000005-reminder.eml" "$SUBJECT" <<'EOF' || fail "spooled .eml"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
sys.exit(0 if str(m["Subject"]) == sys.argv[2] and m["To"] == "officer@council.example"
         and m["Date"] == "Mon, 01 Mar 2021 09:01:00 +0000" else "  bad .eml")
EOF
ok "file: 00000005..7-reminder.eml written atomically (no .tmp- left), a re-send overwrites, folder 0700, parses"
probe --type file --format json --spool "$T/spool3" --id 8 --payload '{"reference":"C9"}'
$PY -c 'import json,sys; b=json.load(open(sys.argv[1])); sys.exit(0 if b["notice"]==8 and b["reference"]=="C9" else b)' \
	"$T/spool3/00000008-reminder.json" || fail "spooled .json"
ok "file: format json writes the webhook json body"

finish
