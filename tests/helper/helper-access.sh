#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The one access decision (pam/provision/access.h), through every path that asks it,
# against the real test IdP: for each combination of owner (the signing-in identity
# owns the account, or another one does), lock (none, by the administrator, disabled
# at the IdP), the account's IdP (configured, or removed) and groups (the IdP groups
# inside allowed_groups or not), and for the two cases without an account (a name
# sshd's pre-auth entry answers; provisioning off), the answer of
#   - a device-flow login with provisioning = none   (binding, pam/helper/binding.c)
#   - a device-flow login with provisioning = always (provisioning, provision.c)
#   - `fedjit login-test` (op=login-test, provisioning's dry run)
#   - the account phase after any other authentication (op=account, an SSH key)
# is the row of the table below. The account phase judges by the IdP groups of the
# last verification (seeded, recent) and never by an identity. Needs root.
. "$(dirname "$0")/lib.sh"
helper_setup
idp_start || { echo "1..0 # SKIP the test IdP did not start"; exit 0; }
[ "$STORE_OK" = 1 ] || { echo "1..0 # SKIP the store cannot create accounts yet"; exit 0; }

ISS=$FEDJIT_IDP_ISSUER
MKSTATE=$top_builddir/tests/helper/mkstate
approve() { # approve ACCOUNT -> a command for --approve
	echo "curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"$1\\\"}\" '$ISS/test/approve' >/dev/null"
}
CONF=$T/fedjit.conf
conf() { # conf PROVISIONING ALLOWED_GROUP
	local extra=()
	[ "$1" = always ] && extra=(domain=PRIMARY)
	write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA" \
		"scopes=openid profile email groups" "provisioning=$1" "${extra[@]}" \
		"allowed_groups=$2"
	printf '[domain PRIMARY]\nhome = %s/home/%%u\nskel = none\n' "$T" >>"$CONF"
}
mkdir -p "$T/home"

# The status an operation answered: a refusal of login-test is "would=refuse
# reason=STATUS: ...", its success would=exists/create.
status_of() {
	local st would
	st=$(sed -n 's/^result status=\([a-z_]*\).*/\1/p' "$T/out")
	would=$(sed -n 's/^result .* would=\([a-z]*\).*/\1/p' "$T/out")
	if [ "$st" = ok ] && [ "$would" = refuse ]; then
		sed -n 's/^result .* reason=\([a-z_]*\):.*/\1/p' "$T/out"
	else
		echo "${st:-none}"
	fi
}

# row OWNER LOCK IDP GROUPS LOGIN ACCOUNT: alice's account (owned by alice's identity
# u-0001-alice, or by u-0666-mallory), locked or not, of IdP test or of a removed IdP,
# her last verified IdP groups (staff, admins) inside allowed_groups (admins) or not
# (contractors); alice's identity signs in.
row() {
	local owner=$1 lock=$2 idp=$3 groups=$4 want_login=$5 want_account=$6 got=()
	local sub=u-0001-alice idpname=test allowed=admins lockarg=() what
	[ "$owner" = other ] && sub=u-0666-mallory
	[ "$idp" = removed ] && idpname=gone
	[ "$groups" = out ] && allowed=contractors
	what="owner=$owner lock=$lock idp=$idp groups=$groups"
	rm -f "$T/fedjit.tdb" "$T/secret.tdb"
	"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 "$idpname" "$ISS" "$sub" \
		$([ "$lock" != none ] && echo locked) >/dev/null
	[ "$lock" != none ] && lockarg=("lock=$lock")
	"$MKSTATE" "$T/fedjit.tdb" alice groups=staff,admins "${lockarg[@]}"
	conf always "$allowed"
	login --op account alice
	got+=("account=$(status_of)")
	login --op login-test --dry-run 1 --approve "$(approve alice)" alice
	got+=("login-test=$(status_of)")
	conf none "$allowed"
	login --approve "$(approve alice)" alice
	got+=("login(none)=$(status_of)")
	conf always "$allowed"
	login --approve "$(approve alice)" alice
	got+=("login(always)=$(status_of)")
	local want="account=$want_account login-test=$want_login login(none)=$want_login login(always)=$want_login"
	check "$what: login $want_login, account phase $want_account" test "${got[*]}" = "$want"
	[ "${got[*]}" = "$want" ] || echo "#   got: ${got[*]}"
}

echo "1..26"
#   OWNER LOCK  IDP     GROUPS  LOGIN (all three)  ACCOUNT PHASE
row self  none  kept    in      ok                 ok
row self  none  kept    out     not_allowed        not_allowed
row self  none  removed in      idp_removed        idp_removed
row self  none  removed out     idp_removed        idp_removed
row self  admin kept    in      locked             locked
row self  admin kept    out     locked             locked
row self  admin removed in      locked             locked
row self  admin removed out     locked             locked
row self  idp   kept    in      disabled           disabled
row self  idp   kept    out     disabled           disabled
row self  idp   removed in      disabled           disabled
row self  idp   removed out     disabled           disabled
# another identity owns the account: a login is refused before the account's state is
# told; without an identity (or when its IdP is gone, so nobody can sign in) the
# account's own state answers
row other none  kept    in      wrong_account      ok
row other none  kept    out     wrong_account      not_allowed
row other none  removed in      idp_removed        idp_removed
row other none  removed out     idp_removed        idp_removed
row other admin kept    in      wrong_account      locked
row other admin kept    out     wrong_account      locked
row other admin removed in      locked             locked
row other admin removed out     locked             locked
row other idp   kept    in      wrong_account      disabled
row other idp   kept    out     wrong_account      disabled
row other idp   removed in      disabled           disabled
row other idp   removed out     disabled           disabled

# No account. A name sshd's pre-auth entry answers (provisioning = always): the account
# phase refuses it (not_provisioned: whatever else authenticated the person, sshd only
# had a pre-auth entry), a device flow creates it (login-test: would=create).
rm -f "$T/fedjit.tdb" "$T/secret.tdb"
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice >/dev/null
conf always staff
got=()
login --op account bob
got+=("account=$(status_of)")
login --op login-test --dry-run 1 --approve "$(approve bob)" bob
got+=("login-test=$(status_of)/$(sed -n 's/^result .* would=\([a-z]*\).*/\1/p' "$T/out")")
login --approve "$(approve bob)" bob
got+=("login(always)=$(status_of)")
check "no account, sshd's pre-auth entry: account phase not_provisioned, a login creates it" \
	test "${got[*]}" = "account=not_provisioned login-test=ok/create login(always)=ok"
[ "${got[*]}" = "account=not_provisioned login-test=ok/create login(always)=ok" ] ||
	echo "#   got: ${got[*]}"
# Provisioning off: the name is not fedjit's (unknown_user: other modules decide);
# a device flow finds no account.
rm -f "$T/fedjit.tdb" "$T/secret.tdb"
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice >/dev/null
conf none staff
got=()
login --op account bob
got+=("account=$(status_of)")
login --op login-test --dry-run 1 --approve "$(approve bob)" bob
got+=("login-test=$(status_of)")
login --approve "$(approve bob)" bob
got+=("login(none)=$(status_of)")
check "no account, provisioning off: account phase unknown_user, a login no_account" \
	test "${got[*]}" = "account=unknown_user login-test=no_account login(none)=no_account"
[ "${got[*]}" = "account=unknown_user login-test=no_account login(none)=no_account" ] ||
	echo "#   got: ${got[*]}"

helper_done
