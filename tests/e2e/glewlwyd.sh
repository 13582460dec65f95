#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# End to end against a second IdP implementation: Glewlwyd (tests/glewlwyd),
# in the sandbox of tests/e2e/lib.sh, with the real sshd, ssh and sudo. The
# person approves through Glewlwyd itself: over HTTP as its web pages do
# (gw_approve: sign in, grant the client its scopes, enter the code) and once
# in headless Chromium through its own pages. First SSH login (the account is
# created), a returning login (attributes re-synced), sudo through the group
# mapped from the IdP (group_map admins:sudo), a group taken away at the IdP,
# a person the IdP sends no groups claim for, revalidation (groups from UserInfo,
# a revoked grant ending a key-login session, the account phase revalidating), and
# the IdP down (the offline policy).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/glewlwyd/lib.sh"
if [ -z "${FEDJIT_E2E_IN_NS:-}" ] && [ "$(id -u)" = 0 ] && ! gw_available; then
	echo "1..0 # SKIP $GW_SKIP_REASON"
	exit 0
fi
e2e_enter "$@"

export E2E_IDP=glewlwyd
e2e_sandbox
if ! gw_start; then
	t_not_ok "Glewlwyd starts"
	t_done
fi
e2e_conf
e2e_pam sshd
e2e_pam sudo
if ! E2E_SSHD_PUBKEY=1 e2e_sshd_start 2222; then
	t_not_ok "sshd starts on 127.0.0.1:2222"
	t_done
fi
if ! r=$(e2e_need nss pam helper cli prov); then
	t_skip "$r" "Glewlwyd end to end"
	t_done
fi
# as_args USER: the command prefix that runs a program as USER (NSS groups)
as_args() { echo setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups --reset-env --; }

# ---- first SSH login ---------------------------------------------------------
pre=$(e2e_preauth alice)
t_match "first login: sshd's pre-authentication entry for alice" '^alice:x:2[0-9]{5}:2[0-9]{5}:' "$pre"
t_eq "first login: the store is empty" none "$(e2e_store)"
out=$(E2E_ACTION="approve alice" e2e_ssh alice 'id; pwd')
rc=$?
t_eq "first login: ssh alice@ succeeds after approval at Glewlwyd" 0 "$rc"
[ $rc -eq 0 ] || t_diag "$(cat "$E2E_TMP/ssh.err" "$E2E_PROMPTS")" "$(tail -30 "$E2E_SYSLOG")"
t_match "first login: the prompt shows Glewlwyd's verification URL" \
	"$FEDJIT_GW_ISSUER/device" "$(cat "$E2E_PROMPTS")"
t_match "first login: the prompt shows Glewlwyd's user code (letters and digits)" \
	'[A-Z0-9]{4}-[A-Z0-9]{4}' "$(cat "$E2E_PROMPTS")"
uid=$(echo "$pre" | cut -d: -f3)
gid=$(echo "$pre" | cut -d: -f4)
t_match "first login: remote id is the announced uid and gid, with sudo from IdP group admins" \
	"^uid=$uid\\(alice\\) gid=$gid\\(alice\\) groups=.*27\\(sudo\\)" "$out"
t_match "first login: the session starts in the new home" '^/home/alice$' "$out"
entry=$(getent passwd alice)
t_match "first login: gecos from Glewlwyd's name claim" '^alice:x:[0-9]+:[0-9]+:Alice Test:' "$entry"
store=$(e2e_store)
t_match "first login: the account is bound to Glewlwyd's issuer and its random subject" \
	"\"issuer\": *\"$FEDJIT_GW_ISSUER\".*\"subject\": *\"[A-Za-z0-9]{32}\"" "$(echo "$store" | tr -d '\n')"
# what the person saw (for the record: the log of this test)
t_diag "--- what ssh showed alice at her first login (keyboard-interactive prompts):" \
	"$(cat "$E2E_PROMPTS")" "--- the session's output:" "$out" "---"

