#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# End to end: the account phase (pam_sm_acct_mgmt) after SSH public-key logins,
# which never ask the IdP. The real sshd with public keys and keyboard-interactive
# (E2E_SSHD_PUBKEY=1), the real ssh client, the test IdP. What the IdP said at the
# last device-flow login (the IdP groups, in the root-only secret store) and what the
# store holds decide, for every authentication method (pam/provision/access.h):
#   1  a key login of an account in allowed_groups: allowed
#   2  a key login of an account whose last known IdP groups are outside
#      allowed_groups: refused (not_allowed)
#   3  a locked account's key login: refused (locked)
#   4  `fedjit user delete` with the home kept: sshd's pre-auth entry shows the old
#      uid and home, sshd accepts ~/.ssh/authorized_keys, and the account phase
#      refuses (not_provisioned), with pam_unix after pam_fedjit and with pam_permit
#      (a stack where nothing else would refuse)
#   5  the device flow then creates the account again (the home is its uid's)
#   6  revalidation: past revalidate_after the account phase asks the IdP again
#      (refresh token); a grant revoked at the IdP refuses the next key login
#      (disabled at the IdP, locked)
#   7  the IdP down: a key login within offline_grace works, past it it is refused
#      with the reason
. "$(dirname "$0")/lib.sh"
if [ -z "${FEDJIT_E2E_IN_NS:-}" ] && ! idp_available; then
	echo "1..0 # SKIP $IDP_SKIP_REASON"
	exit 0
fi
e2e_enter "$@"

e2e_sandbox
if ! e2e_idp_start; then
	t_not_ok "the test IdP starts"
	t_done
fi
e2e_conf
e2e_pam sshd
if ! E2E_SSHD_PUBKEY=1 e2e_sshd_start 2222; then
	t_not_ok "sshd starts on 127.0.0.1:2222"
	t_done
fi
if r=$(e2e_need nss pam helper cli prov); then :; else
	t_skip "$r" "the account phase after public-key logins"
	t_done
fi

ssh-keygen -q -t ed25519 -N '' -f "$E2E_TMP/alice_key" </dev/null
ssh-keygen -q -t ed25519 -N '' -f "$E2E_TMP/bob_key" </dev/null

# key_login DESC USER KEY EXPECT(ok|refused) ERE: one public-key login; ERE must
# match what the person saw or what sshd, pam_fedjit and the helper logged.
key_login() {
	local desc=$1 user=$2 key=$3 expect=$4 ere=$5 mark out rc seen
	mark=$(e2e_log_mark)
	# a command that runs whatever NSS says about the uid: a session is a session
	out=$(e2e_ssh_key "$user" "$key" echo session)
	rc=$?
	if [ "$expect" = ok ]; then
		t_eq "$desc: signed in" "0 session" "$rc $out"
	else
		t_check "$desc: refused, no session" \
			"$([ $rc -ne 0 ] && [ "$out" != session ] && echo 0 || echo 1)" "rc=$rc out=$out"
	fi
	seen=$(cat "$E2E_TMP/ssh.err" "$E2E_SSHD_LOG"
		e2e_log_wait "$mark" "$ere" "$(cat "$E2E_TMP/ssh.err" "$E2E_SSHD_LOG")")
	t_match "$desc: $ere" "$ere" "$seen"
	# for the record (the issue's note): what the person and the log say
	t_diag "ssh: $(tr '\n' ' ' <"$E2E_TMP/ssh.err")" \
		"$(printf '%s\n' "$seen" | grep -E 'pam_fedjit|fedjit-helper' | grep -Ev 'debug' | tail -3)"
}

# ---- device-flow logins create alice (staff, admins) and bob (staff) ------------
for u in alice bob; do
	out=$(E2E_ACTION="approve $u" e2e_ssh "$u" id -un)
	t_eq "$u's first login (device flow) creates the account" "0 $u" "$? $out"
	e2e_authorize_key "$u" "$E2E_TMP/${u}_key"
done

# ---- 1: a key login, account phase allowed ----------------------------------
key_login "1. alice's key, no allowed_groups" alice "$E2E_TMP/alice_key" ok \
	'Accepted publickey for alice'
t_eq "1. the key login did not ask the IdP (no device prompt)" "" "$(cat "$E2E_PROMPTS")"

# ---- 2: allowed_groups in the account phase --------------------------------------
e2e_conf allowed_groups=admins
key_login "2. alice's key, alice in admins (allowed_groups)" alice "$E2E_TMP/alice_key" ok \
	'Accepted publickey for alice'
