#!/bin/bash
# op=idp-test (`fedjit idp test NAME`): the helper checks an IdP step by step against the
# real test IdP: all good; a wrong client secret; an issuer that differs from the
# document's; a CA that does not sign the IdP's certificate; and once through the admin
# tool itself.
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
echo "1..9"
ISS=$FEDJIT_IDP_ISSUER
CONF=$T/fedjit.conf
secret() { printf '%s\n' "$1" >"$T/secret" && chmod 600 "$T/secret"; }
steps_ok() { # every step of the list is ok
	for s in tls discovery issuer jwks device_endpoint client_auth; do
		grep -q "^check step=$s status=ok" "$T/out" || return 1
	done
}

secret fedjit-basic-secret
write_config "$CONF" "issuer=$ISS" client_id=fedjit-basic "ca_file=$FEDJIT_IDP_CA" \
	client_auth=client_secret_basic "client_secret_file=$T/secret"
login --op idp-test --idp test -
check "a good IdP: every step ok, result ok" bash -c "$(declare -f steps_ok); T='$T' steps_ok && grep -q '^result status=ok' '$T/out'"

secret wrong-secret
login --op idp-test --idp test -
check "a wrong client secret: client_auth fails, result error" \
	bash -c "grep -q '^check step=client_auth status=fail text=client_secret_basic: invalid_client' '$T/out' && grep -q '^result status=error' '$T/out'"

secret fedjit-basic-secret
write_config "$CONF" "issuer=$ISS/" client_id=fedjit-basic "ca_file=$FEDJIT_IDP_CA" \
	client_auth=client_secret_basic "client_secret_file=$T/secret"
login --op idp-test --idp test -
check "an issuer with a trailing slash: issuer fails, later steps skipped" \
	bash -c "grep -q '^check step=issuer status=fail' '$T/out' && grep -q '^check step=jwks status=skip' '$T/out' && grep -q '^result status=error' '$T/out'"

write_config "$CONF" "issuer=$ISS" client_id=fedjit-basic "ca_file=$FEDJIT_IDP_DIR/ca/otherca.pem" \
	client_auth=client_secret_basic "client_secret_file=$T/secret"
login --op idp-test --idp test -
check "another CA: tls fails, every later step skipped" \
	bash -c "grep -q '^check step=tls status=fail' '$T/out' && [ \$(grep -c '^check step=.* status=skip' '$T/out') = 6 ]"

# the groups step: whether the token can carry what allowed_groups needs
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
login --op idp-test --idp test -
check "groups: no setting uses groups: skipped, result ok" \
	bash -c "grep -q '^check step=groups status=skip text=allowed_groups, group_map and create_groups are not set' '$T/out' && grep -q '^result status=ok' '$T/out'"
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" allowed_groups=admins
login --op idp-test --idp test -
check "groups: allowed_groups, but the IdP's groups scope is not requested: warn, result ok" \
	bash -c "grep -q '^check step=groups status=warn text=the IdP has a \"groups\" scope that scopes = openid profile email does not request' '$T/out' && grep -q '^result status=ok' '$T/out'"
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" allowed_groups=admins \
	"scopes=openid profile email groups"
login --op idp-test --idp test -
check "groups: the claim listed and its scope requested: ok" \
	grep -q '^check step=groups status=ok text=the IdP lists the groups claim, and its scope is requested' "$T/out"

login --op idp-test --idp nope -
check "an IdP that is not configured: result error" \
	bash -c "grep -q '^result status=error.*nope' '$T/out' && ! grep -q '^check' '$T/out'"

# through the admin tool
write_config "$CONF" "issuer=$ISS" client_id=fedjit-basic "ca_file=$FEDJIT_IDP_CA" \
	client_auth=client_secret_basic "client_secret_file=$T/secret"
FEDJIT=$top_builddir/cli/fedjit
if [ -x "$FEDJIT" ]; then
	"$FEDJIT" --config "$CONF" idp test test --helper "$HELPER" >"$T/out" 2>"$T/err"
	rc=$?
	check "fedjit idp test with the real helper: exit 0, six steps ok" \
		bash -c "[ $rc = 0 ] && [ \$(grep -Ec '^(tls|discovery|issuer|jwks|device_endpoint|client_auth) +ok' '$T/out') = 6 ]"
else
	ok "fedjit idp test with the real helper # SKIP cli/fedjit not built"
fi
helper_done
