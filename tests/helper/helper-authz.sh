#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fedjit-helper and what a federated identity may reach, against the test IdPs
# (tests/idp): hostile claims reach the helper's log lines escaped, one line per
# message (common/escape.h).
. "$(dirname "$0")/lib.sh"
helper_setup
bad_idp_start || { echo "1..0 # SKIP the misbehaving IdP did not start"; exit 0; }

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

echo "1..$n"
helper_done
