#!/bin/bash
# fedjit-helper against the misbehaving IdP (tests/idp/bad-idp.mjs): every bad token and
# bad response fails the login with a logged reason, and the good scenarios still work.
# The store file does not exist here, so an accepted identity ends as no_account: that
# is the "ID token accepted" outcome these tests look for.
. "$(dirname "$0")/lib.sh"
helper_setup
if [ ! -f "$top_srcdir/tests/idp/bad-idp.mjs" ]; then
	echo "1..0 # SKIP tests/idp/bad-idp.mjs not available"
	exit 0
fi
bad_idp_start || { echo "1..0 # SKIP the misbehaving IdP did not start"; exit 0; }

CONF=$T/fedjit.conf
# scenario STATUS LOG-REGEX [CONFIG-KEY=VALUE...]: one login with a fresh cache
scenario() {
	local name=$1 status=$2 re=$3
	shift 3
	bad_idp_scenario "$name" || { not_ok "$name: scenario not known to bad-idp.mjs"; return; }
	write_config "$CONF" "issuer=$FEDJIT_BAD_IDP_ISSUER" client_id=fedjit-public \
		"ca_file=$FEDJIT_BAD_IDP_CA" "$@"
	rm -rf "$T/cache"
	login --timeout 20 alice
	local chk=check
	[ "$status" = no_account ] && chk=check_store
	$chk "$name: $status ($re)" \
		bash -c "grep -q '^result status=$status\\b' '$T/out' && grep -Eq -- '$re' '$T/err' && grep -q '^exit=0$' '$T/out' && ! grep -q 'network child exited with status\|network child killed' '$T/err'"
}
ACCEPTED="identity \\(https://127.0.0.1:[0-9]+, u-0001-alice\\)"

tests=(
	"good no_account $ACCEPTED"
	"good-es256 no_account $ACCEPTED"
	"good-eddsa no_account $ACCEPTED"
	"multi-aud-azp no_account $ACCEPTED"
	"pending-once no_account $ACCEPTED"
	"slow-down-once no_account slow_down: polling every"
	"pending-428-once no_account $ACCEPTED"
	"slow-down-403-once no_account slow_down: polling every"
	"token-403-no-error error HTTP 403 without an OAuth error"
	"wrong-iss error ID token refused: iss"
	"wrong-aud error ID token refused: aud"
	"multi-aud-no-azp error ID token refused: azp"
	"azp-wrong error ID token refused: azp"
	"expired error ID token refused: exp"
	"nbf-future error ID token refused: nbf"
	"iat-future error ID token refused: iat"
	"alg-none error ID token refused"
	"hs256-rsa-pem error ID token refused"
	"unknown-kid error ID token refused: kid"
	"bad-signature error ID token refused: signature"
	"missing-sub error ID token refused: sub"
	"id-token-garbage error ID token refused"
	"no-id-token error token response refused"
	"access_denied denied access_denied"
	"expired_token expired expired_token"
	"invalid_grant error invalid_grant"
	"discovery-wrong-issuer error discovery document refused"
	"discovery-http-endpoints error discovery document refused"
	"discovery-no-device-endpoint error discovery document refused"
	"jwks-too-many error JWKS refused"
	"jwks-empty error ID token refused"
	"device-error error device authorization request"
	"truncated-json@token error token response refused"
	"garbage@discovery error discovery document refused"
	"huge@token error larger than"
	"huge@jwks error larger than"
	"redirect-http@discovery error redirect refused"
	"redirect-https@token error redirect refused"
	"status-500@device error HTTP 500"
)
echo "1..$((${#tests[@]} + 6))"
for t in "${tests[@]}"; do
	read -r name status re <<<"$t"
	scenario "$name" "$status" "$re"
done
# the IdP is slow: each request has its own timeout
scenario slow@device unreachable "timed out" http_timeout=2
scenario drip@token unreachable "timed out" http_timeout=2
# an IdP whose discovery document lacks the device endpoint: the configured one is used
scenario discovery-no-device-endpoint no_account "$ACCEPTED" \
	"device_authorization_endpoint=$FEDJIT_BAD_IDP_ISSUER/device/auth"
# claims from userinfo must belong to the same subject
scenario userinfo-sub-mismatch error "userinfo refused" userinfo=yes
# Entra ID's groups overage: fine while no setting uses groups, refused with the
# reason when one does
scenario groups-overage no_account "$ACCEPTED"
scenario groups-overage error "no groups claim, only a reference to it" allowed_groups=admins
helper_done
