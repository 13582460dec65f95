#!/bin/bash
# pam_fedjit.so end to end: libpam loads the module from the build tree, the
# module runs the real fedjit-helper, the helper talks to the test IdP
# (tests/idp, oidc-provider over HTTPS). tests/pam/pam_driver plays the person:
# it approves at the IdP's test API when the Enter prompt shows, with the user
# code it was shown. Needs root (the helper drops privileges) and node.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
if [ ! -f "$top_srcdir/tests/helper/lib.sh" ] || [ ! -x "$top_builddir/pam/helper/fedjit-helper" ]; then
	echo "1..0 # SKIP fedjit-helper not built"
	exit 0
fi
. "$top_srcdir/tests/helper/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
echo "1..15"

ISS=$FEDJIT_IDP_ISSUER
DRIVER=$top_builddir/tests/pam/pam_driver
MODULE=$top_builddir/pam/.libs/pam_fedjit.so
CONF=$T/fedjit.conf
mkdir -p "$T/pam.d"
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice &&
	"$MKACCOUNT" "$T/fedjit.tdb" bob 200002 test "$ISS" u-0002-bob &&
	"$MKACCOUNT" "$T/fedjit.tdb" carol 200003 test "$ISS" u-0003-carol locked ||
	echo "# mkaccount failed: the store is not usable"

service() { # service MODULE-ARGS...: the fedjit-e2e service, auth and account
	{
		echo "auth required $MODULE config=$CONF helper=$HELPER $*"
		echo "account required $MODULE config=$CONF helper=$HELPER $*"
		# libpam fails a stack of nothing but PAM_IGNORE
		echo "account required pam_permit.so"
	} >"$T/pam.d/fedjit-e2e"
}
approve_as() { # approve_as ACCOUNT: a command for --approve, run with $USER_CODE set
	echo "node '$top_srcdir/tests/idp/approve.mjs' --url '$ISS' --cacert '$FEDJIT_IDP_CA' --code \"\$USER_CODE\" --user $1 >/dev/null"
}
deny() {
	echo "node '$top_srcdir/tests/idp/approve.mjs' --url '$ISS' --cacert '$FEDJIT_IDP_CA' --code \"\$USER_CODE\" --deny >/dev/null"
}
free_port() {
	node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
pam() { # pam DRIVER-ARGS...: output in $T/out
	"$DRIVER" "$@" >"$T/out" 2>&1
	sed -i 's/\r//' "$T/out"
}
pam_is() { grep -q "^pam=$1 " "$T/out"; }
shows() { grep -q -- "$1" "$T/out"; }
check_pam() { # check_pam DESC CODE [PATTERN]
	local desc=$1 code=$2 pat=${3:-}
	if pam_is "$code" && { [ -z "$pat" ] || shows "$pat"; }; then ok "$desc"; else
		not_ok "$desc"
		sed 's/^/#   /' "$T/out" | grep -v '[▀▄█]' | head -30
	fi
}

# 1-4: alice approves as alice; what she saw arrived in one conversation call
service timeout=60
pam --approve "$(approve_as alice)" "$T/pam.d" alice
check_pam "alice signs in to her linked account" 0
check "the address, the code, the QR code and the Enter prompt came in one call" \
	bash -c "grep -q '^call 1: 3 messages' '$T/out' &&
		grep -q '^info: To sign in, open this address in a browser:|  $ISS/device|and enter the code:  [A-Z]\{4\}-[A-Z]\{4\}' '$T/out' &&
		grep -q '^info: Or scan this code with your phone:|[▀▄█ |]*$' '$T/out' &&
		grep -q '^secret: Press Enter once you have approved the sign-in' '$T/out'"
check "nothing but that one call was needed" bash -c "! grep -q '^call 2:' '$T/out'"
pam --op account "$T/pam.d" alice
check_pam "account phase for alice: success (or no opinion), never a denial" 0
pam --op account "$T/pam.d" carol
check_pam "account phase for carol (locked): PAM_PERM_DENIED with the reason" 6 \
	"^error: This account is locked."
pam --op account "$T/pam.d" zed
check_pam "account phase for a name not in the store: PAM_USER_UNKNOWN" 10

# 5-6: binding (ARCHITECTURE.md invariant 3): mallory, whose preferred_username is
# alice, and bob approve for alice's account
pam --approve "$(approve_as mallory)" "$T/pam.d" alice
check_pam "mallory (preferred_username alice) cannot sign in as alice" 7 \
	"^error: You signed in as someone who does not own this account."
pam --approve "$(approve_as bob)" "$T/pam.d" alice
check_pam "bob cannot sign in as alice" 7

# 7: the person denies at the IdP
pam --approve "$(deny)" "$T/pam.d" alice
check_pam "denied at the IdP: PAM_AUTH_ERR with a plain message" 7 "^error: .*denied"

# 8: Enter before approving: reminded, then approval and success
: >"$T/out" # the loops below must not read the previous case's output
pam --approve "true" "$T/pam.d" bob &
driver=$!
for _ in $(seq 300); do grep -q '^secret: Press Enter' "$T/out" 2>/dev/null && break; sleep 0.2; done
for _ in $(seq 300); do grep -q 'not been approved yet' "$T/out" 2>/dev/null && break; sleep 0.2; done
code=$(sed -n 's/.*enter the code:  \([A-Z-]*\).*/\1/p' "$T/out" | head -1)
idp_approve "$code" bob >/dev/null 2>&1
wait $driver
check_pam "Enter pressed before approval: reminded, asked again, then signed in" 0 \
	"^info: The sign-in has not been approved yet."

# 9-10: nowait: the instructions alone, then the result
service timeout=60 nowait noqr
: >"$T/out"
pam --approve "$(approve_as alice)" "$T/pam.d" alice &
driver=$!
for _ in $(seq 300); do grep -q 'enter the code' "$T/out" 2>/dev/null && break; sleep 0.2; done
code=$(sed -n 's/.*enter the code:  \([A-Z-]*\).*/\1/p' "$T/out" | head -1)
idp_approve "$code" alice >/dev/null 2>&1
wait $driver
check_pam "nowait: signed in without pressing Enter" 0
check "nowait noqr: one info message, no prompt, no QR code" \
	bash -c "grep -q '^call 1: 1 messages' '$T/out' && ! grep -q '^secret:\|[▀▄█]' '$T/out'"

# 11: nobody approves: the deadline
service timeout=3 nowait
pam "$T/pam.d" alice
# (the message is the helper's; under ASan its network child may miss its own
# deadline and report an error instead of a timeout: the code is what counts)
check_pam "nobody approves: the sign-in fails at the deadline" 7 "^error: "

# 12: a name no IdP handles goes to the next module
pam "$T/pam.d" root
check_pam "root is not fedjit's: PAM_USER_UNKNOWN" 10

# 13: IdP down
write_config "$CONF" "issuer=https://127.0.0.1:$(free_port)" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
service timeout=30
pam "$T/pam.d" alice
check_pam "IdP down: PAM_AUTHINFO_UNAVAIL, cannot be reached" 9 "cannot be reached"

[ "$failed" -eq 0 ]
