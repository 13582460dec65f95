#!/bin/bash
# fedjit-helper against the real test IdP (tests/idp, oidc-provider over HTTPS): the whole
# device flow through the module protocol, privilege drop, cache, client authentication
# methods, binding to existing accounts, key rotation, and the ways a login ends.
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
echo "1..35"

ISS=$FEDJIT_IDP_ISSUER
approve() { # approve ACCOUNT -> a command for --approve
	echo "curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"$1\\\"}\" '$ISS/test/approve' >/dev/null"
}
DENY="curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\"}\" '$ISS/test/deny' >/dev/null"
stats() { idp_api GET /test/stats; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
track() { :; } # login counts unclean runs (lib.sh)

CONF=$T/fedjit.conf
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice &&
	"$MKACCOUNT" "$T/fedjit.tdb" bob 200002 test "$ISS" u-0002-bob &&
	"$MKACCOUNT" "$T/fedjit.tdb" carol 200003 test "$ISS" u-0003-carol locked ||
	echo "# mkaccount failed: the store is not usable"

# 1-6: a first login: privilege drop, verified identity, cache
login --approve "$(approve alice)" alice
track
nobody=$(id -u nobody)
check "network child runs as the helper user, no groups" \
	err_has "network child: uid=$nobody $nobody $nobody $nobody gid=[0-9]* [0-9]* [0-9]* [0-9]* groups= "
check "network child has no_new_privs and is not dumpable" err_has "nonewprivs=1 dumpable=0"
check "the root parent is not dumpable either (no core keeps a secret or a refresh token)" \
	err_has "root parent: dumpable=0"
check "device message reaches the module with a user code" out_has "^device user_code=[A-Z-]* verification_uri=$ISS/device"
check_store "alice logs in to her linked account" \
	grep -q "^result status=ok idp=test issuer=$ISS subject=u-0001-alice account=alice" "$T/out"
check "cache dir 0700 with two 0600 documents" \
	test "$(stat -c %a "$T/cache")" = 700 -a "$(stat -c %a "$T"/cache/*.discovery "$T"/cache/*.jwks | sort -u)" = 600

# 7-8: steady state: discovery and JWKS from the cache
idp_api POST /test/stats/reset >/dev/null
login --approve "$(approve alice)" alice
track
check_store "second login succeeds" result_is ok
s=$(stats)
check "second login fetches neither discovery nor JWKS (device request + polls only)" \
	bash -c "! grep -q 'well-known\|GET /jwks' <<<'$s' && grep -q 'POST /device/auth\":1' <<<'$s'"

# 9-11: the person says no, the code expires, the IdP asks to slow down
login --approve "$DENY" alice
track
check "denied at the IdP: status denied" result_is denied
idp_config '{"device_expires_in":2}' >/dev/null
login alice
track
check "device code expires: status expired" result_is expired
idp_config '{"device_expires_in":600}' >/dev/null
idp_token_error slow_down 1 >/dev/null
login --approve "$(approve alice)" alice
track
check_store "slow_down adds 5 s to the interval and the login still succeeds" \
	bash -c "grep -q 'slow_down: polling every 6 s' '$T/err' && grep -q '^result status=ok' '$T/out'"

# 12-15: binding (ARCHITECTURE.md invariant 3)
login --approve "$(approve mallory)" alice
track
check_store "mallory (preferred_username alice) gets nothing for alice's account" result_is wrong_account
check_store "the log names the identity and the claimed name" \
	err_has "identity ($ISS, u-0666-mallory) \[claimed name alice\]: account alice belongs to another identity ($ISS, u-0001-alice)"
login --approve "$(approve bob)" alice
track
check_store "bob signing in for alice: wrong_account" \
	bash -c "grep -q '^result status=wrong_account' '$T/out' && grep -q 'owns account bob, not alice' '$T/err'"
login --approve "$(approve carol)" carol
track
check_store "a locked account: status locked" result_is locked

# 16: an identity without an account while provisioning is off
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
login --approve "$(approve alice)" dave
track
check_store "alice signing in for dave (no account): wrong_account, never dave" \
	bash -c "grep -q '^result status=wrong_account' '$T/out' && ! grep -q 'account=dave' '$T/out'"

# 17-19: client authentication methods (and ES256 / EdDSA ID tokens)
printf 'fedjit-basic-secret\n' >"$T/basic.secret"
printf 'fedjit-post-secret' >"$T/post.secret"
chmod 600 "$T/basic.secret" "$T/post.secret"
write_config "$CONF" "issuer=$ISS" client_id=fedjit-basic "ca_file=$FEDJIT_IDP_CA" \
	client_auth=client_secret_basic "client_secret_file=$T/basic.secret"
login --approve "$(approve alice)" alice
track
check_store "client_secret_basic" result_is ok
write_config "$CONF" "issuer=$ISS" client_id=fedjit-post "ca_file=$FEDJIT_IDP_CA" \
	client_auth=client_secret_post "client_secret_file=$T/post.secret"
login --approve "$(approve alice)" alice
track
check_store "client_secret_post (ES256 ID token)" result_is ok
cp "$FEDJIT_IDP_CLIENT_KEY" "$T/client.key" && chmod 600 "$T/client.key"
write_config "$CONF" "issuer=$ISS" client_id=fedjit-jwt "ca_file=$FEDJIT_IDP_CA" \
	client_auth=private_key_jwt "private_key_file=$T/client.key" private_key_alg=RS256
login --approve "$(approve alice)" alice
track
check_store "private_key_jwt (EdDSA ID token)" result_is ok

# 20-22: key rotation: one refetch, rate limited
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
idp_rotate RS256 >/dev/null
login --approve "$(approve alice)" alice
track
check_store "after key rotation the next login refetches the JWKS and succeeds" \
	bash -c "grep -q 'refetching the JWKS' '$T/err' && grep -q '^result status=ok' '$T/out'"
idp_rotate RS256 >/dev/null
login --approve "$(approve alice)" alice
track
check "a second rotation within 60 s is not refetched (rate limit): unknown kid refused" \
	bash -c "grep -q '^result status=error' '$T/out' && grep -q 'kid: no key' '$T/err' && ! grep -q 'refetching' '$T/err'"
touch -d '-2 minutes' "$T"/cache/*.jwks-refetch
login --approve "$(approve alice)" alice
track
check_store "once the rate limit passed, the refetch happens again" result_is ok

# 23-24: required acr
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" \
	required_acr=urn:fedjit:acr:mfa
login --approve "$(approve bob)" bob
track
check "required_acr: bob (acr pwd) is refused" \
	bash -c "grep -q '^result status=error' '$T/out' && grep -q 'acr' '$T/err'"
login --approve "$(approve alice)" alice
track
check_store "required_acr: alice (acr mfa) logs in" result_is ok

# 25-26: deadline, client gone
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
login --timeout 3 alice
track
check "nobody approves: the deadline ends the login (status timeout)" result_is timeout
login --close-after-device alice
track
check "the module goes away: the helper stops" \
	bash -c "! grep -q '^result' '$T/out' && grep -q 'client went away' '$T/err'"

# 27-28: IdP down, wrong CA
write_config "$CONF" "issuer=https://127.0.0.1:$(free_port)" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
login alice
track
check "IdP down (connection refused): status unreachable" result_is unreachable
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_DIR/ca/otherca.pem"
rm -rf "$T/cache"
login alice
track
check "TLS with the wrong CA is refused" \
	bash -c "grep -q '^result status=error' '$T/out' && grep -qi 'certificate' '$T/err'"

# 29-30: allowed_groups (checked at authentication, with the IdP's groups claim)
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" \
	"allowed_groups=admins" "scopes=openid profile email groups"
login --approve "$(approve alice)" alice
track
check_store "allowed_groups: alice (staff, admins) logs in" result_is ok
login --approve "$(approve bob)" bob
track
check_store "allowed_groups: bob (staff) is not allowed" result_is not_allowed

# 31-35: op=account (pam_sm_acct_mgmt) answers from the store, without the IdP
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
login --op account alice
track
check_store "account: alice is fine" grep -q "^result status=ok idp=test issuer=$ISS subject=u-0001-alice account=alice" "$T/out"
login --op account carol
track
check_store "account: carol is locked" result_is locked
login --op account dave
track
check "account: dave is not a fedjit account (unknown_user)" result_is unknown_user
IDP_SECTION=other write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
login --op account alice
track
check_store "account: alice's IdP is no longer configured (idp_removed)" result_is idp_removed
check "account: no IdP traffic (no device message)" bash -c "! grep -q '^device' '$T/out'"

helper_done
