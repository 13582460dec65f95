#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# op=login-test (`fedjit login-test`) against the real test IdP (tests/idp): the device
# flow as for a login, the verified claims, and what provisioning would do (a dry run
# through provisioning's own decision code), with nothing stored: store and secret
# store bytes unchanged, no home directory. Through the module protocol (helper_client)
# and end to end through the real admin tool and the real helper. Also: an unknown op
# is unsupported. Needs root (the helper drops privileges).
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
echo "1..29"

ISS=$FEDJIT_IDP_ISSUER
FEDJIT=$top_builddir/cli/fedjit
approve() { # approve ACCOUNT -> a command for --approve
	echo "curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"$1\\\"}\" '$ISS/test/approve' >/dev/null"
}
CONF=$T/fedjit.conf
cat >"$CONF" <<EOF
[global]
cache_dir = $T/cache
db_file = $T/fedjit.tdb
secret_db_file = $T/secret.tdb
helper_user = nobody

[domain PRIMARY]
home = $T/home/%u
skel = none

[idp test]
issuer = $ISS
client_id = fedjit-public
scopes = openid profile email groups
ca_file = $FEDJIT_IDP_CA
provisioning = always
domain = PRIMARY
group_map = admins:sudo
group_map = staff:fjstaff
EOF
mkdir -p "$T/home"
# the entry the account plan gives (fedjit uid: the same common/account_plan.h)
plan_uid() { "$FEDJIT" --config "$CONF" uid "$1" | sed -n 's/^uid: //p'; }
# nothing stored: the bytes of both stores (or their absence) and the home directory
snapshot() {
	{
		sha256sum "$T/fedjit.tdb" 2>&1 || echo "no store"
		sha256sum "$T/secret.tdb" 2>&1 || echo "no secret store"
		ls -A "$T/home"
	} | sed "s|$T||g"
}
in_order() { # the message types in this order, each once
	local want=$* got
	got=$(grep -oE '^(device|approved|claims|result)\b' "$T/out" | tr '\n' ' ')
	[ "$got" = "$want " ]
}
# tdb's sequence number (bumped by every commit): the header's sequence_number field
seqnum() { od -An -tu4 -j48 -N4 "$T/fedjit.tdb" | tr -d ' '; }
# the dry run's scratch directory is /tmp/fedjit-dry-run.PID.*: this helper's, not
# another test's running at the same time (the check fails when the pid is not found)
dry_leftovers() {
	local pid
	pid=$(sed -n 's/^fedjit-helper\[\([0-9]*\)\].*/\1/p' "$T/err" | head -n 1)
	[ -z "$pid" ] || ls -d "/tmp/fedjit-dry-run.$pid."* 2>/dev/null | grep -q .
}

# 1-6: a new name, no store at all yet
bob_uid=$(plan_uid bob)
before=$(snapshot)
login --op login-test --dry-run 1 --approve "$(approve bob)" bob
check "new name: device, approved, claims, result in this order" in_order device approved claims result
check "new name: the claims are the verified ID token's (sub, iss, name)" \
	grep -q "^claims json={.*\"iss\":\"$ISS\".*\"name\":\"Bob Builder\".*\"sub\":\"u-0002-bob\"" "$T/out"
check "new name: would=create with the uid of the account plan ($bob_uid)" \
	grep -q "^result status=ok idp=test issuer=$ISS subject=u-0002-bob account=bob would=create uid=$bob_uid gid=$bob_uid home=$T/home/bob shell=/bin/bash gecos=Bob Builder domain=PRIMARY groups=fjstaff$" "$T/out"
check "new name: nothing stored (no store, no secret store, no home created)" \
	test "$(snapshot)" = "$before"
check "new name: the scratch store of the dry run left nothing in /tmp" eval '! dry_leftovers'
check "new name: no provisioning audit line (nothing happened)" eval '! err_has "provisioning: created"'

# 7-12: an existing store; a new name, then the linked account
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice >/dev/null
carol_uid=$(plan_uid carol)
before=$(snapshot)
seq_before=$(seqnum)
login --op login-test --dry-run 1 --approve "$(approve carol)" carol
check "new name beside a stored account: would=create uid=$carol_uid" \
	eval 'result_is ok && test "$(field would)" = create && test "$(field uid)" = "$carol_uid"'
check "new name: the account's groups from group_map (contractors maps to nothing)" \
	grep -q "^result .* domain=PRIMARY groups=\$" "$T/out"
login --op login-test --dry-run 1 --approve "$(approve alice)" alice
check "linked account: would=exists with its stored uid 200001" \
	eval 'result_is ok && test "$(field would)" = exists && test "$(field uid)" = 200001 && test "$(field account)" = alice'
check "linked account: the groups a login would sync (staff->fjstaff, admins->sudo)" \
	grep -q "^result .* groups=fjstaff,sudo$" "$T/out"
check "store bytes, secret store and homes unchanged after two dry runs" \
	test "$(snapshot)" = "$before"
