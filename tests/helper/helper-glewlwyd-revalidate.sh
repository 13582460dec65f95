#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Revalidation (pam/helper/revalidate.c, refresh_flow.c) against a second IdP
# implementation, Glewlwyd (tests/glewlwyd), which answers differently from the test
# IdP: a refresh brings a new access token only (no ID token, no new refresh token),
# so the claims and groups come from UserInfo; a refused refresh is HTTP 400 with an
# empty body (no OAuth error), which locks only once the IdP shows it accepts the
# client (refresh_empty_400); a client it does not accept gets the same empty 400 and
# must lock nobody. Also: rotation when Glewlwyd spends a token at each use, the
# account phase revalidating by itself, the IdP down (offline policy), and no refresh
# token outside the secret store. Root only; skips when the glewlwyd package is missing.
. "$(dirname "$0")/lib.sh"
helper_setup
. "$top_srcdir/tests/glewlwyd/lib.sh"
if ! gw_available; then
	echo "1..0 # SKIP $GW_SKIP_REASON"
	exit 0
fi
[ "$STORE_OK" = 1 ] || { echo "1..0 # SKIP the store cannot create accounts yet"; exit 0; }
gw_start || { echo "1..0 # SKIP Glewlwyd did not start"; exit 0; }
trap 'gw_stop; rm -rf "$T"' EXIT
echo "1..36"

ISS=$FEDJIT_GW_ISSUER
FEDJIT=$top_builddir/cli/fedjit
CONF=$T/fedjit.conf
# approve USER: a command for --approve (USER_CODE from the client), for client
# $FEDJIT_GW_CLIENT
approve() {
	echo "bash -c '. \"$top_srcdir/tests/glewlwyd/lib.sh\" && . \"$FEDJIT_GW_DIR/env\" && FEDJIT_GW_CLIENT=${FEDJIT_GW_CLIENT:-fedjit} gw_approve \"\$USER_CODE\" $1'"
}
conf() { # conf KEY=VALUE...: Glewlwyd, provisioning into P, sudo from admins
	write_config "$CONF" "issuer=$ISS" client_id=fedjit "ca_file=$FEDJIT_GW_CA" client_auth=none \
		"scopes=openid profile email groups" provisioning=always domain=P group_map=admins:sudo "$@"
	printf '\n[domain P]\nuid_min = 300000\nuid_max = 300999\nhome = %s/home/%%u\nskel = none\n' "$T" >>"$CONF"
}
mkdir -p "$T/home"
keep_all_output # for the leak check at the end
# held NAME: the refresh token the secret store holds for NAME
# (tdbdump writes other bytes as \XX)
held() { tdbdump -k "refresh/$1" "$T/fedjit.private.tdb" 2>/dev/null | sed 's/\\[0-9A-Fa-f][0-9A-Fa-f]/ /g' | grep -o '[A-Za-z0-9]\{100,\}' | head -n 1; }

conf
# 1-3: the device-flow login keeps the refresh token Glewlwyd issued
login --approve "$(approve alice)" alice
check "alice's first login through Glewlwyd" result_is ok
check "the secret store holds her state and refresh token" \
	eval 'private_keys | grep -qx state/alice && private_keys | grep -qx refresh/alice'
check "Glewlwyd has one valid refresh token for her" test "$(gw_refresh_tokens alice)" = 1

# 4-9: a refresh without ID token: the claims from UserInfo
before=$(sed -n 's/^verified: *//p' <<<"$(show alice)")
sleep 1
revalidate --force alice
check "revalidate --force: ok" result_is ok
check "... Glewlwyd sent no ID token: the claims came from UserInfo" \
	err_has 'no ID token in the refresh answer: claims from UserInfo'
check "... verified by the refresh (last verification moved), a token still held" \
	eval 'test "$(field refresh_token)" = 1 && test "$(sed -n "s/^verified: *//p" <<<"$(show alice)")" != "$before" && show alice | grep -q "^verified: .*(revalidation)"'
check "... no new refresh token from Glewlwyd: the one held stays (token_rotated=0)" \
	eval 'test "$(field token_rotated)" = 0 && private_keys | grep -qx refresh/alice'
check "... groups unchanged (groups_changed=0), still in sudo" \
	eval 'test "$(field groups_changed)" = 0 && show alice | grep -q sudo'
gw_user_name alice "Alice R. Test"
revalidate --force alice
check "a name changed at Glewlwyd is re-synced by revalidation (UserInfo's name)" \
	eval 'result_is ok && show alice | grep -q "Alice R. Test"'

# 10-13: a group removed at Glewlwyd, then given back
gw_user_groups alice staff
revalidate --force alice
check "admins removed at Glewlwyd: ok, groups_changed=1" \
	eval 'result_is ok && test "$(field groups_changed)" = 1'
check "... sudo (mapped from admins) is gone from the account" eval '! show alice | grep -q sudo'
check "... the change is audited (by revalidation)" \
	err_has 'account: op=update-groups acct="alice" .*by="revalidation".*removed sudo'
gw_user_groups alice admins staff
revalidate --force alice
check "admins given back: sudo again" eval 'result_is ok && show alice | grep -q sudo'

# 14-16: Glewlwyd spending each refresh token at its use: the new one is kept (a
# token issued before the change gets HTTP 500 at Glewlwyd: a new login first)
gw_refresh_one_use always
login --approve "$(approve alice)" alice
n0=$(gw_refresh_tokens alice)
revalidate --force alice
check "one-use refresh tokens: ok, the new one kept (token_rotated=1)" \
	eval 'result_is ok && test "$(field token_rotated)" = 1'
revalidate --force alice
check "... the next revalidation presents the new one: ok again" \
	eval 'result_is ok && test "$(field token_rotated)" = 1'