key_login "2. bob's key, bob's last known groups (staff) outside allowed_groups" bob \
	"$E2E_TMP/bob_key" refused \
	'account for bob: not_allowed: .*bob is in none of allowed_groups of IdP test \(last verified groups: staff\)'
e2e_conf

# ---- 3: a locked account -----------------------------------------------------
"$E2E_CLI_BIN" user lock bob >/dev/null 2>&1
key_login "3. bob's key, bob locked" bob "$E2E_TMP/bob_key" refused \
	'account for bob: locked: .*locked by the administrator'
"$E2E_CLI_BIN" user unlock bob >/dev/null 2>&1

# ---- 4: a deleted account, its home and keys kept ----------------------------
uid=$(getent passwd alice | cut -d: -f3)
"$E2E_CLI_BIN" user delete alice --yes >/dev/null 2>&1
t_eq "4. alice is deleted, her home and authorized_keys kept" "none $uid" \
	"$(getent passwd alice >/dev/null && echo exists || echo none) $(stat -c %u /home/alice/.ssh/authorized_keys)"
t_match "4. sshd's pre-auth entry for alice has the old uid and home" \
	"^alice:x:$uid:$uid::/home/alice:" "$(e2e_preauth alice)"
before=$(e2e_store)
sshd_mark=$(wc -l <"$E2E_SSHD_LOG")
key_login "4a. alice's kept key, pam_unix after pam_fedjit" alice "$E2E_TMP/alice_key" refused \
	'account for alice: not_provisioned: .*alice has no account'
t_match1 "4a. sshd accepted the kept key; the account phase refused" \
	'Accepted key .* found at /home/alice/.ssh/authorized_keys.*Access denied for user alice by PAM account configuration' \
	"$(tail -n +"$((sshd_mark + 1))" "$E2E_SSHD_LOG")"
E2E_PAM_ACCOUNT=pam_permit.so e2e_pam sshd
key_login "4b. alice's kept key, pam_permit after pam_fedjit" alice "$E2E_TMP/alice_key" refused \
	'account for alice: not_provisioned: .*alice has no account'
e2e_pam sshd
t_eq "4. the refusals created nothing" "$before" "$(e2e_store)"

# ---- 5: the device flow provisions alice again -------------------------------
out=$(E2E_ACTION="approve alice" e2e_ssh alice id -u)
t_eq "5. alice signs in with the device flow: the account again, the same uid" "0 $uid" "$? $out"
key_login "5. then her key works again" alice "$E2E_TMP/alice_key" ok 'Accepted publickey for alice'

# ---- 6: revalidation in the account phase (issue 14) -------------------------
# Refresh tokens (offline_access), and an account phase that asks the IdP again once
# a second has passed since the last verification.
e2e_conf offline_access=yes revalidate_after=1 offline_grace=3600
out=$(E2E_ACTION="approve bob" e2e_ssh bob echo session)
t_eq "6. bob signs in with the device flow (a refresh token is kept)" "0 session" "$? $out"
sleep 2
key_login "6. bob's key past revalidate_after: the IdP vouches again" bob "$E2E_TMP/bob_key" ok \
	'revalidation of bob: ok'
idp_revoke bob >/dev/null
sleep 2
key_login "6. bob's key after the IdP revoked his grant" bob "$E2E_TMP/bob_key" refused \
	'account for bob: disabled: .*disabled at the IdP'
t_match "6. bob is locked as disabled at the IdP" 'lock reason: disabled at the IdP' \
	"$("$E2E_CLI_BIN" user show bob 2>&1)"

# ---- 7: the IdP down: the offline grace ------------------------------------------
out=$(E2E_ACTION="approve alice" e2e_ssh alice echo session)
t_eq "7. alice signs in with the device flow" "0 session" "$? $out"
sleep 2
idp_down
key_login "7. the IdP down, within offline_grace: alice's key works" alice "$E2E_TMP/alice_key" ok \
	'revalidation of alice: unreachable'
e2e_conf offline_access=yes revalidate_after=1 offline_grace=1
sleep 2
key_login "7. the IdP down, past offline_grace: refused with the reason" alice "$E2E_TMP/alice_key" \
	refused 'account for alice: unverified: .*allowed without a new check: 1 s \(revalidate_after\) \+ 1 s \(offline_grace\)'
t_match "7. ... the person is told why" 'could not confirm this account recently enough' \
	"$(cat "$E2E_TMP/ssh.err")"
idp_up
e2e_conf

t_done
