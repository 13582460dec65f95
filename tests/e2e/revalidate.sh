#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# End to end: the IdP stays the source of truth after the first login (issue 14,
# the admin tool and timer side). Real sshd, sudo and NSS in the sandbox of
# tests/e2e/lib.sh, the test IdP with refresh tokens, and the test audit sink
# (tests/unit/audit_sink.c as /etc/ld.so.preload of the sandbox: every process
# there, the helper included, has its audit records read back).
#   A  `fedjit user lock` ends a logged-in SSH session (and --keep-sessions keeps
#      it); the next login is refused; creation and lock are audited
#   B  a person disabled at the IdP (grants revoked): `fedjit revalidate --sessions`
#      ends their SSH session and locks the account "disabled at the IdP"; an
#      administrator's unlock plus a device-flow login restores it
#   C  a person removed from the IdP group mapped to sudo: after `fedjit
#      revalidate` `id` no longer shows sudo and sudo refuses
#   D  the IdP down: revalidation changes nothing
#   E  a refresh token is never in the public store, a log, or a dump
# B to E need fedjit-helper's op=revalidate; they are skipped until it answers.
. "$(dirname "$0")/lib.sh"
if [ -z "${FEDJIT_E2E_IN_NS:-}" ] && ! idp_available; then
	echo "1..0 # SKIP $IDP_SKIP_REASON"
	exit 0
fi
e2e_enter "$@"

# The audit sink for every process of the sandbox: an overlay over /etc adds
# ld.so.preload (before e2e_sandbox, whose bind mounts below /etc then sit on it).
sink_so=$top_builddir/tests/unit/.libs/audit_sink.so
have_audit=0
if [ -f "$sink_so" ] && "$top_builddir/tests/unit/audit_probe" && [ ! -e /etc/ld.so.preload ]; then
	mkdir -p "$E2E_TMP/etc-ov/upper" "$E2E_TMP/etc-ov/work"
	echo "$sink_so" >"$E2E_TMP/etc-ov/upper/ld.so.preload"
	mount -t overlay overlay \
		-o "lowerdir=/etc,upperdir=$E2E_TMP/etc-ov/upper,workdir=$E2E_TMP/etc-ov/work" /etc &&
		have_audit=1
fi
e2e_sandbox
audit=/run/fedjit-test-audit.log
: >"$audit"
if ! e2e_idp_start; then
	t_not_ok "the test IdP starts"
	t_done
fi
e2e_conf 'scopes=openid profile email groups offline_access'
e2e_pam sshd
e2e_pam sudo
e2e_sudoers nopasswd
if ! e2e_sshd_start 2222; then
	t_not_ok "sshd starts on 127.0.0.1:2222"
	t_done
fi
fj() { "$E2E_CLI_BIN" "$@"; }

# audit_has DESCRIPTION ERE: a record in the sink matches (skipped without audit)
audit_has() {
	if [ "$have_audit" != 1 ]; then
		t_skip "no audit netlink here" "$1"
		return
	fi
	t_match "$1" "$2" "$(cat "$audit")"
}

