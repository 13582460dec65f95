#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Revalidation (pam/helper/revalidate.c, refresh_flow.c) against the real test IdP
# with refresh tokens: op=revalidate as `fedjit revalidate` sends it, and the account
# phase (op=account) revalidating on its own for every login method. The refresh
# token from the device-flow login, kept in the root-only secret store and rotated;
# a group removed at the IdP removes the mapped local group; the IdP down changes
# nothing; a revoked grant or a disabled person locks the account "disabled at the
# IdP", and revalidation never unlocks; a token answered for another subject locks;
# the offline policy (revalidate_after + offline_grace); no token anywhere but the
# secret store. Needs root.
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
[ "$STORE_OK" = 1 ] || { echo "1..0 # SKIP the store cannot create accounts yet"; exit 0; }
echo "1..45"

ISS=$FEDJIT_IDP_ISSUER
FEDJIT=$top_builddir/cli/fedjit
MKSTATE=$top_builddir/tests/helper/mkstate
approve() { # approve ACCOUNT -> a command for --approve
	echo "curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"$1\\\"}\" '$ISS/test/approve' >/dev/null"
}
CONF=$T/fedjit.conf
conf() { # conf KEY=VALUE...: provisioning into PRIMARY, sudo from admins, refresh tokens
	write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" \
		"scopes=openid profile email groups" offline_access=yes provisioning=always \
		domain=PRIMARY group_map=admins:sudo "$@"
	printf '[domain PRIMARY]\nhome = %s/home/%%u\nskel = none\n' "$T" >>"$CONF"
}
mkdir -p "$T/home"
keep_all_output # for the leak check at the end

conf
# 1-4: the device-flow login keeps a refresh token (offline_access asked for)
login --approve "$(approve alice)" alice
check "alice's first login" result_is ok
check "the secret store holds alice's state and refresh token" \
	eval 'private_keys | grep -qx state/alice && private_keys | grep -qx refresh/alice'
token1=$(idp_refresh_tokens alice | tail -n 1)
check "the IdP issued one (the test IdP lists it)" test -n "$token1"
check "the token is in no log line of the login" eval '! grep -qF -- "$token1" "$T/err" "$T/out"'

# 5-9: op=revalidate
revalidate alice
check "revalidate without force, just verified: fresh (not asked)" result_is fresh
before=$(field last_verified)
sleep 1
revalidate --force alice
check "revalidate --force: ok, the IdP vouched" result_is ok
check "... last_verified moved, the result says a token is held" \
	eval 'test "$(field last_verified)" -gt "$before" && test "$(field refresh_token)" = 1'
check "... the IdP rotated the refresh token; the new one is kept" \
	eval 'test "$(field token_rotated)" = 1 && test "$(idp_refresh_tokens alice | tail -n 1)" != "$token1"'
check "... groups unchanged (groups_changed=0), still in sudo" \
	eval 'test "$(field groups_changed)" = 0 && show alice | grep -q "sudo"'

# 10-12: a group removed at the IdP
idp_set_groups alice '["staff"]'
revalidate --force alice
check "a group removed at the IdP: ok, groups_changed=1" \
	eval 'result_is ok && test "$(field groups_changed)" = 1'
check "... sudo (mapped from admins) is gone from the account" eval '! show alice | grep -q sudo'
check "... the audit line of the change (by revalidation)" \
	err_has 'account: op=update-groups acct="alice" .*by="revalidation".*removed sudo(27)'
idp_set_groups alice '["staff","admins"]'

# 13-16: the IdP down changes nothing
last=$(show alice | sed -n 's/^verified: *//p')
idp_down
revalidate --force alice
check "the IdP down: unreachable, within the offline grace (offline_ok=1)" \
	eval 'result_is unreachable && test "$(field offline_ok)" = 1'
check "... the account as it was (not locked, same last verification)" \
	eval 'show alice | grep -q "^locked: *no" && test "$(show alice | sed -n "s/^verified: *//p")" = "$last"'
check "... a refresh token is still held" eval 'test "$(field refresh_token)" = 1'
idp_up
login --op account alice
check "the account phase after that: ok" result_is ok

# 17-23: the grant revoked at the IdP
idp_revoke alice
revalidate --force alice
check "grant revoked: disabled, lock reason idp, no refresh token any more" \
	eval 'result_is disabled && test "$(field lock_reason)" = idp && test "$(field refresh_token)" = 0'
check "... the store has alice locked, and the token record is gone" \
	eval 'show alice | grep -q "^locked: *yes" && ! private_keys | grep -qx refresh/alice'
check "... the lock is audited (by revalidation)" \
	err_has 'account: op=lock-user acct="alice" .*by="revalidation".*disabled at the IdP'
revalidate --force alice
check "revalidation never lifts the lock: locked, not asked" \
	eval 'result_is locked && test "$(field lock_reason)" = idp'
login --op account alice
check "the account phase: disabled, with its message" \
	eval 'result_is disabled && grep -q "message=This account was disabled by its identity provider" "$T/out"'
login --approve "$(approve alice)" alice
check "a device-flow login alone does not lift it: disabled" result_is disabled
"$FEDJIT" --config "$CONF" user unlock alice >/dev/null 2>&1
login --approve "$(approve alice)" alice
check "the administrator's unlock, then a device-flow login: ok, a token again" \
	eval 'result_is ok && private_keys | grep -qx refresh/alice'

# 24-27: the account phase revalidates by itself once revalidate_after has passed
conf revalidate_after=1
login --approve "$(approve bob)" bob
sleep 2
login --op account bob
check "account phase past revalidate_after: revalidated (ok), the IdP asked" \
	eval 'result_is ok && err_has "revalidation of bob: ok"'
