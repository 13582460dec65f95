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
jget() { # jget KEY.PATH < JSON: strings raw, the rest as JSON, "" when absent
	node -e '
		let v; try { v = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch { process.exit(0); }
		for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
		if (v !== undefined) process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
	' "$1"
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
is "$(jget issuer <<<"$disco")" "$FEDJIT_IDP_ISSUER" "discovery issuer equals the URL it was fetched from"
is "$(jget device_authorization_endpoint <<<"$disco")" "$FEDJIT_IDP_ISSUER/device/auth" "discovery names the device authorization endpoint"
is "$(jget token_endpoint <<<"$disco")" "$FEDJIT_IDP_ISSUER/token" "discovery names the token endpoint"
is "$(tr -d '\n' <"$FEDJIT_IDP_DIR/pid")" "$FEDJIT_IDP_PID" "pid file holds the server's pid"
"${C[@]}" "$FEDJIT_IDP_ISSUER/jwks" >"$tmp/jwks.json"
algs=$(node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));
	console.log(j.keys.filter((k) => k.kid && !k.d).map((k) => k.alg).sort().join(" "))' <"$tmp/jwks.json")
is "$algs" "ES256 EdDSA RS256" "JWKS has public RS256, ES256 and EdDSA keys with kids"
if command -v ss >/dev/null; then
	is "$(ss -Hltn "sport = :$FEDJIT_IDP_PORT" | awk '{print $4}' | sort -u | tr '\n' ' ')" "127.0.0.1:$FEDJIT_IDP_PORT " "listens on 127.0.0.1 only"
fi

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
	dc=$(jget device_code <<<"$da")
	uc=$(jget user_code <<<"$da")
	ok "$([ -n "$dc" ] && [[ $uc =~ ^[A-Z]{4}-[A-Z]{4}$ ]] && [ "$(jget interval <<<"$da")" = 1 ] && [ "$(jget expires_in <<<"$da")" = 600 ] && echo 0 || echo 1)" \
		"$client: device authorization gives device_code, user_code, interval, expires_in"
	is "$(poll "$client" "$dc" | jget error)" authorization_pending "$client: token endpoint says authorization_pending before approval"
	idp_approve "$uc" "$user"
	ok $? "$client: test API approves $uc as $user"
	tok=$(poll "$client" "$dc")
	idt=$(jget id_token <<<"$tok")
	ok "$([ -n "$idt" ] && [ -n "$(jget access_token <<<"$tok")" ] && echo 0 || echo 1)" "$client: token endpoint returns an id_token and an access token"
	"${C[@]}" "$FEDJIT_IDP_ISSUER/jwks" >"$tmp/jwks.json"
	idp_jwt verify "$idt" "$tmp/jwks.json"
	ok $? "$client: id_token signature verifies with the JWKS key named by its kid"
	is "$(idp_jwt header "$idt" alg)" "$alg" "$client: id_token signed with $alg"
	is "$(idp_jwt claim "$idt" iss)" "$FEDJIT_IDP_ISSUER" "$client: iss"
	is "$(idp_jwt claim "$idt" aud)" "$client" "$client: aud"
	is "$("${C[@]}" -H "Authorization: Bearer $(jget access_token <<<"$tok")" "$FEDJIT_IDP_ISSUER/me" | jget sub)" \
		"$(idp_jwt claim "$idt" sub)" "$client: userinfo answers the access token with the id_token's sub"
	# Reusing a device code also revokes the tokens issued from it (RFC 6749 4.1.2).
	is "$(poll "$client" "$dc" | jget error)" invalid_grant "$client: a used device code gives invalid_grant"
	LAST_ID_TOKEN=$idt
}