# ---- returning login -----------------------------------------------------------
gw_user_name alice "Alice P. Test"
out=$(E2E_ACTION="approve alice" e2e_ssh alice 'id -u; pwd')
rc=$?
t_eq "returning login: succeeds, same uid, same home" "0 $uid /home/alice" "$rc $(echo $out)"
t_eq "returning login: still one account" 1 "$("$E2E_CLI_BIN" user list 2>/dev/null | grep -c '^alice\b')"
t_match "returning login: the name changed at Glewlwyd is re-synced" \
	'^alice:x:[0-9]+:[0-9]+:Alice P\. Test:' "$(getent passwd alice)"

# ---- a first login approved in headless Chromium, through Glewlwyd's pages -------
if r=$(e2e_need browser); then
	out=$(E2E_ACTION="browser bob" e2e_ssh bob 'id -un; id -Gn')
	rc=$?
	t_eq "browser: bob's first login, approved in Chromium at Glewlwyd, succeeds" 0 "$rc"
	[ $rc -eq 0 ] || t_diag "$(cat "$E2E_PROMPTS")"
	t_match1 "browser: Chromium walked code, login, grant and completion pages" \
		'browser: code page.*browser: login page.*browser: grant page.*browser: result: Authorization complete.*browser: success' \
		"$(cat "$E2E_PROMPTS")"
	t_eq "browser: remote id -un" bob "$(echo "$out" | head -n 1)"
	t_nomatch "browser: bob (IdP group staff only) is not in sudo" '\bsudo\b' "$(echo "$out" | tail -n 1)"
else
	t_skip "$r" "browser: bob's first login approved in Chromium at Glewlwyd"
	E2E_ACTION="approve bob" e2e_ssh bob true >/dev/null
fi

# ---- sudo ------------------------------------------------------------------------
e2e_sudoers nopasswd
t_eq "sudo: %sudo NOPASSWD, alice (admins at Glewlwyd) is root" 0 "$(e2e_as alice sudo -n id -u 2>&1)"
out=$(e2e_as bob sudo -n id -u 2>&1)
t_check "sudo: bob (not in admins) is refused" "$([ "$out" != 0 ] && echo 0 || echo 1)" "$out"
e2e_sudoers auth
out=$(E2E_ACTION="approve alice" e2e_pty $(as_args alice) sudo id -u)
rc=$?
t_eq "sudo: re-authentication through pam_fedjit and Glewlwyd: root" \
	"0 0" "$rc $(printf '%s\n' "$out" | tr -d '\r' | tail -n 1)"
t_match "sudo: sudo showed Glewlwyd's code" '[A-Z0-9]{4}-[A-Z0-9]{4}' "$out"
mark=$(e2e_log_mark)
out=$(E2E_ACTION="approve bob" e2e_pty $(as_args alice) sudo id -u)
rc=$?
t_check "sudo: bob approving alice's sudo is refused" \
	"$([ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | tr -d '\r' | tail -n 1)" != 0 ] && echo 0 || echo 1)" "$out"
t_match "sudo: ... because bob's identity does not own alice" 'user alice: wrong_account' \
	"$(e2e_log_wait "$mark" 'user alice: wrong_account')"
e2e_sudoers nopasswd

# ---- the IdP takes a group away ----------------------------------------------------
gw_user_groups alice staff
out=$(E2E_ACTION="approve alice" e2e_ssh alice 'id -Gn')
rc=$?
t_eq "group removed at Glewlwyd: alice's next login succeeds" 0 "$rc"
t_nomatch "group removed at Glewlwyd: alice has lost sudo" '\bsudo\b' "$out"
out=$(e2e_as alice sudo -n id -u 2>&1)
t_check "group removed at Glewlwyd: sudo -n is refused" "$([ "$out" != 0 ] && echo 0 || echo 1)" "$out"
gw_user_groups alice admins staff

# ---- no groups claim at all ---------------------------------------------------------
# Glewlwyd leaves the claim out for a person in no group (so do Okta and
# Keycloak); with allowed_groups the refusal says that, not "not in a group".
e2e_conf allowed_groups=staff
mark=$(e2e_log_mark)
before=$(e2e_store)
out=$(E2E_ACTION="approve carol" e2e_ssh carol id -un)
rc=$?
t_check "no groups claim: carol (no groups at Glewlwyd) is refused by allowed_groups" \
	"$([ $rc -ne 0 ] && echo 0 || echo 1)" "rc=$rc out=$out"
