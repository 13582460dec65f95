#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Self-test of the test IdPs (TAP): the oidc-provider server does full device
# flows for every client type, denial, expiry, slow_down, rotation, browser
# pages; the misbehaving IdP serves every scenario. Skips when node or the npm
# packages are missing (see tests/idp/README.md).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
src=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/idp
. "$src/lib.sh"

if ! idp_available; then
	echo "1..0 # SKIP $IDP_SKIP_REASON"
	exit 0
fi

n=0
failed=0
ok() { # ok COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
is() { # is GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	local r=$?
	ok $r "$3"
	[ $r -eq 0 ] || echo "#   got '$1', want '$2'"
}

cleanup() {
	idp_stop
	bad_idp_stop
	[ -n "${tmp:-}" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tmp=$(mktemp -d)

if ! idp_start; then
	echo "Bail out! test IdP did not start"
	exit 1
fi
C=(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA")
DEVICE_GRANT=urn:ietf:params:oauth:grant-type:device_code

# --- discovery and keys -------------------------------------------------------
disco=$("${C[@]}" "$FEDJIT_IDP_ISSUER/.well-known/openid-configuration")
is "$(idp_json issuer <<<"$disco")" "$FEDJIT_IDP_ISSUER" "discovery issuer equals the URL it was fetched from"
is "$(idp_json device_authorization_endpoint <<<"$disco")" "$FEDJIT_IDP_ISSUER/device/auth" "discovery names the device authorization endpoint"
is "$(idp_json token_endpoint <<<"$disco")" "$FEDJIT_IDP_ISSUER/token" "discovery names the token endpoint"
is "$(tr -d '\n' <"$FEDJIT_IDP_DIR/pid")" "$FEDJIT_IDP_PID" "pid file holds the server's pid"
"${C[@]}" "$FEDJIT_IDP_ISSUER/jwks" >"$tmp/jwks.json"
algs=$(node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));
	console.log(j.keys.filter((k) => k.kid && !k.d).map((k) => k.alg).sort().join(" "))' <"$tmp/jwks.json")
is "$algs" "ES256 EdDSA RS256" "JWKS has public RS256, ES256 and EdDSA keys with kids"
if command -v ss >/dev/null; then
	is "$(ss -Hltn "sport = :$FEDJIT_IDP_PORT" | awk '{print $4}' | sort -u | tr '\n' ' ')" "127.0.0.1:$FEDJIT_IDP_PORT " "listens on 127.0.0.1 only"
fi

# Two IdPs at once: the second must not pick up the first's exported variables.
cp "$FEDJIT_IDP_DIR/env" "$tmp/first.env"
if idp_start; then
	second=$FEDJIT_IDP_ISSUER
	is "$(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA" "$second/.well-known/openid-configuration" | idp_json issuer)" "$second" "a second IdP runs beside the first"
	idp_stop
else
	ok 1 "a second IdP runs beside the first"
fi
. "$tmp/first.env"
ok "$([ "$second" != "$FEDJIT_IDP_ISSUER" ] && "${C[@]}" -sf "$FEDJIT_IDP_ISSUER/jwks" >/dev/null && echo 0 || echo 1)" "the first IdP still answers after the second stopped"

# --- device flow helpers ------------------------------------------------------
# client_args CLIENT: the curl arguments that authenticate CLIENT
client_args() {
	case $1 in
	fedjit-basic) echo "-u fedjit-basic:fedjit-basic-secret" ;;
	fedjit-post) echo "-d client_id=fedjit-post -d client_secret=fedjit-post-secret" ;;
	fedjit-jwt) echo "-d client_id=fedjit-jwt -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer -d client_assertion=$(idp_jwt assertion "$FEDJIT_IDP_CLIENT_KEY" fedjit-jwt "$FEDJIT_IDP_ISSUER/token")" ;;
	*) echo "-d client_id=$1" ;;
	esac
}
device_auth() { # device_auth CLIENT -> JSON
	# shellcheck disable=SC2046
	"${C[@]}" $(client_args "$1") -d "scope=openid profile email groups" "$FEDJIT_IDP_ISSUER/device/auth"
}
poll() { # poll CLIENT DEVICE_CODE -> JSON
	# shellcheck disable=SC2046
	"${C[@]}" $(client_args "$1") -d grant_type=$DEVICE_GRANT -d "device_code=$2" "$FEDJIT_IDP_ISSUER/token"
}