full_flow fedjit-public alice RS256
t=$LAST_ID_TOKEN
is "$(idp_jwt claim "$t" sub)" u-0001-alice "alice: sub"
is "$(idp_jwt claim "$t" preferred_username)" alice "alice: preferred_username"
is "$(idp_jwt claim "$t" name)" "Alice Liddell" "alice: name"
is "$(idp_jwt claim "$t" email)" alice@example.test "alice: email"
is "$(idp_jwt claim "$t" groups)" '["staff","admins"]' "alice: groups"
is "$(idp_jwt claim "$t" acr)" urn:fedjit:acr:mfa "alice: acr"
ok "$(now=$(date +%s); exp=$(idp_jwt claim "$t" exp); iat=$(idp_jwt claim "$t" iat); [ "$iat" -le $((now + 5)) ] && [ "$exp" -gt "$now" ] && echo 0 || echo 1)" "alice: iat and exp around now"

full_flow fedjit-basic bob RS256
is "$(idp_jwt claim "$LAST_ID_TOKEN" groups)" '["staff"]' "bob: groups"
full_flow fedjit-post carol ES256
is "$(idp_jwt claim "$LAST_ID_TOKEN" email_verified)" false "carol: email_verified false"
full_flow fedjit-jwt bob EdDSA
full_flow fedjit-public-es256 alice ES256
full_flow fedjit-public-eddsa mallory EdDSA
is "$(idp_jwt claim "$LAST_ID_TOKEN" preferred_username)" alice "mallory: preferred_username is alice"
is "$(idp_jwt claim "$LAST_ID_TOKEN" sub)" u-0666-mallory "mallory: sub differs from alice's"

is "$("${C[@]}" -u fedjit-basic:wrong -d scope=openid "$FEDJIT_IDP_ISSUER/device/auth" | jget error)" invalid_client "a wrong client secret gives invalid_client"

# --- denial, latest, unknown codes, acr override -------------------------------
da=$(device_auth fedjit-public)
idp_deny "$(jget user_code <<<"$da")"
ok $? "test API denies a code"
is "$(poll fedjit-public "$(jget device_code <<<"$da")" | jget error)" access_denied "a denied code gives access_denied"
idp_approve "$(jget user_code <<<"$da")" alice 2>/dev/null
ok "$([ $? -eq 1 ] && echo 0 || echo 1)" "approving a denied code fails"
idp_approve NOPE-NOPE alice 2>/dev/null
ok "$([ $? -eq 1 ] && echo 0 || echo 1)" "approving an unknown code fails"

da=$(device_auth fedjit-basic)
pending=$(idp_api GET /test/pending)
ok "$(grep -q "$(jget user_code <<<"$da" | tr -d -)" <<<"$pending" && echo 0 || echo 1)" "GET /test/pending lists the new code"
idp_approve latest carol urn:fedjit:acr:mfa
ok $? "approve 'latest' picks the newest pending code"
t=$(poll fedjit-basic "$(jget device_code <<<"$da")" | jget id_token)
is "$(idp_jwt claim "$t" sub)" u-0003-carol "the latest code was approved as carol"
is "$(idp_jwt claim "$t" acr)" urn:fedjit:acr:mfa "approve with an acr override puts it in the id_token"

# --- slow_down, expiry, interval enforcement ----------------------------------
da=$(device_auth fedjit-public)
dc=$(jget device_code <<<"$da")
idp_token_error slow_down 1
is "$(poll fedjit-public "$dc" | jget error)" slow_down "an injected slow_down is answered once"
is "$(poll fedjit-public "$dc" | jget error)" authorization_pending "after it, polling is pending again"
idp_token_error invalid_grant 1
is "$(poll fedjit-public "$dc" | jget error)" invalid_grant "any token error can be injected"

idp_config '{"device_expires_in":1}'
da=$(device_auth fedjit-public)
is "$(jget expires_in <<<"$da")" 1 "expires_in follows /test/config"
sleep 2.2
is "$(poll fedjit-public "$(jget device_code <<<"$da")" | jget error)" expired_token "an expired code gives expired_token"
idp_approve "$(jget user_code <<<"$da")" alice 2>/dev/null
ok "$([ $? -eq 1 ] && echo 0 || echo 1)" "approving an expired code fails"
idp_config '{"device_expires_in":600,"device_interval":0}'
da=$(device_auth fedjit-public)
is "$(jget interval <<<"$da")" "" "device_interval 0 leaves interval out of the response"

