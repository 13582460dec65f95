#!/bin/bash
# The IdP rotates its signing key while a person signs in: the JWKS the helper fetched
# before the device authorization (an empty cache) lacks the key the ID token is signed
# with when the token comes minutes later. The helper refetches once (rate limited),
# never more than one extra fetch per run; a refetch inside the rate limit is refused.
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
echo "1..9"

ISS=$FEDJIT_IDP_ISSUER
# approve ACCOUNT [rotate]: a command for --approve; "rotate" first publishes a new
# RS256 key, which signs every token from then on (after the device authorization)
approve() {
	local rot=
	[ "${2:-}" = rotate ] && rot="curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary '{\"alg\":\"RS256\"}' '$ISS/test/rotate' >/dev/null && "
	echo "$rot curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"$1\\\"}\" '$ISS/test/approve' >/dev/null"
}
jwks_gets() { idp_api GET /test/stats | idp_json 'requests.GET /jwks'; }

CONF=$T/fedjit.conf
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice ||
	echo "# mkaccount failed: the store is not usable"

# 1-4: an empty cache: the JWKS is fetched at the start of the run, the key rotates
# while the person approves
rm -rf "$T/cache"
idp_api POST /test/stats/reset >/dev/null
login --approve "$(approve alice rotate)" alice
check_store "rotation during the sign-in, keys fetched in the same run: the login succeeds" result_is ok
check "... after one refetch for the unknown kid" \
	bash -c "[ \$(grep -c 'refetching the JWKS' '$T/err') = 1 ] && grep -q 'JWKS refetched for an unknown key id' '$T/err'"
check "... two JWKS fetches in the run: the first and the one extra" test "$(jwks_gets)" = 2
check "the refetch is recorded for the rate limit" test -f "$(ls "$T"/cache/*.jwks-refetch 2>/dev/null | head -n 1)"

# 5-6: again within the rate limit (60 s): no refetch, the unknown kid is refused
rm -f "$T"/cache/*.jwks "$T"/cache/*.discovery
idp_api POST /test/stats/reset >/dev/null
login --approve "$(approve alice rotate)" alice
check "a second rotation within 60 s: refused for the unknown kid" \
	bash -c "grep -q '^result status=error' '$T/out' && grep -q 'kid: no key' '$T/err' && ! grep -q 'refetching' '$T/err'"
check "... with the one fetch of the run only" test "$(jwks_gets)" = 1

# 7-8: past the rate limit, keys from the cache: the refetch happens again
touch -d '-2 minutes' "$T"/cache/*.jwks-refetch
idp_api POST /test/stats/reset >/dev/null
login --approve "$(approve alice rotate)" alice
check_store "rotation during the sign-in, keys from the cache: the login succeeds" result_is ok
check "... with one JWKS fetch, the refetch" test "$(jwks_gets)" = 1

# 9: no rotation: no refetch, the token's key is in the fetched set
rm -rf "$T/cache"
idp_api POST /test/stats/reset >/dev/null
login --approve "$(approve alice)" alice
check_store "no rotation: one JWKS fetch, no refetch" \
	bash -c "grep -q '^result status=ok' '$T/out' && ! grep -q 'refetching' '$T/err' && [ '$(jwks_gets)' = 1 ]"

helper_done