# full_flow CLIENT USER ALG: the whole grant, checked step by step
full_flow() {
	local client=$1 user=$2 alg=$3 da dc uc tok idt
	da=$(device_auth "$client")
	dc=$(idp_json device_code <<<"$da")
	uc=$(idp_json user_code <<<"$da")
	ok "$([ -n "$dc" ] && [[ $uc =~ ^[A-Z]{4}-[A-Z]{4}$ ]] && [ "$(idp_json interval <<<"$da")" = 1 ] && [ "$(idp_json expires_in <<<"$da")" = 600 ] && echo 0 || echo 1)" \
		"$client: device authorization gives device_code, user_code, interval, expires_in"
	is "$(poll "$client" "$dc" | idp_json error)" authorization_pending "$client: token endpoint says authorization_pending before approval"
	idp_approve "$uc" "$user"
	ok $? "$client: test API approves $uc as $user"
	tok=$(poll "$client" "$dc")
	idt=$(idp_json id_token <<<"$tok")
	ok "$([ -n "$idt" ] && [ -n "$(idp_json access_token <<<"$tok")" ] && echo 0 || echo 1)" "$client: token endpoint returns an id_token and an access token"
	"${C[@]}" "$FEDJIT_IDP_ISSUER/jwks" >"$tmp/jwks.json"
	idp_jwt verify "$idt" "$tmp/jwks.json"
	ok $? "$client: id_token signature verifies with the JWKS key named by its kid"
	is "$(idp_jwt_header "$idt" alg)" "$alg" "$client: id_token signed with $alg"
	is "$(idp_jwt_claim "$idt" iss)" "$FEDJIT_IDP_ISSUER" "$client: iss"
	is "$(idp_jwt_claim "$idt" aud)" "$client" "$client: aud"
	is "$("${C[@]}" -H "Authorization: Bearer $(idp_json access_token <<<"$tok")" "$FEDJIT_IDP_ISSUER/me" | idp_json sub)" \
		"$(idp_jwt_claim "$idt" sub)" "$client: userinfo answers the access token with the id_token's sub"
	# Reusing a device code also revokes the tokens issued from it (RFC 6749 4.1.2).
	is "$(poll "$client" "$dc" | idp_json error)" invalid_grant "$client: a used device code gives invalid_grant"
	LAST_ID_TOKEN=$idt
}

full_flow fedjit-public alice RS256
t=$LAST_ID_TOKEN
is "$(idp_jwt_claim "$t" sub)" u-0001-alice "alice: sub"
is "$(idp_jwt_claim "$t" preferred_username)" alice "alice: preferred_username"
is "$(idp_jwt_claim "$t" name)" "Alice Liddell" "alice: name"
is "$(idp_jwt_claim "$t" email)" alice@example.test "alice: email"
is "$(idp_jwt_claim "$t" groups)" '["staff","admins"]' "alice: groups"
is "$(idp_jwt_claim "$t" acr)" urn:fedjit:acr:mfa "alice: acr"
ok "$(now=$(date +%s); exp=$(idp_jwt_claim "$t" exp); iat=$(idp_jwt_claim "$t" iat); [ "$iat" -le $((now + 5)) ] && [ "$exp" -gt "$now" ] && echo 0 || echo 1)" "alice: iat and exp around now"

full_flow fedjit-basic bob RS256
is "$(idp_jwt_claim "$LAST_ID_TOKEN" groups)" '["staff"]' "bob: groups"
full_flow fedjit-post carol ES256
is "$(idp_jwt_claim "$LAST_ID_TOKEN" email_verified)" false "carol: email_verified false"
full_flow fedjit-jwt bob EdDSA
full_flow fedjit-public-es256 alice ES256
full_flow fedjit-public-eddsa mallory EdDSA
is "$(idp_jwt_claim "$LAST_ID_TOKEN" preferred_username)" alice "mallory: preferred_username is alice"
is "$(idp_jwt_claim "$LAST_ID_TOKEN" sub)" u-0666-mallory "mallory: sub differs from alice's"

for u in eve:preferred_username:root trudy:groups:'["staff","bad group","../../etc","sudo","wheel:x:0:"]' frank:preferred_username:; do
	IFS=: read -r login claim want <<<"$u"
	da=$(device_auth fedjit-public)
	idp_approve "$(idp_json user_code <<<"$da")" "$login"
	is "$(idp_jwt_claim "$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json id_token)" "$claim")" "$want" "$login: $claim as documented"
done

