#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# End to end on the console (issue 7, scenarios 5 and 4): the real login (under
# a pseudo-terminal driven by pty.exp), su and sudo, each with pam_fedjit.so in
# its PAM stack, libnss_fedjit.so.2 in nsswitch.conf, fedjit-helper and the
# test IdP. See tests/e2e/lib.sh for the sandbox. A scenario whose parts are
# not built yet is skipped.
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
e2e_pam login
e2e_pam su
e2e_pam sudo
SHELL_CMD='echo E2E-BEGIN; id -un; id -u; pwd; stat -c %U .; echo E2E-END; exit'

# as_args USER: the command prefix that runs a program as USER (NSS groups)
as_args() { echo setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups --reset-env --; }

# between E2E-BEGIN and E2E-END of a transcript, without carriage returns
# and terminal escapes (bash's bracketed-paste switch)
session_out() {
	tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' | sed -n '/^E2E-BEGIN$/,/^E2E-END$/p' | sed '1d;$d'
}

# ---- 5. console: login and su ------------------------------------------------------
scenario5() {
	local r out rc uid
	if ! r=$(e2e_need nss pam helper cli); then
		t_skip "$r" "5. console login and su"
		return
	fi
	if ! r=$(e2e_need prov); then
		t_skip "$r" "5a. login: first login creates the account"
		# alice and bob from fedjit db restore for the rest
		e2e_seed_account alice u-0001-alice 27
		e2e_seed_account bob u-0002-bob
		t_diag "alice and bob seeded with fedjit db restore (provisioning not built yet)"
		uid=$(getent passwd alice | cut -d: -f3)
		out=$(E2E_ACTION="approve alice" E2E_SHELL_CMD=$SHELL_CMD e2e_pty login alice)
		rc=$?
		t_eq "5a. login: an existing account signs in" 0 "$rc"
		t_eq "5a. login: the shell runs as alice in her home" \
			"alice $uid /home/alice alice" "$(printf '%s\n' "$out" | session_out | tr '\n' ' ' | sed 's/ $//')"
		scenario5_su "$uid"
		return
	fi
	t_check "5. alice does not exist before" "$(getent passwd alice >/dev/null && echo 1 || echo 0)"
	out=$(E2E_ACTION="approve alice" E2E_SHELL_CMD=$SHELL_CMD e2e_pty login alice)
	rc=$?
	t_eq "5a. login: first login succeeds" 0 "$rc"
	[ $rc -eq 0 ] || t_diag "$out" "$(tail -20 "$E2E_SYSLOG")"
	t_match1 "5a. login: the sign-in URL and code are shown" \
		"$FEDJIT_IDP_ISSUER/device.*[A-Z]{4}-[A-Z]{4}" "$out"
	uid=$(getent passwd alice | cut -d: -f3)
	t_match "5a. login: the account exists afterwards" '^2[0-9]{5}$' "$uid"
	t_eq "5a. login: the shell runs as alice in her new home, which she owns" \
		"alice $uid /home/alice alice" "$(printf '%s\n' "$out" | session_out | tr '\n' ' ' | sed 's/ $//')"
	scenario5_su "$uid"
	# bob for the sudo refusals below
	E2E_ACTION="approve bob" E2E_SHELL_CMD=$SHELL_CMD e2e_pty login bob >/dev/null
	t_check "5d. login: bob's first login creates his account" \
		"$(getent passwd bob >/dev/null && echo 0 || echo 1)"
}

# su needs the account before PAM (it looks the name up first), so it signs
# an existing account in; run by an unprivileged user.
scenario5_su() {
	local uid=$1 out rc
	out=$(E2E_ACTION="approve alice" E2E_SHELL_CMD= e2e_pty \
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- su - alice -c "$SHELL_CMD")
	rc=$?
	t_eq "5b. su: nobody signs in as alice" 0 "$rc"
	t_eq "5b. su: the login shell runs as alice in her home" \
		"alice $uid /home/alice alice" "$(printf '%s\n' "$out" | session_out | tr '\n' ' ' | sed 's/ $//')"
	local mark
	mark=$(e2e_log_mark)
	out=$(E2E_ACTION="approve mallory" E2E_SHELL_CMD= e2e_pty \
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- su - alice -c "$SHELL_CMD")
	rc=$?
	t_check "5c. su: another IdP user (mallory) approving is refused" \
		"$([ $rc -ne 0 ] && ! printf '%s' "$out" | grep -q E2E-BEGIN && echo 0 || echo 1)" "$out"
	t_match "5c. su: ... because mallory does not own alice" \
		'su(-l)?: user alice: wrong_account.*(u-0666-mallory|belongs to another identity)' \
		"$(e2e_log_wait "$mark" 'user alice: wrong_account')"
}