idp_config '{"device_interval":30,"enforce_interval":true}'
da=$(device_auth fedjit-public)
dc=$(jget device_code <<<"$da")
is "$(poll fedjit-public "$dc" | jget error)" authorization_pending "first poll with interval enforcement is pending"
is "$(poll fedjit-public "$dc" | jget error)" slow_down "an immediate second poll gets slow_down"
is "$(idp_api GET /test/stats | jget interval_violations)" 1 "stats count the interval violation"
idp_config '{"device_interval":1,"enforce_interval":false}'

# --- key rotation --------------------------------------------------------------
old_kid=$(idp_api GET /test/kids | jget kids.RS256)
rot=$(idp_rotate RS256)
new_kid=$(jget kids.RS256 <<<"$rot")
ok "$([ -n "$new_kid" ] && [ "$new_kid" != "$old_kid" ] && echo 0 || echo 1)" "rotation makes a new RS256 kid"
da=$(device_auth fedjit-public)
idp_approve "$(jget user_code <<<"$da")" alice
t=$(poll fedjit-public "$(jget device_code <<<"$da")" | jget id_token)
is "$(idp_jwt header "$t" kid)" "$new_kid" "tokens after rotation are signed with the new kid"
"${C[@]}" "$FEDJIT_IDP_ISSUER/jwks" >"$tmp/jwks.json"
ok "$(grep -q "$old_kid" "$tmp/jwks.json" && grep -q "$new_kid" "$tmp/jwks.json" && echo 0 || echo 1)" "JWKS publishes the old and the new kid"
idp_jwt verify "$t" "$tmp/jwks.json"
ok $? "the new token verifies against the new JWKS"

# --- the IdP's own pages, as a browser walks them (cookies, forms, redirects) ---
jar=$tmp/jar
B=(curl -sS --max-time 10 --cacert "$FEDJIT_IDP_CA" -L -c "$jar" -b "$jar")
da=$(device_auth fedjit-public)
uc=$(jget user_code <<<"$da")
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
t=$(poll fedjit-public "$(jget device_code <<<"$da")" | jget id_token)
is "$(idp_jwt claim "$t" sub)" u-0001-alice "the browser approval yields alice's id_token"
is "$(idp_jwt claim "$t" acr)" urn:fedjit:acr:mfa "with alice's acr"

# --- user changes at run time -------------------------------------------------
idp_api POST /test/user '{"account":"dave","password":"pw","claims":{"preferred_username":"dave","groups":["staff"]}}' >/dev/null
idp_api POST /test/user '{"account":"alice","claims":{"name":"Alice Changed","groups":["staff"]}}' >/dev/null
da=$(device_auth fedjit-public)
idp_approve "$(jget user_code <<<"$da")" alice
t=$(poll fedjit-public "$(jget device_code <<<"$da")" | jget id_token)
is "$(idp_jwt claim "$t" name)/$(idp_jwt claim "$t" groups)/$(idp_jwt claim "$t" sub)" 'Alice Changed/["staff"]/u-0001-alice' "POST /test/user changes claims, sub stays"
da=$(device_auth fedjit-public)
idp_approve "$(jget user_code <<<"$da")" dave
t=$(poll fedjit-public "$(jget device_code <<<"$da")" | jget id_token)
is "$(idp_jwt claim "$t" preferred_username)" dave "POST /test/user adds a user"

# --- lifetime ------------------------------------------------------------------
pid=$FEDJIT_IDP_PID
idp_stop
ok "$(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" "idp_stop stops the server"
FEDJIT_IDP_LIFETIME=1 idp_start
pid=$FEDJIT_IDP_PID
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
ok "$(kill -0 "$pid" 2>/dev/null && echo 1 || echo 0)" "the server exits by itself after --lifetime"
idp_stop

echo "1..$n"
[ $failed -eq 0 ]