is "$("${C[@]}" -u fedjit-basic:wrong -d scope=openid "$FEDJIT_IDP_ISSUER/device/auth" | idp_json error)" invalid_client "a wrong client secret gives invalid_client"

# --- denial, latest, unknown codes, acr override -------------------------------
da=$(device_auth fedjit-public)
idp_deny "$(idp_json user_code <<<"$da")"
ok $? "test API denies a code"
is "$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json error)" access_denied "a denied code gives access_denied"
idp_approve "$(idp_json user_code <<<"$da")" alice 2>/dev/null
ok "$([ $? -eq 1 ] && echo 0 || echo 1)" "approving a denied code fails"
idp_approve NOPE-NOPE alice 2>/dev/null
ok "$([ $? -eq 1 ] && echo 0 || echo 1)" "approving an unknown code fails"

da=$(device_auth fedjit-public)
out=$(node "$src/approve.mjs" --url "$FEDJIT_IDP_ISSUER" --cacert "$FEDJIT_IDP_CA" --code "$(idp_json user_code <<<"$da" | tr A-Z a-z)" --user bob)
ok "$([ $? -eq 0 ] && [[ $out == approved*bob* ]] && echo 0 || echo 1)" "approve.mjs approves (user code in any case)"
is "$(idp_jwt_claim "$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json id_token)" sub)" u-0002-bob "approve.mjs approval gives bob's id_token"
da=$(device_auth fedjit-public)
FEDJIT_IDP_ISSUER=$FEDJIT_IDP_ISSUER node "$src/approve.mjs" --code "$(idp_json user_code <<<"$da")" --deny --quiet
ok $? "approve.mjs --deny (issuer and CA from the environment)"
is "$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json error)" access_denied "approve.mjs denial gives access_denied"
node "$src/approve.mjs" --code "$(idp_json user_code <<<"$da")" --user bob 2>/dev/null
is $? 1 "approve.mjs exits 1 when the IdP refuses"

da=$(device_auth fedjit-basic)
pending=$(idp_api GET /test/pending)
ok "$(grep -q "$(idp_json user_code <<<"$da" | tr -d -)" <<<"$pending" && echo 0 || echo 1)" "GET /test/pending lists the new code"
idp_approve latest carol urn:fedjit:acr:mfa
ok $? "approve 'latest' picks the newest pending code"
t=$(poll fedjit-basic "$(idp_json device_code <<<"$da")" | idp_json id_token)
is "$(idp_jwt_claim "$t" sub)" u-0003-carol "the latest code was approved as carol"
is "$(idp_jwt_claim "$t" acr)" urn:fedjit:acr:mfa "approve with an acr override puts it in the id_token"

# --- slow_down, expiry, interval enforcement ----------------------------------
da=$(device_auth fedjit-public)
dc=$(idp_json device_code <<<"$da")
idp_token_error slow_down 1
is "$(poll fedjit-public "$dc" | idp_json error)" slow_down "an injected slow_down is answered once"
is "$(poll fedjit-public "$dc" | idp_json error)" authorization_pending "after it, polling is pending again"
idp_token_error invalid_grant 1
is "$(poll fedjit-public "$dc" | idp_json error)" invalid_grant "any token error can be injected"

idp_config '{"device_expires_in":1}'
da=$(device_auth fedjit-public)
is "$(idp_json expires_in <<<"$da")" 1 "expires_in follows /test/config"
sleep 2.2
is "$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json error)" expired_token "an expired code gives expired_token"
idp_approve "$(idp_json user_code <<<"$da")" alice 2>/dev/null
ok "$([ $? -eq 1 ] && echo 0 || echo 1)" "approving an expired code fails"
idp_config '{"device_expires_in":600,"device_interval":0}'
da=$(device_auth fedjit-public)
is "$(idp_json interval <<<"$da")" "" "device_interval 0 leaves interval out of the response"

idp_config '{"device_interval":30,"enforce_interval":true}'
da=$(device_auth fedjit-public)
dc=$(idp_json device_code <<<"$da")
is "$(poll fedjit-public "$dc" | idp_json error)" authorization_pending "first poll with interval enforcement is pending"
is "$(poll fedjit-public "$dc" | idp_json error)" slow_down "an immediate second poll gets slow_down"
is "$(idp_api GET /test/stats | idp_json interval_violations)" 1 "stats count the interval violation"
idp_config '{"device_interval":1,"enforce_interval":false}'