idp_disable bob
sleep 2
login --op account bob
check "bob disabled at the IdP: the account phase refuses (disabled)" result_is disabled
check "... and locked him" eval 'show bob | grep -q "^locked: *yes"'
idp_enable bob
login --op account bob
check "... the next account phase too, without asking (locked)" \
	eval 'result_is disabled && ! err_has "revalidation of bob"'

# 28-31: the offline policy
idp_api POST /test/user '{"account":"dora","sub":"u-0009-dora","password":"x","claims":{"preferred_username":"dora","name":"Dora","groups":["staff"]}}' >/dev/null
conf revalidate_after=1 offline_grace=30
login --approve "$(approve dora)" dora
sleep 2
idp_down
login --op account dora
check "IdP down, within offline_grace: the account phase lets dora in" \
	eval 'result_is ok && err_has "revalidation of dora: unreachable"'
conf revalidate_after=1 offline_grace=1
sleep 1
login --op account dora
check "IdP down, past offline_grace: refused (unverified), with the reason" \
	eval 'result_is unverified && grep -q "message=Your identity provider could not confirm this account recently enough" "$T/out"'
check "... the log says when it was last verified and what is allowed" \
	err_has 'dora was last verified by IdP test .* ago; allowed without a new check: 1 s (revalidate_after) + 1 s (offline_grace)'
idp_up
login --op account dora
check "the IdP back, within a minute of the failed check: not asked again, still refused" \
	result_is unverified

# 32-34: no refresh token
conf
"$MKACCOUNT" "$T/fedjit.tdb" carol 200003 test "$ISS" u-0003-carol >/dev/null
revalidate --force carol
check "an account without a refresh token: no_token, nothing asked" \
	eval 'result_is no_token && ! err_has "network child"'
login --op account carol
check "... never verified: the account phase refuses it (unverified)" result_is unverified
"$MKSTATE" "$T/fedjit.tdb" carol groups=contractors ago=60
login --op account carol
check "... verified a minute ago by a device flow: allowed (within revalidate_after)" result_is ok

# 35-36: a refresh token that answers for another subject
# bob's login (refused: he is locked) still makes the IdP issue a token under his grant
login --approve "$(approve bob)" bob
bobtok=$(idp_refresh_tokens bob | tail -n 1)
"$MKSTATE" "$T/fedjit.tdb" carol groups=contractors ago=7200 "token=$bobtok" "issuer=$ISS" \
	client=fedjit-public
revalidate --force carol
check "carol's record holding bob's token: the IdP answers for bob: disabled" \
	eval 'result_is disabled && grep -q "another subject" "$T/out"'
check "... carol locked, disabled at the IdP" eval 'show carol | grep -q "^locked: *yes"'

# 37-38: the refresh tokens are in no log and not in the public store
all_tokens=$(for u in alice bob dora; do idp_refresh_tokens "$u"; done)
leaks=0
for t in $all_tokens; do
	grep -qaF -- "$t" "$T/fedjit.tdb" "$T/all" && leaks=$((leaks + 1))
	"$FEDJIT" --config "$CONF" db dump 2>&1 | grep -qF -- "$t" && leaks=$((leaks + 1))
done
check "no refresh token in the public store, the helper's log or a dump ($(echo $all_tokens | wc -w) tokens)" \
	test "$leaks" = 0
check "the private store (0600) is where they are" \
	eval 'test "$(stat -c %a "$T/fedjit.private.tdb")" = 600 && grep -qaF -- "$(idp_refresh_tokens alice | tail -n 1)" "$T/fedjit.private.tdb"'

# 39-45: a refresh answered without an ID token (RFC 6749 §6; Glewlwyd always answers so)
idp_config '{"refresh_id_token":false}'
idp_set_groups alice '["staff"]'
revalidate --force alice
check "no ID token in the refresh answer: ok, the claims from UserInfo" \
	eval 'result_is ok && err_has "no ID token in the refresh answer: claims from UserInfo"'
check "... admins removed at the IdP, seen through UserInfo: sudo gone" \
	eval 'test "$(field groups_changed)" = 1 && ! show alice | grep -q sudo'
before=$(field last_verified)
idp_set_groups alice '["staff","admins"]'
idp_config '{"userinfo_down":true}'
sleep 1 # last_verified counts seconds
revalidate --force alice
check "no ID token and UserInfo down, group_map in use: error, not a verification" \
	eval 'result_is error && grep -q "without a new ID token and without claims (UserInfo: HTTP 503)" "$T/out"'
check "... nothing changed: not locked, same last verification, groups as they were" \
	eval 'show alice | grep -q "^locked: *no" && test "$(field last_verified)" = "$before" && ! show alice | grep -q sudo'
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" \
	"scopes=openid profile email groups" offline_access=yes provisioning=always domain=PRIMARY
printf '[domain PRIMARY]\nhome = %s/home/%%u\nskel = none\n' "$T" >>"$CONF"
revalidate --force alice
check "... the same with no setting that uses groups: ok, the grant is alive" \
	eval 'result_is ok && grep -q "no setting uses groups" "$T/out"'
check "... last verification moved" test "$(field last_verified)" -gt "$before"
idp_config '{"userinfo_down":false,"refresh_id_token":true}'
conf
revalidate --force alice
check "ID tokens again: ok, admins back, sudo again" \
	eval 'result_is ok && test "$(field groups_changed)" = 1 && show alice | grep -q sudo'

helper_done
