#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fedjit-helper's provisioning joints that need no IdP, through the module's side of
# pam/proto/proto.h (helper_client): the check before any device flow (a name provisioning
# would refuse gets unknown_user at once) and op=chauthtok (prelim, update with and
# without a current local password). Needs root (the secret store is root-only).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi
HELPER=$top_builddir/pam/helper/fedjit-helper
CLIENT=$top_builddir/tests/helper/helper_client
MKACCOUNT=$top_builddir/tests/helper/mkaccount
if [ "${FEDJIT_VALGRIND:-0}" = 1 ]; then
	HELPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite $HELPER"
fi
T=$(mktemp -d /tmp/fedjit-helper-prov.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; sed 's/^/#   /' "$T/out"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
has() { grep -q -- "$1" "$T/out"; }
unclean=0
run() {
	FEDJIT_HELPER_LOG_STDERR=1 "$CLIENT" "$@" "$HELPER" "$T/fedjit.conf" "$USERNAME" >"$T/out" 2>&1
	grep -q '^exit=0$' "$T/out" || { unclean=$((unclean + 1)); sed 's/^/#   /' "$T/out"; }
}

cat >"$T/fedjit.conf" <<CONF
[global]
db_file = $T/fedjit.tdb
secret_db_file = $T/secret.tdb
cache_dir = $T/cache
[domain PRIMARY]
username_regex = [a-z]{5,}
[idp test]
issuer = https://idp.invalid
client_id = fedjit
provisioning = always
domain = PRIMARY
prompt = password+consent
CONF
echo "1..12"

USERNAME=bob run
check "precheck: a name against username_regex is unknown_user before any device flow" \
	eval 'has "result status=unknown_user" && has "username_regex" && ! has "^device"'
USERNAME=root run
check "precheck: root is unknown_user" eval 'has "result status=unknown_user" && ! has "^device"'
USERNAME=jenkins run
check "precheck: a reserved service account name (jenkins) is unknown_user, named as such" \
	eval 'has "result status=unknown_user" && has "reserved for a service account" && ! has "^device"'
USERNAME=zabbix run
check "precheck: zabbix too" eval 'has "result status=unknown_user" && ! has "^device"'

"$MKACCOUNT" "$T/fedjit.tdb" carla 200500 test https://idp.invalid sub-carla >/dev/null
USERNAME=carla run --op chauthtok --phase prelim
check "chauthtok prelim: ok for a fedjit account" has "result status=ok"
USERNAME=nobody1 run --op chauthtok --phase update
check "chauthtok: not a fedjit account is unknown_user" has "result status=unknown_user"
USERNAME=carla run --op chauthtok --phase update --answer short --answer 'NewPass123' --answer 'NewPass123'
check "chauthtok update: asks twice, refuses a short one, sets the password" \
	eval 'has "result status=ok" && has "at least 8" && ! has "Current local password"'
hash_only_in_secret() { ! grep -qaF '$y$' "$T/fedjit.tdb" && grep -qaF '$y$' "$T/secret.tdb"; }
check "chauthtok update: the hash is in the secret store only" hash_only_in_secret
USERNAME=carla run --op chauthtok --phase update --answer 'wrong-one'
check "chauthtok update: a wrong current password is denied" \
	eval 'has "Current local password" && has "result status=denied"'
USERNAME=carla run --op chauthtok --phase update --answer 'NewPass123' --answer 'Other456x' --answer 'Other456x'
check "chauthtok update: the right current password, then the new one" has "result status=ok"
USERNAME=carla run --op chauthtok --phase update --answer 'Other456x' --answer 'Third789y' --answer 'Third789y'
check "chauthtok update: the new password is the current one now" has "result status=ok"
check "the helper ended cleanly every time (exit 0; under valgrind: no error, no leak)" \
	test "$unclean" = 0
[ "$failed" = 0 ]