# --- key rotation --------------------------------------------------------------
old_kid=$(idp_api GET /test/kids | idp_json kids.RS256)
rot=$(idp_rotate RS256)
new_kid=$(idp_json kids.RS256 <<<"$rot")
ok "$([ -n "$new_kid" ] && [ "$new_kid" != "$old_kid" ] && echo 0 || echo 1)" "rotation makes a new RS256 kid"
da=$(device_auth fedjit-public)
idp_approve "$(idp_json user_code <<<"$da")" alice
t=$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json id_token)
is "$(idp_jwt_header "$t" kid)" "$new_kid" "tokens after rotation are signed with the new kid"
"${C[@]}" "$FEDJIT_IDP_ISSUER/jwks" >"$tmp/jwks.json"
ok "$(grep -q "$old_kid" "$tmp/jwks.json" && grep -q "$new_kid" "$tmp/jwks.json" && echo 0 || echo 1)" "JWKS publishes the old and the new kid"
idp_jwt verify "$t" "$tmp/jwks.json"
ok $? "the new token verifies against the new JWKS"

# --- the IdP's own pages, as a browser walks them (cookies, forms, redirects) ---
jar=$tmp/jar
B=(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA" -L -c "$jar" -b "$jar")
da=$(device_auth fedjit-public)
uc=$(idp_json user_code <<<"$da")
page=$("${B[@]}" "$FEDJIT_IDP_ISSUER/device")
xsrf=$(sed -n 's/.*name="xsrf" value="\([^"]*\)".*/\1/p' <<<"$page" | head -1)
ok "$(grep -q 'name="user_code"' <<<"$page" && [ -n "$xsrf" ] && echo 0 || echo 1)" "device page has a user_code form"
page=$("${B[@]}" -d "xsrf=$xsrf" -d "user_code=$uc" "$FEDJIT_IDP_ISSUER/device")
ok "$(grep -q 'id="confirm"' <<<"$page" && echo 0 || echo 1)" "entering the code shows the confirm page"
page=$("${B[@]}" -w '\n%{url_effective}' -d "xsrf=$xsrf" -d "user_code=$uc" -d confirm=yes "$FEDJIT_IDP_ISSUER/device")
url=$(tail -1 <<<"$page")
ok "$(grep -q 'name="password"' <<<"$page" && [[ $url == */interaction/* ]] && echo 0 || echo 1)" "confirming leads to the login form"
page=$("${B[@]}" -d login=alice -d password=wrong "$url/login")
ok "$(grep -q 'Invalid user name or password' <<<"$page" && echo 0 || echo 1)" "a wrong password is refused"
page=$("${B[@]}" -w '\n%{url_effective}' -d login=alice -d password=alice-password "$url/login")
url=$(tail -1 <<<"$page")
ok "$(grep -q 'id="allow"' <<<"$page" && echo 0 || echo 1)" "the right password leads to the consent page"
page=$("${B[@]}" -d '' "$url/confirm")
ok "$(grep -q 'Sign-in success' <<<"$page" && echo 0 || echo 1)" "allowing shows the success page"
t=$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json id_token)
is "$(idp_jwt_claim "$t" sub)" u-0001-alice "the browser approval yields alice's id_token"
is "$(idp_jwt_claim "$t" acr)" urn:fedjit:acr:mfa "with alice's acr"

# --- user changes at run time -------------------------------------------------
idp_api POST /test/user '{"account":"dave","password":"pw","claims":{"preferred_username":"dave","groups":["staff"]}}' >/dev/null
idp_api POST /test/user '{"account":"alice","claims":{"name":"Alice Changed","groups":["staff"]}}' >/dev/null
da=$(device_auth fedjit-public)
idp_approve "$(idp_json user_code <<<"$da")" alice
t=$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json id_token)
is "$(idp_jwt_claim "$t" name)/$(idp_jwt_claim "$t" groups)/$(idp_jwt_claim "$t" sub)" 'Alice Changed/["staff"]/u-0001-alice' "POST /test/user changes claims, sub stays"
da=$(device_auth fedjit-public)
idp_approve "$(idp_json user_code <<<"$da")" dave
t=$(poll fedjit-public "$(idp_json device_code <<<"$da")" | idp_json id_token)
is "$(idp_jwt_claim "$t" preferred_username)" dave "POST /test/user adds a user"

