#!/bin/bash
# Every limit the IdP controls, exceeded by the misbehaving IdP (tests/idp/bad-idp.mjs):
# response size, JSON depth, number of claims and groups, string lengths, JWKS size and
# number of keys, polling duration. Each login fails cleanly (a result, a logged reason
# naming the limit, the helper exits normally, the network child was not killed) and
# the store was not touched. The real network child reports no capabilities. Also the faults a network gives: nothing listening, a name
# that does not resolve. (TLS faults: tests/helper/helper-tls.sh.)
# In the valgrind run of the suite (FEDJIT_VALGRIND=1) fedjit-helper runs under memcheck
# (tests/helper/lib.sh) and check_clean also asserts it found nothing.
. "$(dirname "$0")/../helper/lib.sh"
helper_setup
bad_idp_start || { echo "1..0 # SKIP the misbehaving IdP did not start"; exit 0; }

CONF=$T/fedjit.conf
# limit NAME STATUS LOG-REGEX [CLIENT-ARGS...]: one login against issuer .../s/NAME
limit() {
	local name=$1 status=$2 re=$3
	shift 3
	write_config "$CONF" "issuer=$FEDJIT_BAD_IDP_ISSUER/s/$name" client_id=fedjit-public \
		"ca_file=$FEDJIT_BAD_IDP_CA" ${EXTRA_CONF:-}
	rm -rf "$T/cache"
	login --timeout "${TMO:-30}" alice
	sed -n 's/^result /# result: /p' "$T/out"
	check "$name: $status ($re)" \
		bash -c "grep -Eq -- '^result status=$status\\b.* log=.*($re)' '$T/out' && check_clean && test ! -e '$T/fedjit.tdb'"
}
export -f check_clean
export T

echo "1..17"
limit huge@token error 'token request: .*larger than 262144' # response size (token endpoint)
check "the real network child has no capabilities (CapEff, CapPrm 0) and no_new_privs" \
	bash -c "grep -Eq 'network child: uid=[1-9][0-9]* .* nonewprivs=1 dumpable=0 capeff=0000000000000000 capprm=0000000000000000' '$T/err'"
limit huge@discovery error 'discovery document: .*larger than 262144' # response size (discovery)
EXTRA_CONF=userinfo=yes limit huge@userinfo error 'userinfo: .*larger than 262144' # response size (userinfo)
limit deep-json error 'token response refused: JSON nested deeper than 16' # JSON depth of a response
limit deep-claim error 'ID token refused: payload: JSON nested deeper than 16' # JSON depth inside the ID token
limit many-claims error 'claims: more than 256 members' # number of claims
limit many-groups error 'groups: 600 groups \(at most 512\)' # number of groups
limit long-claim error 'claims: a string exceeds 4096 bytes' # string length of a claim
limit long-sub error 'ID token refused: sub: .*too long' # length of sub
limit long-group error 'groups: entry 1 exceeds 256 bytes' # length of a group name
limit jwks-big error 'JWKS: .*larger than 262144' # JWKS size
limit jwks-too-many error 'JWKS with 1003 keys \(at most 64\)' # number of keys
# polling duration: the IdP keeps the code pending for a day (or says 10^9 s, refused);
# the request's deadline ends the flow, not the IdP
TMO=5 limit device-forever timeout 'deadline reached'
limit device-expires-huge error 'expires_in: missing or not in 1..86400'

# faults of the network: nothing listens / the name does not resolve
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
write_config "$CONF" "issuer=https://127.0.0.1:$port" client_id=fedjit-public "ca_file=$FEDJIT_BAD_IDP_CA"
rm -rf "$T/cache"
login --timeout 30 alice
check "IdP unreachable: status unreachable, reason logged" \
	bash -c "grep -Eq '^result status=unreachable.* log=.*(onnect|refused)' '$T/out' && check_clean"
write_config "$CONF" "issuer=https://fedjit-idp.invalid" client_id=fedjit-public "ca_file=$FEDJIT_BAD_IDP_CA"
rm -rf "$T/cache"
login --timeout 30 alice
check "IdP name does not resolve (.invalid): status unreachable, reason logged" \
	bash -c "grep -Eq '^result status=unreachable.* log=.*resolve' '$T/out' && check_clean"
exit $((failed > 0))
