#!/bin/bash
# fedjit-helper against a second IdP implementation, Glewlwyd (tests/glewlwyd): the
# device flow approved by a person at Glewlwyd (sign in, grant, enter the code), the
# account bound to Glewlwyd's random subject, a key rotated while the person signs in,
# allowed_groups with and without a groups claim, the grant page skipped, idp test and
# login-test, the IdP down. Root only; skips when the glewlwyd package is missing.
. "$(dirname "$0")/lib.sh"
helper_setup
. "$top_srcdir/tests/glewlwyd/lib.sh"
if ! gw_available; then
	echo "1..0 # SKIP $GW_SKIP_REASON"
	exit 0
fi
gw_start || { echo "1..0 # SKIP Glewlwyd did not start"; exit 0; }
trap 'gw_stop; rm -rf "$T"' EXIT
echo "1..19"

ISS=$FEDJIT_GW_ISSUER
# approve USER [SCOPES] [rotate]: a command for --approve (USER_CODE from the client)
approve() {
	local rot=
	[ "${3:-}" = rotate ] && rot="gw_rotate_key && "
	echo "bash -c '. \"$top_srcdir/tests/glewlwyd/lib.sh\" && . \"$FEDJIT_GW_DIR/env\" && $rot gw_approve \"\$USER_CODE\" $1 \"${2:-openid profile email groups}\"'"
}
conf() { # conf KEY=VALUE...: the IdP section for Glewlwyd, provisioning into domain P
	write_config "$CONF" "issuer=$ISS" client_id=fedjit "ca_file=$FEDJIT_GW_CA" client_auth=none \
		"scopes=openid profile email groups" provisioning=always domain=P "$@"
	cat >>"$CONF" <<EOF

[domain P]
uid_min = 300000
uid_max = 300999
home = $T/home/%u
EOF
}
CONF=$T/fedjit.conf
mkdir -p "$T/home"
conf

# 1-4: first login
login --approve "$(approve alice)" alice
check_store "alice's first login through Glewlwyd creates her account" \
	grep -q "^result status=ok idp=test issuer=$ISS subject=[A-Za-z0-9]\{32\} account=alice$" "$T/out"
check "the device message carries Glewlwyd's code (letters and digits) and URL" \
	grep -q "^device user_code=[A-Z0-9]\{4\}-[A-Z0-9]\{4\} verification_uri=$ISS/device " "$T/out"
sub=$(sed -n 's/^result status=ok .*subject=\([^ ]*\) .*/\1/p' "$T/out")
login --approve "$(approve alice)" alice
check_store "her returning login: the same identity, no new account" \
	grep -q "^result status=ok idp=test issuer=$ISS subject=$sub account=alice$" "$T/out"
login --approve "$(approve bob)" alice
check_store "bob approving a login as alice: wrong_account" result_is wrong_account

# 5-7: the key rotated between the device authorization and the token, cold cache
rm -rf "$T/cache"
kid=$(gw_kid)
login --approve "$(approve alice "openid profile email groups" rotate)" alice
check "Glewlwyd rotated its key during the sign-in" test "$(gw_kid)" != "$kid"
check_store "... the login succeeds after one JWKS refetch" \
	bash -c "grep -q '^result status=ok' '$T/out' && [ \$(grep -c 'refetching the JWKS' '$T/err') = 1 ]"
rm -f "$T"/cache/*.jwks "$T"/cache/*.discovery
login --approve "$(approve alice "openid profile email groups" rotate)" alice
check "a second rotation within the rate limit is refused: no key in the JWKS" \
	bash -c "grep -q '^result status=error.*no key' '$T/out' && ! grep -q 'refetching' '$T/err'"
rm -f "$T"/cache/*.jwks-refetch

# 8-12: allowed_groups and the groups claim
conf allowed_groups=admins
login --approve "$(approve bob)" bob
check "allowed_groups=admins: bob (staff) is not allowed, for his groups" \
	bash -c "grep -q '^result status=not_allowed' '$T/out' && grep -q 'in none of allowed_groups' '$T/out'"
login --approve "$(approve carol)" carol
check "carol (no groups, so Glewlwyd sends no groups claim): not allowed, and told why" \
	bash -c "grep -q '^result status=not_allowed message=You are not allowed to sign in here: the identity provider did not say which groups you are in' '$T/out' &&
		grep -q 'sent no groups claim, so allowed_groups cannot match.*scopes = openid profile email groups' '$T/out'"
conf allowed_groups=admins "scopes=openid profile email"
login --approve "$(approve alice "openid profile email")" alice
check "without the groups scope even alice is refused: no groups claim (scopes named)" \
	bash -c "grep -q '^result status=not_allowed' '$T/out' && grep -q 'sent no groups claim.*(scopes = openid profile email)' '$T/out'"
conf allowed_groups=admins
login --approve "$(approve alice)" alice
check_store "with it alice (admins) is allowed" result_is ok
conf # carol's account, then provisioning off: the binding decides
login --approve "$(approve carol)" carol
conf allowed_groups=admins provisioning=none
login --approve "$(approve carol)" carol
check_store "provisioning=none, no groups claim: the binding's refusal says so too" \
	bash -c "grep -q '^result status=not_allowed' '$T/out' && grep -q 'sent no groups claim' '$T/out'"

# 13: the person skips Glewlwyd's grant page: the code is spent with openid alone
gw_user_add dave staff
conf
login --approve "$(approve dave openid)" dave
check "dave did not grant profile: no preferred_username, the first login is refused with the reason" \
	bash -c "grep -q '^result status=error' '$T/out' && grep -q 'claim preferred_username missing' '$T/out' && ! grep -q 'account=dave' '$T/out'"

# 14-17: fedjit idp test and login-test through the admin tool
FEDJIT=$top_builddir/cli/fedjit
conf allowed_groups=admins
"$FEDJIT" --config "$CONF" idp test test --helper "$HELPER" >"$T/out" 2>"$T/err"
rc=$?
check "idp test against Glewlwyd: exit 0" test "$rc" = 0
check "... public client accepted though Glewlwyd does not list none" \
	grep -q "^client_auth  *ok   none accepted (device authorization); the IdP's token_endpoint_auth_methods_supported does not list it" "$T/out"
check "... groups: Glewlwyd lists the claim, its scope is requested" \
	grep -q '^groups  *ok   the IdP lists the groups claim, and its scope is requested' "$T/out"
conf allowed_groups=admins "scopes=openid profile email"
"$FEDJIT" --config "$CONF" idp test test --helper "$HELPER" >"$T/out" 2>"$T/err"
check "... without the groups scope: warn, naming the scope" \
	grep -q '^groups  *warn the IdP has a "groups" scope that scopes = openid profile email does not request' "$T/out"
conf group_map=admins:sudo "scopes=openid profile email"
login --op login-test --dry-run 1 --approve "$(approve alice "openid profile email")" alice
check "login-test: told that the token had no groups claim" \
	grep -q '^info text=The identity provider sent no groups claim (scopes: openid profile email)' "$T/out"

# 19: the IdP is down
conf
gw_stop_keep_ca() { cp "$FEDJIT_GW_CA" "$T/gw-ca.pem" && gw_stop; }
gw_stop_keep_ca
write_config "$CONF" "issuer=$ISS" client_id=fedjit "ca_file=$T/gw-ca.pem" client_auth=none
login alice
check "Glewlwyd down: unreachable" result_is unreachable

helper_done