n1=$(gw_refresh_tokens alice)
check "... Glewlwyd has as many valid tokens for alice as before ($n0, now $n1): each use spent one, none revoked by a replay" \
	test "$n1" = "$n0"
gw_refresh_one_use never

# 17-22: revoked at Glewlwyd: HTTP 400 with an empty body, the client accepted
revoked=$(gw_revoke_refresh alice)
revalidate --force alice
check "Glewlwyd revoked alice's refresh tokens ($revoked): disabled, lock reason idp, no token" \
	eval 'result_is disabled && test "$(field lock_reason)" = idp && test "$(field refresh_token)" = 0'
check "... the log: an empty HTTP 400 while Glewlwyd accepts the client (a device code for it)" \
	grep -q 'HTTP 400 with an empty body, while the IdP accepts this client (a device authorization request: HTTP 200 with a device code): the grant was refused' "$T/out"
check "... alice is locked, the token record gone, the lock audited" \
	eval 'show alice | grep -q "^locked: *yes" && ! private_keys | grep -qx refresh/alice && err_has "account: op=lock-user acct=\"alice\" .*by=\"revalidation\""'
login --op account alice
check "... the account phase refuses her: disabled" \
	eval 'result_is disabled && grep -q "message=This account was disabled by its identity provider" "$T/out"'
"$FEDJIT" --config "$CONF" user unlock alice >/dev/null 2>&1
login --approve "$(approve alice)" alice
check "the administrator's unlock and a device-flow login: ok, a token again" \
	eval 'result_is ok && private_keys | grep -qx refresh/alice'
revalidate --force alice
check "... and it revalidates: ok" result_is ok

# 23-25: refresh_empty_400 = error: an empty 400 is not taken as a refusal
conf refresh_empty_400=error
gw_revoke_refresh alice >/dev/null
revalidate --force alice
check "refresh_empty_400 = error, grant revoked: error, not locked" \
	eval 'result_is error && show alice | grep -q "^locked: *no"'
check "... the log says why (no OAuth error, the setting)" \
	grep -q 'HTTP 400 with an empty body, no OAuth error (refresh_empty_400 = error' "$T/out"
check "... and no control request was made (one request: the refresh)" \
	err_has 'http_requests=1$'
conf

# 26-29: a confidential client whose secret this host has wrong: Glewlwyd answers the
# refresh with the same empty 400, the control request (device authorization) with 403
# unauthorized_client
gw_client_add fedjit-conf conf-secret-1
install -m 0600 /dev/null "$T/secret"
echo conf-secret-1 >"$T/secret"
confc() { conf client_id=fedjit-conf client_auth=client_secret_basic "client_secret_file=$T/secret" "$@"; }
confc
login --approve "$(FEDJIT_GW_CLIENT=fedjit-conf approve bob)" bob
check "bob signs in through the confidential client" result_is ok
echo wrong-secret >"$T/secret"
revalidate --force bob
check "the host's client secret wrong: error, not disabled" \
	eval 'result_is error && show bob | grep -q "^locked: *no" && test "$(field refresh_token)" = 1'
check "... the log: the IdP did not show it accepts the client (403 unauthorized_client)" \
	grep -q 'HTTP 400 with an empty body, and the IdP did not show that it accepts this client (a device authorization request: HTTP 403 unauthorized_client)' "$T/out"
echo conf-secret-1 >"$T/secret"
revalidate --force bob
check "the secret put right: bob's grant is still good (ok)" result_is ok

# 30-32: the account phase revalidates by itself past revalidate_after
conf revalidate_after=1 offline_grace=3600
gw_user_add dave staff
login --approve "$(approve dave)" dave
sleep 2
login --op account dave
check "dave's account phase past revalidate_after: revalidated through Glewlwyd, ok" \
	eval 'result_is ok && err_has "revalidation of dave: ok"'
gw_revoke_refresh dave >/dev/null
sleep 2
login --op account dave
check "dave revoked at Glewlwyd: the account phase refuses (disabled)" \
	eval 'result_is disabled && grep -q "disabled at the IdP" "$T/out"'
check "... and locked him" eval 'show dave | grep -q "^locked: *yes"'

# 33-34: no refresh token outside the private store
tok=$(held bob)
check "the private store holds bob's refresh token (positive control: $(printf %s "$tok" | wc -c) bytes)" \
	eval 'test -n "$tok" && grep -qaF -- "$tok" "$T/fedjit.private.tdb"'
check "... and it is in no log, not in the public store, not in a dump" \
	eval '! grep -qaF -- "$tok" "$T/all" "$T/fedjit.tdb" && ! "$FEDJIT" --config "$CONF" db dump 2>&1 | grep -qF -- "$tok"'

# 35-36: Glewlwyd down: nothing changes, the offline policy
conf revalidate_after=1 offline_grace=3600
login --approve "$(approve bob)" bob
cp "$FEDJIT_GW_CA" "$T/gw-ca.pem"
iss=$ISS
gw_stop
ISS=$iss FEDJIT_GW_CA=$T/gw-ca.pem conf revalidate_after=1 offline_grace=3600
sleep 2
login --op account bob
check "Glewlwyd down, within offline_grace: the account phase lets bob in (unreachable)" \
	eval 'result_is ok && err_has "revalidation of bob: unreachable"'
ISS=$iss FEDJIT_GW_CA=$T/gw-ca.pem conf revalidate_after=1 offline_grace=1
sleep 2
login --op account bob
check "... past offline_grace: refused (unverified) with the reason" \
	eval 'result_is unverified && err_has "allowed without a new check: 1 s (revalidate_after) + 1 s (offline_grace)"'

helper_done