# session USER: an SSH session running `sleep 600` in the background ($sess_pid:
# the ssh client), once a process of USER runs on this side (10 s at most).
session() {
	local uid i
	E2E_ACTION="approve $1" e2e_ssh "$1" 'sleep 600' &
	sess_pid=$!
	for ((i = 0; i < 200; i++)); do
		uid=$(id -u "$1" 2>/dev/null) && pgrep -u "$uid" -x sleep >/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# gone PID: the process ends within 10 s
gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# ---- A. fedjit user lock ends a logged-in session ------------------------------
scenarioA() {
	local r out uid mark
	if ! r=$(e2e_need nss pam helper cli prov); then
		t_skip "$r" "A. user lock ends a logged-in session"
		return
	fi
	session dave
	t_check "A. dave is logged in over SSH, running sleep" $? "$(cat "$E2E_TMP/ssh.err")"
	uid=$(id -u dave)
	audit_has "A. the first login wrote ADD_USER, acting program fedjit-helper" \
		"type=1114 msg=op=add-user acct=\"dave\" id=$uid by=\"login\" reason=[0-9A-F]+ exe=\"[^\"]*fedjit-helper\""
	mark=$(e2e_log_mark)
	out=$(fj user lock dave --keep-sessions)
	sleep 1
	t_check "A. lock --keep-sessions: the session goes on" \
		"$(kill -0 "$sess_pid" 2>/dev/null && echo 0 || echo 1)" "$out"
	fj user unlock dave >/dev/null
	out=$(fj user lock dave)
	t_match "A. lock: the processes ended" '^sessions: [0-9]+ process(es)? ended' "$out"
	gone "$sess_pid"
	t_check "A. lock: the SSH session is over" $? "$out"
	t_eq "A. lock: no process of dave runs" "" "$(pgrep -u "$uid")"
	t_match "A. syslog: the lock, with what ended" \
		"account: op=lock-user acct=\"dave\" id=$uid by=\"admin\" res=success reason=\"administrator; sessions: [0-9]+ process" \
		"$(e2e_log_wait "$mark" 'op=lock-user acct="dave"')"
	audit_has "A. audit: ACCT_LOCK by the admin tool" \
		"type=1135 msg=op=lock-user acct=\"dave\" id=$uid by=\"admin\" reason=[0-9A-F]+ exe=\"[^\"]*/fedjit\""
	E2E_ACTION="approve dave" e2e_ssh dave true
	t_check "A. the next login is refused" "$([ $? -ne 0 ] && echo 0 || echo 1)"
	t_match "A. user show: lock reason administrator" '^lock reason: administrator$' \
		"$(fj user show dave)"
	fj user unlock dave >/dev/null
}

# Does the helper revalidate yet? (It says "unsupported" for an op it lacks.)
have_revalidate() {
	! fj revalidate nobody-here 2>&1 | grep -q 'does not implement op=revalidate'
}

# ---- B. disabled at the IdP --------------------------------------------------------
scenarioB() {
	local r out uid mark rc
	if ! r=$(e2e_need nss pam helper cli prov); then
		t_skip "$r" "B. disabled at the IdP"
		return
	fi
	if ! have_revalidate; then
		t_skip "fedjit-helper has no op=revalidate yet" "B. disabled at the IdP"
		return
	fi
	session gina
	t_check "B. gina is logged in over SSH" $? "$(cat "$E2E_TMP/ssh.err")"
	uid=$(id -u gina)
	t_match "B. user show: a refresh token is held after the device-flow login" \
		'^refresh: +token held$' "$(fj user show gina)"
	idp_revoke gina
	mark=$(e2e_log_mark)
	out=$(fj revalidate --sessions)
	rc=$?
	t_match "B. revalidate --sessions: gina disabled at the IdP, her session ended" \
		'^gina: disabled at the IdP \(locked; sessions ended\)$' "$out"
	gone "$sess_pid"
	t_check "B. the SSH session is over" $?
	t_eq "B. no process of gina runs" "" "$(pgrep -u "$uid")"
	out=$(fj user show gina)
	t_match "B. user show: disabled at the IdP" '^lock reason: disabled at the IdP$' "$out"
	t_match "B. user show: no refresh token any more" '^refresh: +none$' "$out"
	t_match "B. syslog: the lock by revalidation" \
		"account: op=lock-user acct=\"gina\" id=$uid by=\"revalidation\" res=success" \
		"$(e2e_log_wait "$mark" 'op=lock-user acct="gina"')"
	audit_has "B. audit: ACCT_LOCK by revalidation, acting program fedjit-helper" \
		"type=1135 msg=op=lock-user acct=\"gina\" id=$uid by=\"revalidation\" .*exe=\"[^\"]*fedjit-helper\""
	E2E_ACTION="approve gina" e2e_ssh gina true
	t_check "B. the next login is refused" "$([ $? -ne 0 ] && echo 0 || echo 1)"
	out=$(fj revalidate gina)
	t_match "B. revalidation never lifts the lock" '^gina: locked ' "$out"
	fj user unlock gina >/dev/null
	out=$(E2E_ACTION="approve gina" e2e_ssh gina id -un)
	t_eq "B. unlock + a device-flow login: gina is back" gina "$out"
	out=$(fj user show gina)
	t_match "B. ... lock reason none" '^lock reason: none$' "$out"
	t_match "B. ... a new refresh token" '^refresh: +token held$' "$out"
	t_match "B. ... verified by that login" '^verified: .*\(device-flow login\)$' "$out"
	audit_has "B. audit: ACCT_UNLOCK by the admin tool" \
		"type=1136 msg=op=unlock-user acct=\"gina\" id=$uid by=\"admin\""
}

# ---- C. removed from the IdP group mapped to sudo ------------------------------------
scenarioC() {
	local r out uid mark
	if ! r=$(e2e_need nss pam helper cli prov); then
		t_skip "$r" "C. sudo follows the IdP group"
		return
	fi
	if ! have_revalidate; then
		t_skip "fedjit-helper has no op=revalidate yet" "C. sudo follows the IdP group"
		return
	fi
	idp_set_groups hank '["staff","admins"]'
	out=$(E2E_ACTION="approve hank" e2e_ssh hank id)
	t_match "C. hank (IdP group admins) has sudo" 'groups=.*\(sudo\)' "$out"
	t_eq "C. sudo -n works for hank" 0 "$(e2e_as hank sudo -n true >/dev/null 2>&1; echo $?)"
	uid=$(id -u hank)
	idp_set_groups hank '["staff"]'
	mark=$(e2e_log_mark)
	out=$(fj revalidate hank)
	t_match "C. revalidate: verified, groups changed" '^hank: ok \(verified now; groups changed' "$out"
	t_check "C. id no longer shows sudo" \
		"$(id hank | grep -q '(sudo)' && echo 1 || echo 0)" "$(id hank)"
	t_check "C. sudo refuses hank" \
		"$(e2e_as hank sudo -n true >/dev/null 2>&1 && echo 1 || echo 0)"
	t_match "C. syslog: the groups change, removed sudo" \
		"account: op=update-groups acct=\"hank\" id=$uid by=\"revalidation\" res=success reason=\"removed sudo\\(27\\)\"" \
		"$(e2e_log_wait "$mark" 'op=update-groups acct="hank"')"
	audit_has "C. audit: USER_MGMT op=update-groups" \
		"type=1102 msg=op=update-groups acct=\"hank\" id=$uid by=\"revalidation\""
}

# ---- D. the IdP down ---------------------------------------------------------------
scenarioD() {
	local r out rc before
	if ! r=$(e2e_need nss pam helper cli prov) || ! have_revalidate; then
		t_skip "${r:-fedjit-helper has no op=revalidate yet}" "D. the IdP down"
		return
	fi
	E2E_ACTION="approve ivy" e2e_ssh ivy true
	before=$(fj user show ivy)
	idp_down
	out=$(fj revalidate ivy)
	rc=$?
	idp_up
	t_eq "D. IdP down: revalidate exits 1" 1 "$rc"
	t_match "D. ... says unreachable, nothing changed" '^ivy: unreachable \(nothing changed' "$out"
	t_eq "D. ... the account is as it was" "$(grep -v '^last check' <<<"$before")" \
		"$(fj user show ivy | grep -v '^last check')"
}

# ---- E. the refresh token stays secret ---------------------------------------------
scenarioE() {
	local r tokens t leaks=
	if ! r=$(e2e_need nss pam helper cli prov) || ! have_revalidate; then
		t_skip "${r:-fedjit-helper has no op=revalidate yet}" "E. refresh tokens stay secret"
		return
	fi
	tokens=$(for u in gina hank ivy; do idp_refresh_tokens "$u"; done)
	t_check "E. the IdP issued refresh tokens to the logins" "$([ -n "$tokens" ] && echo 0 || echo 1)"
	fj db dump >"$E2E_TMP/dump.json"
	fj db dump --secrets >"$E2E_TMP/dump-secrets.json"
	for t in $tokens; do
		grep -aqF -- "$t" "$E2E_STATE_DIR/fedjit.tdb" && leaks+=" store"
		grep -aqF -- "$t" "$E2E_SYSLOG" && leaks+=" syslog"
		grep -aqF -- "$t" "$E2E_TMP/dump.json" && leaks+=" dump"
		grep -aqF -- "$t" "$E2E_TMP/dump-secrets.json" && leaks+=" dump--secrets"
		grep -aqF -- "$t" "$audit" && leaks+=" audit"
		grep -aqF -- "$t" "$E2E_SSHD_LOG" && leaks+=" sshd-log"
	done
	t_eq "E. no refresh token in the public store, syslog, dumps, audit or sshd's log" "" "$leaks"
	# the positive control: the grep finds the current token where it must be
	t_check "E. ... while the private store holds the current one" \
		"$(for t in $tokens; do grep -aqF -- "$t" "$E2E_STATE_DIR/fedjit.private.tdb" && echo y; done | grep -q y && echo 0 || echo 1)"
}

scenarioA
scenarioB
scenarioC
scenarioD
scenarioE
t_done