check "store sequence number ($seq_before) unchanged" \
	eval 'test -n "$seq_before" && test "$(seqnum)" = "$seq_before"'

# 13-14: mallory (preferred_username alice) for alice: refused, as a login would be
login --op login-test --dry-run 1 --approve "$(approve mallory)" alice
check "mallory for alice: would=refuse with the reason (wrong_account)" \
	eval 'result_is ok && test "$(field would)" = refuse && grep -q "^result .* reason=wrong_account: account alice belongs to another identity" "$T/out"'
check "mallory for alice: no entry in a refusal" eval '! grep -q "^result .* uid=" "$T/out"'

# 15-16: control: a real login of carol stores what the dry run predicted
login --approve "$(approve carol)" carol
check "control: a real login creates carol with the uid the dry run said ($carol_uid)" \
	eval 'result_is ok && "$FEDJIT" --config "$CONF" user show carol | grep -q "^uid: *$carol_uid$"'
check "control: the real login moved the sequence number and made the home (the checks can fail)" \
	eval 'test "$(seqnum)" != "$seq_before" && test -d "$T/home/carol"'

# 17-20: claims larger than a protocol value (8 KiB): left out, and said so
long=$(printf 'x%.0s' $(seq 3000)) longer=$(printf 'x%.0s' $(seq 3500))
idp_api POST /test/user "{\"account\":\"gina\",\"sub\":\"u-0008-gina\",\"claims\":{\"preferred_username\":\"gina\",\"name\":\"Gina $longer\",\"given_name\":\"$long\",\"family_name\":\"$long\",\"groups\":[\"staff\"]}}" >/dev/null
login --op login-test --dry-run 1 --approve "$(approve gina)" gina
check "large claims: the biggest are omitted and named (omitted=...)" \
	grep -q '^claims json=.* omitted="name"$' "$T/out"
json=$(sed -n 's/^claims json=\(.*\) omitted=.*/\1/p' "$T/out")
check "large claims: what is sent is one JSON object within 8 KiB, with sub" \
	python3 -c 'import json,sys; s=sys.argv[1]; o=json.loads(s); assert len(s)<=8192 and o["sub"]=="u-0008-gina" and "name" not in o and len(o["family_name"])==3000' "$json"
check "large claims: the person is told (msg=info)" grep -q '^info text=Claims too large to show' "$T/out"
check "large claims: still would=create, gecos cut to 255 bytes" \
	eval 'test "$(field would)" = create && test "$(sed -n "s/^result .* gecos=\(Gina x*\) domain=.*/\1/p" "$T/out" | wc -c)" = 256'

# 21-23: the request itself
login --op login-test --approve "$(approve bob)" bob
check "op=login-test without dry_run=1: error, no device flow" \
	eval 'result_is error && ! out_has "^device" && err_has "without dry_run=1"'
login --op frobnicate alice
check "an unknown op: status unsupported" result_is unsupported
login --op frobnicate nosuchuser
check "an unknown op for a name fedjit does not know: still unsupported" result_is unsupported

# 24-29: end to end: the admin tool runs the real helper
before=$(snapshot)
"$FEDJIT" --config "$CONF" login-test dave --helper "$HELPER" >"$T/cli.out" 2>"$T/cli.err" &
cli=$!
code=
for _ in $(seq 600); do
	code=$(sed -n 's/.*enter the code \([A-Z0-9-]*\).*/\1/p' "$T/cli.out")
	[ -n "$code" ] && break
	sleep 0.1
done
idp_approve "$code" bob >/dev/null 2>&1
wait "$cli"
rc=$?
cp "$T/cli.out" "$T/out"
check "fedjit login-test: shows the code, then approved" \
	eval 'test -n "$code" && grep -q "^approved$" "$T/cli.out"'
check "fedjit login-test: prints the verified claims" grep -q '"sub": "u-0002-bob"' "$T/cli.out"
check "fedjit login-test: bob's identity for the name dave would be refused (name mismatch)" \
	eval 'grep -q "^would: refuse$" "$T/cli.out" && grep -q "^reason: wrong_account: the identity.s name is bob, not dave" "$T/cli.out"'
check "fedjit login-test exits 0 (the dry run itself worked)" test "$rc" = 0
"$FEDJIT" --config "$CONF" login-test bob --helper "$HELPER" >"$T/cli.out" 2>"$T/cli.err" &
cli=$!
code=
for _ in $(seq 600); do
	code=$(sed -n 's/.*enter the code \([A-Z0-9-]*\).*/\1/p' "$T/cli.out")
	[ -n "$code" ] && break
	sleep 0.1
done
idp_approve "$code" bob >/dev/null 2>&1
wait "$cli"
rc=$?
check "fedjit login-test bob: would create uid $bob_uid, exit 0" \
	eval 'test "$rc" = 0 && grep -q "^would: create$" "$T/cli.out" && grep -q "^uid: $bob_uid$" "$T/cli.out" && grep -q "^home: $T/home/bob$" "$T/cli.out"'
check "fedjit login-test: nothing stored" test "$(snapshot)" = "$before"
helper_done
