#!/bin/sh
# Transport settings the daemon would refuse at start are refused by check-config (exit 78, the
# section's FILE:LINE), by both programs: a webhook over plain http to a remote host, tls = none to
# a remote relay, a url that does not parse, a scheme we do not send to. Loopback is still fine.
. "$(dirname "$0")/lib.sh"

# refused NAME ERROR SECTION: the [transport] (after write_config's [daemon], at line 6) is refused.
# (Not in a pipeline: fail must end the script, not a subshell.)
refused() {
	name=$1
	want=$2
	printf '%s\n' "$3" | write_config
	ctl check-config >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 78 ] || fail "$name: driftwatchctl check-config exited $rc, want 78: $(cat "$T/out")"
	grep -q "dw.ini:6: \[transport \"t\"\]: $want" "$T/out" || fail "$name: want dw.ini:6: ... $want, got: $(cat "$T/out")"
	"$DWD" --check-config -f "$T/dw.ini" >"$T/out" 2>&1
	rc=$?
	[ $rc -eq 78 ] || fail "$name: driftwatchd --check-config exited $rc, want 78"
	grep -q "dw.ini:6: \[transport \"t\"\]: $want" "$T/out" || fail "$name: driftwatchd said: $(cat "$T/out")"
	ok "$name: check-config exits 78 with dw.ini:6"
}

# accepted NAME SECTION: the [transport] passes check-config.
accepted() {
	printf '%s\n' "$2" | write_config
	ctl check-config >"$T/out" 2>&1 || fail "$1: check-config refused it: $(cat "$T/out")"
	ok "$1: accepted"
}

# A [transport "t"] section: hook URL (webhook, json) or mail URL [TLS] (smtp).
hook() {
	printf '[transport "t"]\ntype = webhook\nformat = json\nurl = %s' "$1"
}
mail() {
	printf '[transport "t"]\ntype = smtp\nurl = %s\ntls = %s' "$1" "${2:-required}"
}

refused "webhook over http to a remote host" 'url must be https:// (http:// only to loopback)' \
	"$(hook http://hooks.council.example/dw)"
refused "tls = none to a remote relay" 'tls = none is allowed only to a relay on loopback' \
	"$(mail smtp://relay.council.example:25 none)"
refused "a webhook url that does not parse" 'url does not parse' "$(hook 'https://[::1')"
refused "an smtp url that does not parse" 'url does not parse' "$(mail 'smtp://[::1')"
# Refused as not https or as not parsing, as libcurl was built: either way at check-config.
refused "a webhook to file://" 'url ' "$(hook file:///etc/passwd)"
refused "a webhook to gopher://" 'url ' "$(hook gopher://hooks.council.example/)"
refused "smtp to file://" 'url scheme "file" is not smtp or smtps' "$(mail file:///var/mail/dw)"
refused "smtp to gopher://" 'url scheme "gopher" is not smtp or smtps' "$(mail gopher://relay.council.example/)"

accepted "a webhook over http to loopback" "$(hook http://127.0.0.1:8080/)"
accepted "tls = none to a loopback relay" "$(mail smtp://127.0.0.1:2525 none)"
accepted "a webhook over https" "$(hook https://hooks.council.example/dw)"
accepted "smtp with STARTTLS to a remote relay" "$(mail smtp://relay.council.example:587)"

finish
