#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Self-test of the Glewlwyd test IdP (TAP): it starts on 127.0.0.1 over TLS as
# nobody, does the device flow for a scripted person, and every operation later
# tests rely on does what it says at the IdP: refresh tokens and their
# revocation, group changes, disabling a user, key rotation, the watchdog and
# stopping by pid. Root only (the server runs as nobody); skips when the
# glewlwyd package is not installed (tests/deps.sh installs it).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/glewlwyd
. "$src/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root (Glewlwyd runs as nobody)"
	exit 0
fi
if ! gw_available; then
	echo "1..0 # SKIP $GW_SKIP_REASON"
	exit 0
fi

n=0
failed=0
ok() { # ok STATUS DESCRIPTION [DIAGNOSTIC]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
	fi
	return 0
}
is() { # is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	ok $? "$3" "got '$1', want '$2'"
}
trap 'gw_stop' EXIT
echo "1..22"

gw_start
ok $? "Glewlwyd starts and is configured"
[ -n "${FEDJIT_GW_ISSUER:-}" ] || exit 1
disc=$(curl -sf --cacert "$FEDJIT_GW_CA" "$FEDJIT_GW_ISSUER/.well-known/openid-configuration")
is "$(jq -r .issuer <<<"$disc")" "$FEDJIT_GW_ISSUER" "discovery below the issuer names the issuer"
is "$(jq -r .device_authorization_endpoint <<<"$disc")" "$FEDJIT_GW_ISSUER/device_authorization" \
	"discovery has the device authorization endpoint"
is "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$FEDJIT_GW_CA" "$FEDJIT_GW_BASE/.well-known/openid-configuration")" \
	404 "no discovery document at the root of the host"
is "$(ps -o user= -p "$FEDJIT_GW_SERVER_PID" 2>/dev/null | tr -d ' ')" nobody "the server runs as nobody"
hexport=$(printf '%04X' "$FEDJIT_GW_PORT")
is "$(awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A" {print $2}' /proc/net/tcp /proc/net/tcp6 | sort -u)" \
	"0100007F:$hexport" "it listens on 127.0.0.1 only"

tok=$(gw_device_login alice)
idt=$(jq -r '.id_token // empty' <<<"$tok")
claims=$(gw_jwt_part "$idt" 1)
is "$(jq -c '[.preferred_username, .groups]' <<<"$claims")" '["alice",["admins","staff"]]' \
	"device flow approved by the scripted person: alice, groups admins and staff"
is "$(jq -r .aud <<<"$claims")" fedjit "the ID token is for the client"
is "$(gw_jwt_part "$idt" 0 | jq -r .kid)" "$(gw_kid)" "it is signed with the key the JWKS publishes"

# refresh, then revocation by the administrator
rt=$(jq -r '.refresh_token // empty' <<<"$tok")
refresh() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$FEDJIT_GW_CA" -X POST "$FEDJIT_GW_ISSUER/token" \
		-d client_id=fedjit -d grant_type=refresh_token -d "refresh_token=$1"
}
is "$(refresh "$rt")" 200 "the refresh token works"
gw_user_enable alice false
is "$(refresh "$rt")" 200 "a disabled user's refresh token still works (why revocation exists)"
gw_user_enable alice true
revoked=$(gw_revoke_refresh alice)
ok "$([ "${revoked:-0}" -ge 1 ] && echo 0 || echo 1)" "gw_revoke_refresh revoked alice's refresh tokens ($revoked)"
is "$(refresh "$rt")" 400 "... and the refresh token is refused"

# groups at the IdP
gw_user_groups alice staff
tok=$(gw_device_login alice)
is "$(gw_jwt_part "$(jq -r .id_token <<<"$tok")" 1 | jq -c .groups)" '["staff"]' \
	"gw_user_groups: alice is no longer in admins"
gw_user_groups alice admins staff
tok=$(gw_device_login carol)
is "$(gw_jwt_part "$(jq -r .id_token <<<"$tok")" 1 | jq -c 'has("groups")')" false \
	"carol (no groups) gets no groups claim at all, though the scope asks for it"
tok=$(gw_device_login bob "openid profile email")
is "$(gw_jwt_part "$(jq -r .id_token <<<"$tok")" 1 | jq -c '[.preferred_username, has("groups")]')" '["bob",false]' \
	"without the groups scope there is no groups claim"

# a disabled user cannot approve
gw_user_enable bob false
gw_approve XXXX-XXXX bob 2>/dev/null
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "a disabled user cannot sign in to approve"
gw_user_enable bob true

# key rotation
old=$(gw_kid)
gw_rotate_key
new=$(gw_kid)
ok "$([ -n "$new" ] && [ "$new" != "$old" ] && echo 0 || echo 1)" "gw_rotate_key: the JWKS publishes a new kid"
tok=$(gw_device_login alice)
is "$(gw_jwt_part "$(jq -r .id_token <<<"$tok")" 0 | jq -r .kid)" "$new" "tokens are signed with the new key"

# stop by pid
pid=$FEDJIT_GW_SERVER_PID base=$FEDJIT_GW_BASE ca=$FEDJIT_GW_CA dir=$FEDJIT_GW_DIR
cp "$ca" "${TMPDIR:-/tmp}/gw-selftest-ca.$$"
gw_stop
ok "$(! kill -0 "$pid" 2>/dev/null && [ ! -e "$dir" ] && echo 0 || echo 1)" \
	"gw_stop ends the server by its pid and removes the run directory"
curl -s --max-time 3 --cacert "${TMPDIR:-/tmp}/gw-selftest-ca.$$" -o /dev/null "$base/config"
is $? 7 "the IdP is down: connection refused"
rm -f "${TMPDIR:-/tmp}/gw-selftest-ca.$$"

# the watchdog
FEDJIT_GW_LIFETIME=6 gw_start
pid=$FEDJIT_GW_SERVER_PID
for ((i = 0; i < 100; i++)); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
ok "$(! kill -0 "$pid" 2>/dev/null && echo 0 || echo 1)" "FEDJIT_GW_LIFETIME bounds the server's life"
gw_stop
[ "$failed" -eq 0 ]
