#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fedjit-helper and what a federated identity may reach, against the test IdPs
# (tests/idp): hostile claims reach the helper's log lines escaped, one line per
# message (common/escape.h); a name from the email claim needs email_verified; a
# discovery document whose endpoints leave the issuer's host is refused and never
# cached (pam/idp/discovery.h).
. "$(dirname "$0")/lib.sh"
helper_setup
bad_idp_start || { echo "1..0 # SKIP the misbehaving IdP did not start"; exit 0; }
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
ISS=$FEDJIT_IDP_ISSUER
approve() { # approve ACCOUNT -> a command for --approve
	echo "curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"$1\\\"}\" '$ISS/test/approve' >/dev/null"
}

CONF=$T/fedjit.conf
# bad_idp_claims JSON: the good scenario, with these claims in the ID token
bad_idp_claims() {
	curl -sSf --max-time 10 --cacert "$FEDJIT_BAD_IDP_CA" -H 'content-type: application/json' \
		--data-binary "{\"name\":\"good\",\"claims\":$1}" "$FEDJIT_BAD_IDP_ISSUER/test/scenario" >/dev/null
}
# no_line_starts PREFIX FILE: no line of FILE starts with PREFIX (a forged log line)
no_line_starts() { ! grep -q "^$1" "$2"; }

# ---- claims in the log: one line per message ----
# The helper's log (FEDJIT_HELPER_LOG_STDERR: LOG_PERROR copies every syslog message to
# stderr as it is sent, one message and a newline) must not get a line from the IdP.
bad_idp_claims '{"preferred_username":"alice\nfedjit-helper[1]: FORGED root signed in"}'
write_config "$CONF" "issuer=$FEDJIT_BAD_IDP_ISSUER" client_id=fedjit-public "ca_file=$FEDJIT_BAD_IDP_CA"
"$MKACCOUNT" "$T/fedjit.tdb" bob 200002 test "$FEDJIT_BAD_IDP_ISSUER" u-0002-bob >/dev/null
login --timeout 20 alice
check_store "a preferred_username with a line feed: the refusal is logged as one line, escaped" \
	bash -c "grep -q '^result status=no_account' '$T/out' &&
		grep -qF '[claimed name alice\\x0afedjit-helper[1]: FORGED root signed in]' '$T/err'"
check "... and no log line starts with the forged text" \
	bash -c "! grep -q '^fedjit-helper\\[1\\]: FORGED\|^FORGED' '$T/err'"
check_store "... and the module gets the log escaped too (log= of the result)" \
	grep -qF 'claimed name alice\x0afedjit-helper' "$T/out"