# --- lifetime ------------------------------------------------------------------
pid=$FEDJIT_IDP_PID
idp_stop
ok "$(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" "idp_stop stops the server"
FEDJIT_IDP_LIFETIME=1 idp_start
pid=$FEDJIT_IDP_PID
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
ok "$(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" "the server exits by itself after --lifetime"
idp_stop

# --- claims only at userinfo (--conform-id-token 1) ----------------------------
idp_start --conform-id-token 1
C=(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA")
da=$(device_auth fedjit-public)
idp_approve "$(idp_json user_code <<<"$da")" alice
tok=$(poll fedjit-public "$(idp_json device_code <<<"$da")")
t=$(idp_json id_token <<<"$tok")
ok "$([ "$(idp_jwt_claim "$t" sub)" = u-0001-alice ] && [ -z "$(idp_jwt_claim "$t" groups)" ] && echo 0 || echo 1)" "--conform-id-token 1: the id_token has sub but no groups"
is "$("${C[@]}" -H "Authorization: Bearer $(idp_json access_token <<<"$tok")" "$FEDJIT_IDP_ISSUER/me" | idp_json groups)" '["staff","admins"]' "--conform-id-token 1: userinfo has the groups"
idp_stop

# --- refresh tokens: offline_access, rotation, revocation, disabling, groups, down ---
idp_start
C=(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA")
refresh() { # refresh CLIENT REFRESH_TOKEN -> JSON
	# shellcheck disable=SC2046
	"${C[@]}" $(client_args "$1") -d grant_type=refresh_token -d "refresh_token=$2" "$FEDJIT_IDP_ISSUER/token"
}
offline_login() { # offline_login CLIENT USER -> token JSON of a device flow asking offline_access
	local da
	# shellcheck disable=SC2046
	da=$("${C[@]}" $(client_args "$1") -d "scope=openid profile email groups offline_access" \
		"$FEDJIT_IDP_ISSUER/device/auth")
	idp_approve "$(idp_json user_code <<<"$da")" "$2" || return 1
	poll "$1" "$(idp_json device_code <<<"$da")"
}
tok=$(device_auth fedjit-public)
idp_approve "$(idp_json user_code <<<"$tok")" bob
is "$(poll fedjit-public "$(idp_json device_code <<<"$tok")" | idp_json refresh_token)" "" "no refresh token without offline_access"
tok=$(offline_login fedjit-public bob)
rt1=$(idp_json refresh_token <<<"$tok")
ok "$([ -n "$rt1" ] && echo 0 || echo 1)" "a device flow asking offline_access gets a refresh token"
is "$(idp_refresh_tokens bob | grep -cx -- "$rt1")" 1 "idp_refresh_tokens (GET /test/refresh-tokens) lists its value under the login"
idp_api POST /test/stats/reset >/dev/null
r=$(refresh fedjit-public "$rt1")
rt2=$(idp_json refresh_token <<<"$r")
ok "$([ -n "$rt2" ] && [ "$rt2" != "$rt1" ] && echo 0 || echo 1)" "refresh (public client, default rotation): a new refresh token"
is "$(idp_jwt_claim "$(idp_json id_token <<<"$r")" sub)" u-0002-bob "refresh: a new ID token for the same sub"
is "$(idp_api GET /test/stats | idp_json refresh_grants)" 1 "stats count refresh grants"
is "$(refresh fedjit-public "$rt1" | idp_json error)" invalid_grant "the rotated-away token is refused (invalid_grant) ..."
is "$(refresh fedjit-public "$rt2" | idp_json error)" invalid_grant "... and its reuse revoked the grant"
idp_config '{"refresh_rotation":"never"}'
tok=$(offline_login fedjit-public bob)
rt=$(idp_json refresh_token <<<"$tok")
r=$(refresh fedjit-public "$rt")
is "$(idp_json refresh_token <<<"$r")" "$rt" "refresh_rotation never: the same token comes back"
idp_set_groups bob '["staff","builders"]'
is "$(idp_jwt_claim "$(refresh fedjit-public "$rt" | idp_json id_token)" groups)" '["staff","builders"]' \
	"a group change at the IdP shows in the next refreshed ID token"
idp_set_groups bob '["staff"]'
idp_revoke bob
ok $? "idp_revoke (POST /test/revoke) revokes bob's grants"
is "$(refresh fedjit-public "$rt" | idp_json error)" invalid_grant "after the revocation the refresh token gives invalid_grant"
tok=$(offline_login fedjit-basic carol)
rt=$(idp_json refresh_token <<<"$tok")
idp_disable carol
is "$(refresh fedjit-basic "$rt" | idp_json error)" invalid_grant "a disabled user's refresh token gives invalid_grant"
da=$(device_auth fedjit-public)
idp_approve "$(idp_json user_code <<<"$da")" carol 2>/dev/null
is $? 1 "a disabled user cannot be approved"
idp_enable carol
tok=$(offline_login fedjit-public alice)
rt=$(idp_json refresh_token <<<"$tok")
idp_down
is "$("${C[@]}" -o /dev/null -w '%{http_code}' -d grant_type=refresh_token -d client_id=fedjit-public -d "refresh_token=$rt" "$FEDJIT_IDP_ISSUER/token")" 503 "down: the token endpoint answers 503"
is "$("${C[@]}" -o /dev/null -w '%{http_code}' "$FEDJIT_IDP_ISSUER/.well-known/openid-configuration")" 503 "down: discovery too"
idp_up
idp_config '{"refresh_rotation":"default"}'
ok "$([ -n "$(refresh fedjit-public "$rt" | idp_json id_token)" ] && echo 0 || echo 1)" "up again: the refresh token still works"
grep -q -- "$rt" "$FEDJIT_IDP_LOG"
is $? 1 "the IdP's log never holds a refresh token"
idp_stop

# --- certificate variants for TLS fault tests ---------------------------------
for cert in expired:60 wronghost:60 untrusted:60; do
	FEDJIT_IDP_CERT=${cert%%:*} idp_start
	curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA" -o /dev/null "$FEDJIT_IDP_ISSUER/.well-known/openid-configuration" 2>/dev/null
	is $? "${cert#*:}" "FEDJIT_IDP_CERT=${cert%%:*}: TLS verification against the run's CA fails"
	curl -sS --max-time 10 -k -o /dev/null "$FEDJIT_IDP_ISSUER/.well-known/openid-configuration" 2>/dev/null
	is $? 0 "FEDJIT_IDP_CERT=${cert%%:*}: the server itself answers"
	idp_stop
done

# --- the misbehaving IdP ------------------------------------------------------
if ! bad_idp_start; then
	echo "Bail out! misbehaving IdP did not start"
	exit 1
fi
BC=(curl -sS --max-time 10 --cacert "$FEDJIT_BAD_IDP_CA")
B=$FEDJIT_BAD_IDP_ISSUER
bad_token() { # bad_token SCENARIO -> token endpoint body of that scenario's issuer
	"${BC[@]}" -d client_id=fedjit-public -d grant_type=$DEVICE_GRANT -d device_code=dc-$RANDOM "$B/s/$1/token"
}
bad_idt() { bad_token "$1" | idp_json id_token; }
"${BC[@]}" "$B/jwks" >"$tmp/bad-jwks.json"
now=$(date +%s)

is "$("${BC[@]}" "$B/.well-known/openid-configuration" | idp_json issuer)" "$B" "bad IdP: discovery issuer matches by default"
is "$("${BC[@]}" "$B/s/good/.well-known/openid-configuration" | idp_json token_endpoint)" "$B/s/good/token" "bad IdP: a scenario prefix is its own issuer"
da=$("${BC[@]}" -d client_id=fedjit-public -d scope=openid "$B/device/auth")
ok "$([ -n "$(idp_json device_code <<<"$da")" ] && [ -n "$(idp_json user_code <<<"$da")" ] && echo 0 || echo 1)" "bad IdP: device authorization answers"
for s in good good-es256 good-eddsa multi-aud-azp; do
	t=$(bad_idt $s)
	idp_jwt verify "$t" "$tmp/bad-jwks.json" && [ "$(idp_jwt_claim "$t" iss)" = "$B/s/$s" ] &&
		[ "$(idp_jwt_claim "$t" sub)" = u-0001-alice ]
	ok $? "bad IdP $s: a valid, verifiable id_token"
done
is "$(idp_jwt_header "$(bad_idt good-eddsa)" alg)" EdDSA "bad IdP good-eddsa: EdDSA"
is "$(idp_jwt_claim "$(bad_idt multi-aud-azp)" azp)" fedjit-public "bad IdP multi-aud-azp: azp is the client"
is "$(idp_jwt_claim "$(bad_idt wrong-iss)" iss)" https://evil.example.test "bad IdP wrong-iss"
is "$(idp_jwt_claim "$(bad_idt wrong-aud)" aud)" someone-else "bad IdP wrong-aud"
t=$(bad_idt multi-aud-no-azp)
ok "$([ "$(idp_jwt_claim "$t" aud)" = '["fedjit-public","someone-else"]' ] && [ -z "$(idp_jwt_claim "$t" azp)" ] && echo 0 || echo 1)" "bad IdP multi-aud-no-azp"
is "$(idp_jwt_claim "$(bad_idt azp-wrong)" azp)" someone-else "bad IdP azp-wrong"
ok "$([ "$(idp_jwt_claim "$(bad_idt expired)" exp)" -lt "$now" ] && echo 0 || echo 1)" "bad IdP expired: exp in the past"
ok "$([ "$(idp_jwt_claim "$(bad_idt nbf-future)" nbf)" -gt $((now + 600)) ] && echo 0 || echo 1)" "bad IdP nbf-future"
ok "$([ "$(idp_jwt_claim "$(bad_idt iat-future)" iat)" -gt $((now + 600)) ] && echo 0 || echo 1)" "bad IdP iat-future"
t=$(bad_idt alg-none)
ok "$([ "$(idp_jwt_header "$t" alg)" = none ] && [[ $t == *. ]] && echo 0 || echo 1)" "bad IdP alg-none: unsigned"
t=$(bad_idt hs256-rsa-pem)
node -e '
	const [h, p, s] = process.argv[1].split("."); const jwks = JSON.parse(require("fs").readFileSync(process.argv[2]));
	const hdr = JSON.parse(Buffer.from(h, "base64url")); const c = require("crypto");
	const jwk = jwks.keys.find((k) => k.kid === hdr.kid && k.kty === "RSA");
	const pem = c.createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" });
	const mac = c.createHmac("sha256", pem).update(`${h}.${p}`).digest("base64url");
	process.exit(hdr.alg === "HS256" && mac === s ? 0 : 1);' "$t" "$tmp/bad-jwks.json"
ok $? "bad IdP hs256-rsa-pem: HS256 keyed with the published RSA key's PEM"
t=$(bad_idt unknown-kid)
ok "$(! grep -q "$(idp_jwt_header "$t" kid)" "$tmp/bad-jwks.json" && echo 0 || echo 1)" "bad IdP unknown-kid: kid not in the JWKS"
t=$(bad_idt bad-signature)
ok "$(grep -q "$(idp_jwt_header "$t" kid)" "$tmp/bad-jwks.json" && ! idp_jwt verify "$t" "$tmp/bad-jwks.json" && echo 0 || echo 1)" "bad IdP bad-signature: known kid, signature fails"
t=$(bad_idt missing-sub)
ok "$([ -z "$(idp_jwt_claim "$t" sub)" ] && idp_jwt verify "$t" "$tmp/bad-jwks.json" && echo 0 || echo 1)" "bad IdP missing-sub: signed token without sub"
is "$(bad_idt id-token-garbage)" this-is-not-a-jwt "bad IdP id-token-garbage"
ok "$(r=$(bad_token no-id-token); [ -n "$(idp_json access_token <<<"$r")" ] && [ -z "$(idp_json id_token <<<"$r")" ] && echo 0 || echo 1)" "bad IdP no-id-token"

for e in authorization_pending slow_down access_denied expired_token invalid_grant; do
	is "$(bad_token $e | idp_json error)" "$e" "bad IdP token error $e"
done
ok "$([ -n "$(bad_token invalid_grant | idp_json error_description)" ] && echo 0 || echo 1)" "bad IdP invalid_grant has an error_description"
for s in pending-once:authorization_pending slow-down-once:slow_down; do
	r1=$("${BC[@]}" -d client_id=fedjit-public -d device_code=once-$s "$B/s/${s%%:*}/token")
	r2=$("${BC[@]}" -d client_id=fedjit-public -d device_code=once-$s "$B/s/${s%%:*}/token")
	ok "$([ "$(idp_json error <<<"$r1")" = "${s#*:}" ] && [ -n "$(idp_json id_token <<<"$r2")" ] && echo 0 || echo 1)" "bad IdP ${s%%:*}: ${s#*:} once, then tokens"
done

is "$("${BC[@]}" "$B/s/discovery-wrong-issuer/.well-known/openid-configuration" | idp_json issuer)" https://evil.example.test "bad IdP discovery-wrong-issuer"
is "$("${BC[@]}" "$B/s/discovery-http-endpoints/.well-known/openid-configuration" | idp_json token_endpoint)" "http://${B#https://}/s/discovery-http-endpoints/token" "bad IdP discovery-http-endpoints"
is "$("${BC[@]}" "$B/s/discovery-no-device-endpoint/.well-known/openid-configuration" | idp_json device_authorization_endpoint)" "" "bad IdP discovery-no-device-endpoint"
is "$("${BC[@]}" "$B/s/jwks-too-many/jwks" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).keys.length)')" 1003 "bad IdP jwks-too-many: 1003 keys"
is "$("${BC[@]}" "$B/s/jwks-empty/jwks")" '{"keys":[]}' "bad IdP jwks-empty"
is "$("${BC[@]}" -d client_id=x "$B/s/device-error/device/auth" | idp_json error)" invalid_client "bad IdP device-error"
is "$("${BC[@]}" -d client_id=x "$B/s/device-no-interval/device/auth" | idp_json interval)" "" "bad IdP device-no-interval"
is "$("${BC[@]}" "$B/s/userinfo-sub-mismatch/me" | idp_json sub)" u-0666-mallory "bad IdP userinfo-sub-mismatch"

r=$("${BC[@]}" -d x=1 "$B/s/truncated-json/token")
ok "$([ "${r:0:1}" = "{" ] && ! node -e 'JSON.parse(process.argv[1])' "$r" 2>/dev/null && echo 0 || echo 1)" "bad IdP truncated-json: starts like JSON, does not parse"
r=$("${BC[@]}" -d x=1 "$B/s/garbage/token" | od -An -tx1 -N2 | tr -d ' ')
is "$r" 00ff "bad IdP garbage: binary garbage"
is "$("${BC[@]}" -o /dev/null -w '%{size_download}' -d x=1 "$B/s/huge/token")" 20971561 "bad IdP huge: a 20 MB body"
is "$("${BC[@]}" -o /dev/null -w '%{size_download}' "$B/s/huge@jwks/jwks")" 20971561 "bad IdP huge@jwks: at another endpoint"
is "$("${BC[@]}" -o /dev/null -w '%{http_code}' -d x=1 "$B/s/status-500/token")" 500 "bad IdP status-500"
r=$("${BC[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' -d x=1 "$B/s/redirect-http/token")
is "$r" "302 http://127.0.0.1:$(sed 's/.*plain http trap on \([0-9]*\).*/\1/;t;d' "$FEDJIT_BAD_IDP_LOG" | head -1)/s/redirect-http/token" "bad IdP redirect-http: 302 to a plain http URL"
is "$("${BC[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' "$B/s/redirect-https@discovery/.well-known/openid-configuration")" \
	"302 $B/s/redirect-https@discovery/moved/.well-known/openid-configuration" "bad IdP redirect-https@discovery"
is "$("${BC[@]}" "$B/test/stats" | idp_json plain_http_requests)" 0 "bad IdP counts requests that followed to plain http (none yet)"
"${BC[@]}" --max-time 1 -o /dev/null "$B/s/slow/token" -d x=1 2>/dev/null
is $? 28 "bad IdP slow: nothing within a 1 s client timeout"
"${BC[@]}" --max-time 1 -o /dev/null "$B/s/drip@discovery/.well-known/openid-configuration" 2>/dev/null
is $? 28 "bad IdP drip@discovery: body not complete within 1 s"
is "$("${BC[@]}" -d '{"name":"nope"}' -H 'content-type: application/json' -o /dev/null -w '%{http_code}' "$B/test/scenario")" 400 "bad IdP refuses an unknown scenario"
bad_idp_scenario wrong-aud
is "$(idp_jwt_claim "$("${BC[@]}" -d client_id=fedjit-public -d device_code=g "$B/token" | idp_json id_token)" aud)" someone-else "bad IdP global scenario (POST /test/scenario) applies without a prefix"
bad_idp_scenario good
t=$("${BC[@]}" -u fedjit-basic:secret -d device_code=g "$B/token" | idp_json id_token)
ok "$([ "$(idp_jwt_claim "$t" aud)" = fedjit-basic ] && [ "$(idp_jwt_claim "$t" iss)" = "$B" ] && echo 0 || echo 1)" "bad IdP good: aud from client_secret_basic, iss the root issuer"
pid=$FEDJIT_BAD_IDP_PID
bad_idp_stop
ok "$(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" "bad_idp_stop stops the misbehaving IdP"

echo "1..$n"
[ $failed -eq 0 ]