# ---- 4. sudo -----------------------------------------------------------------------
scenario4() {
	local r out rc mark
	if ! r=$(e2e_need nss pam helper cli); then
		t_skip "$r" "4. sudo"
		return
	fi
	if ! getent passwd alice >/dev/null || ! getent passwd bob >/dev/null; then
		t_not_ok "4. sudo: alice and bob exist from scenario 5"
		return
	fi
	t_match "4. alice's groups include sudo (IdP group admins)" '\bsudo\b' "$(id -Gn alice)"
	e2e_sudoers nopasswd
	t_eq "4a. %sudo NOPASSWD: sudo -n id -u as alice is root" 0 "$(e2e_as alice sudo -n id -u 2>&1)"
	out=$(e2e_as bob sudo -n id -u 2>&1)
	t_check "4b. bob (not in the group) is refused" \
		"$([ "$out" != 0 ] && echo 0 || echo 1)" "$out"
	e2e_sudoers auth
	out=$(E2E_ACTION="approve alice" e2e_pty $(as_args alice) sudo id -u)
	rc=$?
	# id's "0" is a line of its own; on a loaded machine the pty may hand the
	# prompt's echo over after it, so it need not be the last line.
	t_eq "4c. re-authentication through pam_fedjit in sudo's stack: root" \
		"0 0" "$rc $(printf '%s\n' "$out" | tr -d '\r' | grep -x 0 | tail -n 1)"
	t_match "4c. sudo showed the sign-in code" '[A-Z]{4}-[A-Z]{4}' "$out"
	mark=$(e2e_log_mark)
	out=$(E2E_ACTION="approve mallory" e2e_pty $(as_args alice) sudo id -u)
	rc=$?
	t_check "4d. another IdP user (mallory) approving alice's sudo is refused" \
		"$([ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | tr -d '\r' | tail -n 1)" != 0 ] && echo 0 || echo 1)" "$out"
	t_match "4d. ... because mallory does not own alice" \
		'sudo: user alice: wrong_account.*(u-0666-mallory|belongs to another identity)' \
		"$(e2e_log_wait "$mark" 'user alice: wrong_account')"
	out=$(E2E_ACTION="approve bob" e2e_pty $(as_args bob) sudo id -u)
	rc=$?
	t_check "4e. bob (not in the group) approving his own sudo is refused" \
		"$([ $rc -ne 0 ] && [ "$(printf '%s\n' "$out" | tr -d '\r' | tail -n 1)" != 0 ] && echo 0 || echo 1)" "$out"
	t_match "4e. ... by sudoers, after bob signed in" 'bob is not in the sudoers file' "$out"
	e2e_sudoers nopasswd
}

# ---- 5e. console: the person picks the new account's name ----------------------------
# prompt = username+password+consent: login(1) takes the chosen name back from
# PAM_USER, so the first login goes on as the new account.
scenario5e() {
	local r out rc uid
	if ! r=$(e2e_need nss pam helper cli prov); then
		t_skip "$r" "5e. login: the chosen name"
		return
	fi
	e2e_conf prompt=username+password+consent
	out=$(E2E_ACTION="approve jane" E2E_USERNAME=janet E2E_PASSWORD='Vq7-local-Secret' \
		E2E_SHELL_CMD=$SHELL_CMD e2e_pty login jane)
	rc=$?
	t_eq "5e. login: first login with a chosen name succeeds" 0 "$rc"
	[ $rc -eq 0 ] || t_diag "$out" "$(tail -20 "$E2E_SYSLOG")"
	t_check "5e. login: no account under the typed name" \
		"$(getent passwd jane >/dev/null && echo 1 || echo 0)"
	uid=$(getent passwd janet | cut -d: -f3)
	t_match "5e. login: the account has the chosen name" '^2[0-9]{5}$' "$uid"
	t_eq "5e. login: the shell runs as janet in her new home" \
		"janet $uid /home/janet janet" "$(printf '%s\n' "$out" | session_out | tr '\n' ' ' | sed 's/ $//')"
	e2e_conf
}

scenario5
scenario4
scenario5e
t_done
