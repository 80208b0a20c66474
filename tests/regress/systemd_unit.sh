#!/bin/sh
# The unit passes `systemd-analyze verify`; print its security exposure (aim: 2.0 or lower).
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || fail "systemd-analyze not installed (scripts/install-deps test)"
sed "s|@SBINDIR@|$BUILD|g" "$TOP/systemd/driftwatch.service" >"$T/driftwatch.service"
systemd-analyze verify "$T/driftwatch.service" >"$T/verify" 2>&1 || { cat "$T/verify"; fail "systemd-analyze verify"; }
# verify prints warnings without failing: none are allowed for our unit.
grep -v '^$' "$T/verify" | grep -q . && { cat "$T/verify"; fail "systemd-analyze verify printed warnings"; }
ok "systemd-analyze verify"
exposure=$(systemd-analyze security --offline=true "$T/driftwatch.service" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "no exposure figure from systemd-analyze security"
echo "systemd-analyze security exposure: $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure is above 2.0"
ok "exposure $exposure <= 2.0"
finish