t_match "no groups claim: the log says the IdP sent no groups claim" \
	'user carol: not_allowed.*sent no groups claim' \
	"$(e2e_log_wait "$mark" 'sent no groups claim' | tr '\n' ' ')"
t_eq "no groups claim: no account was created" "$before" "$(e2e_store)"
out=$(E2E_ACTION="approve bob" e2e_ssh bob id -un)
t_eq "allowed_groups=staff: bob (staff) still logs in" bob "$out"
e2e_conf

# ---- revalidation: Glewlwyd stays the source of truth ------------------------------
# Glewlwyd answers the refresh grant with an access token alone (no ID token): the
# groups come from its UserInfo; a revoked refresh token gets an empty HTTP 400, which
# locks once its device authorization endpoint shows it accepts the client
# (pam/helper/refresh_flow.c). Key logins never ask the IdP: only revalidation can
# take them away.
fj() { "$E2E_CLI_BIN" "$@"; }
for u in alice bob; do
	ssh-keygen -q -t ed25519 -N '' -f "$E2E_TMP/${u}_key" </dev/null
	e2e_authorize_key "$u" "$E2E_TMP/${u}_key"
done
# key_ssh USER CMD...: a public-key login with USER's key
key_ssh() {
	local u=$1
	shift
	e2e_ssh_key "$u" "$E2E_TMP/${u}_key" "$@"
}
out=$(key_ssh alice id -un)
t_eq "revalidation: alice's key login" "0 alice" "$? $out"
t_match "revalidation: the device-flow logins left a refresh token from Glewlwyd" \
	'^refresh: +token held$' "$(fj user show alice)"

# admins was given back to alice at Glewlwyd after her last login: revalidation sees
# it (UserInfo's groups), and then a group taken away
mark=$(e2e_log_mark)
out=$(fj revalidate alice)
t_match "revalidation: admins given back at Glewlwyd since her login: groups changed" \
	'^alice: ok \(verified now; groups changed' "$out"
t_match "revalidation: ... Glewlwyd sent no ID token, the groups came from UserInfo" \
	'no ID token in the refresh answer: claims from UserInfo' \
	"$(e2e_log_wait "$mark" 'claims from UserInfo')"
t_eq "revalidation: ... sudo -n works for alice again" 0 "$(e2e_as alice sudo -n id -u 2>&1)"
gw_user_groups alice staff
mark=$(e2e_log_mark)
out=$(fj revalidate alice)
t_match "revalidation: admins removed at Glewlwyd: verified, groups changed" \
	'^alice: ok \(verified now; groups changed' "$out"
t_check "revalidation: ... id alice no longer shows sudo" \
	"$(id alice | grep -q '(sudo)' && echo 1 || echo 0)" "$(id alice)"
t_check "revalidation: ... sudo -n refuses alice" \
	"$(e2e_as alice sudo -n true >/dev/null 2>&1 && echo 1 || echo 0)"
gw_user_groups alice admins staff
out=$(fj revalidate alice)
t_match "revalidation: admins given back at Glewlwyd: sudo again" '^alice: ok \(verified now; groups changed' "$out"
t_eq "revalidation: ... sudo -n works for alice" 0 "$(e2e_as alice sudo -n id -u 2>&1)"

# revoked at Glewlwyd while logged in with a key: `fedjit revalidate --sessions` ends
# the session and locks; the key no longer logs in
key_ssh alice 'sleep 600' >/dev/null &
sess_pid=$!
auid=$(id -u alice)
for ((i = 0; i < 200; i++)); do pgrep -u "$auid" -x sleep >/dev/null && break; sleep 0.05; done
t_check "revalidation: alice is logged in with her key, running sleep" \
	"$(pgrep -u "$auid" -x sleep >/dev/null && echo 0 || echo 1)" "$(cat "$E2E_TMP/ssh.err")"
revoked=$(gw_revoke_refresh alice)
mark=$(e2e_log_mark)
out=$(fj revalidate --sessions)
t_match "revalidation: revoked at Glewlwyd ($revoked tokens): alice disabled, session ended" \
	'^alice: disabled at the IdP \(locked; sessions ended\)$' "$out"
t_match "revalidation: ... the log: the empty HTTP 400, the client accepted" \
	'HTTP 400 with an empty body, while the IdP accepts this client' \
	"$(e2e_log_wait "$mark" 'while the IdP accepts this client')"
