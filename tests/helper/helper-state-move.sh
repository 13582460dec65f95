#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# An upgrade from a fedjit that kept the account state and refresh token records in the
# secret store (common/store_state_move.c), through the real helper and admin tool:
#   - before any read-write open, the account phase (a read-only opener, which never
#     waits for the writers' lock) judges by the secret store's record: alice's IdP
#     groups allow her, bob's refuse him;
#   - `fedjit login-test` with no store yet (a dry run with a scratch store) moves
#     nothing;
#   - the first read-write open (`fedjit db recover`, as the package's postinst runs
#     it) moves them into the private store, with the marker, and deletes them from
#     the secret store; password hashes stay there;
#   - the account phase then judges by the private store's copy, the same way;
#   - a record that shows up in the secret store after the move (a crash between its
#     two commits) is never read, and `fedjit db recover` deletes it;
#   - `fedjit db check`: consistent. Needs root.
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
[ "$STORE_OK" = 1 ] || { echo "1..0 # SKIP the store cannot create accounts yet"; exit 0; }

ISS=$FEDJIT_IDP_ISSUER
MKSTATE=$top_builddir/tests/helper/mkstate
FEDJIT=$top_builddir/cli/fedjit
CONF=$T/fedjit.conf
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" \
	"scopes=openid profile email groups" provisioning=always domain=PRIMARY \
	allowed_groups=admins revalidate_after=0
printf '[domain PRIMARY]\nhome = %s/home/%%u\nskel = none\n' "$T" >>"$CONF"
mkdir -p "$T/home"
secret_keys() { tdbdump "$T/secret.tdb" 2>/dev/null | sed -n 's/^key([0-9]*) = "\(.*\)"$/\1/p'; }
status() { sed -n 's/^result status=\([a-z_]*\).*/\1/p' "$T/out"; }

"$MKSTATE" --legacy "$T/secret.tdb" alice groups=staff,admins token=legacy-rt-alice \
	"issuer=$ISS" client=fedjit-public
"$MKSTATE" --legacy "$T/secret.tdb" bob groups=contractors
# a record of the secret store's own, which stays (its bytes do not matter here)
tdbtool "$T/secret.tdb" store pwhash/alice x >/dev/null 2>&1

echo "1..13"
check "the older fedjit's records are in the secret store (positive control)" \
	eval 'test "$(secret_keys | grep -c "^state/\|^refresh/")" = 3 && ! test -e "$T/fedjit.tdb"'

# no store yet: the dry run decides against an empty scratch store of its own, which
# must not take the secret store's records
approve="curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"carol\\\"}\" '$ISS/test/approve' >/dev/null"
CONF=$T/dry.conf # the same store, without allowed_groups (carol is a contractor)
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" \
	"scopes=openid profile email groups" provisioning=always domain=PRIMARY
printf '[domain PRIMARY]\nhome = %s/home/%%u\nskel = none\n' "$T" >>"$CONF"
login --op login-test --dry-run 1 --approve "$approve" carol
CONF=$T/fedjit.conf
check "fedjit login-test with no store yet (provisioning's dry run, in a scratch store: would=create) moved nothing" \
	eval 'grep -q "^result status=ok .*would=create" "$T/out" &&
		test "$(secret_keys | grep -c "^state/\|^refresh/")" = 3 && ! private_keys | grep -q "^state-moved$"'

"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice >/dev/null
"$MKACCOUNT" "$T/fedjit.tdb" bob 200002 test "$ISS" u-0002-bob >/dev/null
check "the accounts' store, without the records yet" eval '! private_keys | grep -q "^state/"'

login --op account alice
check "before the move: the account phase allows alice by the secret store's record (groups staff,admins)" \
	test "$(status)" = ok
login --op account bob
check "... and refuses bob (groups contractors)" test "$(status)" = not_allowed
check "... and moved nothing (a read-only opener)" \
	eval 'test "$(secret_keys | grep -c "^state/\|^refresh/")" = 3 && ! private_keys | grep -q "^state-moved$"'

"$FEDJIT" --config "$CONF" db recover >"$T/out" 2>"$T/err"
check "fedjit db recover (the postinst's) moves them: state and refresh token, and the marker" \
	eval 'private_keys | grep -qx state/alice && private_keys | grep -qx refresh/alice &&
		private_keys | grep -qx state/bob && private_keys | grep -qx state-moved'
check "... deletes them from the secret store" \
	eval '! secret_keys | grep -q "^state/\|^refresh/"'
check "... and keeps what else the secret store holds (a password hash)" \
	eval 'secret_keys | grep -qx pwhash/alice'

login --op account alice
check "after the move: the account phase allows alice by the private store's record" \
	test "$(status)" = ok
login --op account bob
check "... and refuses bob" test "$(status)" = not_allowed

# what a crash between the move's two commits leaves: a copy the marker says is old
"$MKSTATE" --legacy "$T/secret.tdb" bob groups=staff,admins
login --op account bob
check "a record that shows up in the secret store after the move is never read (bob still refused)" \
	test "$(status)" = not_allowed
"$FEDJIT" --config "$CONF" db recover >"$T/out" 2>"$T/err"
check "fedjit db recover deletes it and says so; db check: consistent" \
	eval 'grep -q "(1 moved account state records deleted)" "$T/out" && ! secret_keys | grep -q "^state/" &&
		"$FEDJIT" --config "$CONF" db check | grep -q ": consistent$"'
helper_done