# ---- email_verified: a name from the email claim needs a verified address ----
# prov_config ISSUER CA [IDP KEY=VALUE...]: provisioning into a domain whose homes are
# under $T, the name from the email claim
prov_config() {
	local iss=$1 ca=$2
	shift 2
	rm -rf "$T/fedjit.tdb" "$T/home"
	mkdir -p "$T/home"
	{
		printf '[global]\ncache_dir = %s/cache\ndb_file = %s/fedjit.tdb\n' "$T" "$T"
		printf 'secret_db_file = %s/secret.tdb\nhelper_user = nobody\n' "$T"
		printf 'run_dir = %s/run\ndevice_flow_spacing = 0\n' "$T"
		printf '[domain PRIMARY]\nhome = %s/home/%%u\nskel = none\n' "$T"
		printf '[idp test]\nissuer = %s\nclient_id = fedjit-public\nca_file = %s\n' "$iss" "$ca"
		printf 'provisioning = always\ndomain = PRIMARY\nusername_claim = email\n'
		printf 'username_strip_suffix = @example.test\n'
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$CONF"
}
prov_config "$ISS" "$FEDJIT_IDP_CA"
login --approve "$(approve carol)" carol
check_store "email_verified false (carol at the test IdP): refused, nothing created" \
	bash -c "grep -q '^result status=error message=Your sign-in provider has not verified your email address' '$T/out' &&
		grep -q 'username_claim = email, but email_verified is false' '$T/err' &&
		! grep -q 'account=carol' '$T/out' && [ ! -e '$T/home/carol' ]"
login --approve "$(approve alice)" alice
check_store "email_verified true (alice): the account is created" \
	grep -q "^result status=ok idp=test issuer=$ISS subject=u-0001-alice account=alice" "$T/out"
# an IdP that sends no email_verified at all (Entra ID)
bad_idp_claims '{"preferred_username":"alice","email_verified":null}'
prov_config "$FEDJIT_BAD_IDP_ISSUER" "$FEDJIT_BAD_IDP_CA"
login --timeout 20 alice
check_store "email_verified absent: refused while trust_email is off" \
	bash -c "grep -q '^result status=error' '$T/out' && grep -q 'email_verified is absent (and trust_email is off)' '$T/err'"
prov_config "$FEDJIT_BAD_IDP_ISSUER" "$FEDJIT_BAD_IDP_CA" trust_email=yes
login --timeout 20 alice
check_store "email_verified absent, trust_email = yes: the account is created" \
	grep -q "^result status=ok .*account=alice" "$T/out"

# ---- discovery: endpoints on the issuer's host or endpoint_hosts only ----
bad_stats() {
	curl -sSf --max-time 10 --cacert "$FEDJIT_BAD_IDP_CA" "$FEDJIT_BAD_IDP_ISSUER/test/stats"
}
bad_reset() {
	curl -sSf --max-time 10 --cacert "$FEDJIT_BAD_IDP_CA" -X POST "$FEDJIT_BAD_IDP_ISSUER/test/stats/reset" >/dev/null
}
bad_idp_scenario discovery-foreign-endpoints
write_config "$CONF" "issuer=$FEDJIT_BAD_IDP_ISSUER" client_id=fedjit-public "ca_file=$FEDJIT_BAD_IDP_CA"
rm -rf "$T/cache"
bad_reset
login --timeout 20 alice
check "a discovery document with endpoints on another host (localhost) is refused" \
	bash -c "grep -q '^result status=error' '$T/out' &&
		grep -q 'discovery document refused: token_endpoint: host localhost is neither the issuer.s nor listed in endpoint_hosts' '$T/err'"
check "... nothing of it was cached" bash -c "! ls '$T'/cache/*.discovery 2>/dev/null | grep -q ."
check "... and no device authorization request was made" \
	bash -c "! grep -q 'POST /device/auth' <<<'$(bad_stats)'"
write_config "$CONF" "issuer=$FEDJIT_BAD_IDP_ISSUER" client_id=fedjit-public "ca_file=$FEDJIT_BAD_IDP_CA" \
	endpoint_hosts=localhost
rm -rf "$T/cache"
login --timeout 20 alice
check "endpoint_hosts = localhost: the same document is accepted and used" \
	bash -c "grep -q '^result status=\(ok\|no_account\)' '$T/out' && ls '$T'/cache/*.discovery >/dev/null"
"$top_builddir/cli/fedjit" --config "$CONF" config check >"$T/check" 2>&1
check "fedjit config check shows the key" grep -qx 'endpoint_hosts = localhost' "$T/check"
# A poisoned document already in the cache (written by root before this check existed,
# or by a network child that got around its own check) is refused when it is read:
# the helper fetches a fresh one instead of sending the login to localhost.
poisoned=$T/cache/$(printf '%s' "$FEDJIT_BAD_IDP_ISSUER" | sha256sum | cut -c1-32).discovery
test -f "$poisoned" || echo "# no cached document at $poisoned"
bad_idp_scenario good
write_config "$CONF" "issuer=$FEDJIT_BAD_IDP_ISSUER" client_id=fedjit-public "ca_file=$FEDJIT_BAD_IDP_CA"
bad_reset
login --timeout 20 alice
check "a cached document with endpoints on another host is not used: fetched afresh" \
	bash -c "grep -q '^result status=\(ok\|no_account\)' '$T/out' && grep -q 'discovery: fetching' '$T/err' &&
		! grep -q 'discovery from the cache' '$T/err' &&
		grep -q 'GET /.well-known/openid-configuration\":1' <<<'$(bad_stats)'"
check "... and the cache now holds the good one" \
	bash -c "! grep -q localhost '$poisoned'"

echo "1..$n"
helper_done