for ((i = 0; i < 200; i++)); do kill -0 "$sess_pid" 2>/dev/null || break; sleep 0.05; done
t_check "revalidation: ... the SSH session is over" "$(kill -0 "$sess_pid" 2>/dev/null && echo 1 || echo 0)"
t_eq "revalidation: ... no process of alice runs" "" "$(pgrep -u "$auid")"
out=$(key_ssh alice echo session)
t_check "revalidation: ... alice's key login is refused" \
	"$([ $? -ne 0 ] && [ "$out" != session ] && echo 0 || echo 1)" "$(cat "$E2E_TMP/ssh.err")"
t_match "revalidation: ... user show: disabled at the IdP, no token" \
	'lock reason: disabled at the IdP.*refresh: +none' "$(fj user show alice | tr '\n' ' ')"
fj user unlock alice >/dev/null
out=$(E2E_ACTION="approve alice" e2e_ssh alice id -un)
t_eq "revalidation: unlock + a device-flow login through Glewlwyd: alice is back" "0 alice" "$? $out"

# the account phase of a key login revalidates by itself past revalidate_after
e2e_conf revalidate_after=1 offline_grace=3600
sleep 2
mark=$(e2e_log_mark)
out=$(key_ssh bob echo session)
t_eq "account phase: bob's key login past revalidate_after, verified at Glewlwyd" "0 session" "$? $out"
t_match "account phase: ... the log says so" 'revalidation of bob: ok' \
	"$(e2e_log_wait "$mark" 'revalidation of bob')"
gw_revoke_refresh bob >/dev/null
sleep 2
mark=$(e2e_log_mark)
out=$(key_ssh bob echo session)
t_check "account phase: bob revoked at Glewlwyd: his key login is refused" \
	"$([ $? -ne 0 ] && [ "$out" != session ] && echo 0 || echo 1)" "$(cat "$E2E_TMP/ssh.err")"
t_match "account phase: ... disabled at the IdP" 'revalidation of bob: disabled' \
	"$(e2e_log_wait "$mark" 'revalidation of bob')"
fj user unlock bob >/dev/null
E2E_ACTION="approve bob" e2e_ssh bob true
t_eq "account phase: unlock + a device-flow login: bob is back" 0 "$?"
e2e_conf

# ---- the IdP is down ----------------------------------------------------------------
iss=$FEDJIT_GW_ISSUER
cp "$FEDJIT_GW_CA" "$E2E_TMP/glewlwyd-ca.pem"
gw_stop
FEDJIT_GW_ISSUER=$iss FEDJIT_GW_CA=$E2E_TMP/glewlwyd-ca.pem e2e_conf
mark=$(e2e_log_mark)
out=$(E2E_ACTION="approve alice" e2e_ssh alice id -un)
rc=$?
t_check "IdP down: the login fails" "$([ $rc -ne 0 ] && echo 0 || echo 1)" "rc=$rc out=$out"
t_match "IdP down: ... as unreachable" 'user alice: unreachable' \
	"$(e2e_log_wait "$mark" 'user alice: unreachable')"
# the offline policy: key logins go on for offline_grace past revalidate_after
FEDJIT_GW_ISSUER=$iss FEDJIT_GW_CA=$E2E_TMP/glewlwyd-ca.pem e2e_conf revalidate_after=1 offline_grace=3600
sleep 2
mark=$(e2e_log_mark)
out=$(key_ssh bob echo session)
t_eq "IdP down, within offline_grace: bob's key login goes on" "0 session" "$? $out"
t_match "IdP down, within offline_grace: ... the revalidation was unreachable" \
	'revalidation of bob: unreachable' "$(e2e_log_wait "$mark" 'revalidation of bob')"
FEDJIT_GW_ISSUER=$iss FEDJIT_GW_CA=$E2E_TMP/glewlwyd-ca.pem e2e_conf revalidate_after=1 offline_grace=1
sleep 2
out=$(key_ssh bob echo session)
t_check "IdP down, past offline_grace: bob's key login is refused" \
	"$([ $? -ne 0 ] && [ "$out" != session ] && echo 0 || echo 1)" "$(cat "$E2E_TMP/ssh.err")"
t_done
