#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Changing a fedjit account's local password (op=chauthtok, pam_sm_chauthtok), through
# the module protocol (helper_client) and through pam_fedjit.so itself (libpam loads the
# module from the build tree, tests/pam/pam_driver calls pam_chauthtok): wrong current
# password, mismatch and a weak one refused with the hash unchanged; success stores a
# yescrypt hash that crypt(3) verifies for the new password only. The hash is read back
# with `fedjit db dump --secrets`. Then a local account's password through the stack
# pam-auth-update writes (pam_fedjit, then pam_unix with use_authtok), in a private
# mount namespace over /etc. No IdP needed. Needs root (root-only secret store).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd) # absolute: libpam resolves relative module paths in its own dir
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi
if ! command -v perl >/dev/null; then
	echo "1..0 # SKIP perl (its crypt() checks the hashes) not installed"
	exit 0
fi
HELPER=$top_builddir/pam/helper/fedjit-helper
CLIENT=$top_builddir/tests/helper/helper_client
MKACCOUNT=$top_builddir/tests/helper/mkaccount
FEDJIT=$top_builddir/cli/fedjit
DRIVER=$top_builddir/tests/pam/pam_driver
MODULE=$top_builddir/pam/.libs/pam_fedjit.so
HELPER_CMD=$HELPER
if [ "${FEDJIT_VALGRIND:-0}" = 1 ]; then
	HELPER_CMD="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite $HELPER"
fi
T=$(mktemp -d /tmp/fedjit-chauthtok.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 failed=0 unclean=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"
	sed 's/^/#   /' "$T/out"
}
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
has() { grep -q -- "$1" "$T/out"; }
run() { # run USER CLIENT-ARGS...: op=chauthtok phase=update through the protocol
	local user=$1; shift
	"$CLIENT" --op chauthtok --phase update "$@" "$HELPER_CMD" "$T/fedjit.conf" "$user" >"$T/out" 2>&1
	grep -q '^exit=0$' "$T/out" || unclean=$((unclean + 1))
}
pam() { # pam USER ANSWERS...: pam_chauthtok through the module
	local user=$1; shift
	local args=()
	for a in "$@"; do args+=(--answer "$a"); done
	"$DRIVER" --op chauthtok "${args[@]}" "$T/pam.d" "$user" >"$T/out" 2>&1
}
hash_of() { # the stored hash of carla ("" when none)
	"$FEDJIT" --config "$T/fedjit.conf" db dump --secrets |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["secrets"]["password_hashes"].get("carla",""))'
}
verifies() { # verifies PASSWORD HASH
	perl -e 'exit(length($ARGV[1]) && crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? 0 : 1)' "$1" "$2"
}

cat >"$T/fedjit.conf" <<CONF
[global]
db_file = $T/fedjit.tdb
secret_db_file = $T/secret.tdb
cache_dir = $T/cache
[idp test]
issuer = https://idp.invalid
client_id = fedjit
provisioning = always
domain = PRIMARY
prompt = password+consent
CONF
mkdir -p "$T/pam.d"
echo "password required $MODULE config=$T/fedjit.conf helper=$HELPER" >"$T/pam.d/fedjit-e2e"
"$MKACCOUNT" "$T/fedjit.tdb" carla 200500 test https://idp.invalid sub-carla >/dev/null
echo "1..14"

# 1-2: the first local password (none set yet)
run carla --answer 'First123x' --answer 'First123x'
h1=$(hash_of)
check "protocol: a new password is set (status ok)" has "result status=ok"
check "the stored hash is yescrypt and crypt(3) verifies it" eval 'case "$h1" in \$y\$*) verifies First123x "$h1";; *) false;; esac'

# 3-5: refusals leave the hash as it was
run carla --answer 'wrong-one'
check "protocol: a wrong current password is denied, hash unchanged" \
	eval 'has "result status=denied" && test "$(hash_of)" = "$h1"'
run carla --answer 'First123x' --answer 'Second45y' --answer 'Second45z'
check "protocol: a mismatched retype is refused, hash unchanged" \
	eval 'has "do not match" && ! has "result status=ok" && test "$(hash_of)" = "$h1"'
run carla --answer 'First123x' --answer 'short'
check "protocol: a weak password is refused by the provisioning policy, hash unchanged" \
	eval 'has "at least 8" && ! has "result status=ok" && test "$(hash_of)" = "$h1"'

# 6-7: success replaces the hash
run carla --answer 'First123x' --answer 'Second45y' --answer 'Second45y'
h2=$(hash_of)
check "protocol: the right current password, then a new one: ok" has "result status=ok"
check "the new hash verifies the new password, not the old one" \
	eval 'test "$h2" != "$h1" && verifies Second45y "$h2" && ! verifies First123x "$h2"'

# 8-12: through pam_fedjit.so (prelim, then update)
pam carla 'Second45y' 'Third678z' 'Third678z'
h3=$(hash_of)
check "pam_chauthtok: PAM_SUCCESS" grep -q '^pam=0 ' "$T/out"
check "pam_chauthtok: the person was asked the current password, then the new one twice" \
	eval 'has "secret: Current local password" && test "$(grep -c "secret: .*ew local password" "$T/out")" = 2'
check "pam_chauthtok: the stored hash now verifies the new password" verifies Third678z "$h3"
pam carla 'Second45y' 'Fourth90w' 'Fourth90w'
check "pam_chauthtok: a wrong current password fails (PAM_PERM_DENIED), hash unchanged" \
	eval 'grep -q "^pam=6 Permission denied" "$T/out" && test "$(hash_of)" = "$h3"'
# 12-13: a local account, through the password stack pam-auth-update writes
# with the fedjit profile enabled: pam_fedjit first, pam_unix after it with
# use_authtok (the new password must come from the module above). Root sets
# the password, in a private mount namespace whose /etc is an overlay.
mkdir -p "$T/unix.d"
cat >"$T/unix.d/fedjit-e2e" <<EOF
password [success=2 user_unknown=ignore ignore=ignore default=die] $MODULE config=$T/fedjit.conf helper=$HELPER
password [success=1 default=ignore] pam_unix.so obscure use_authtok try_first_pass yescrypt
password requisite pam_deny.so
password required pam_permit.so
EOF
unshare -m --propagation private bash -c '
	set -e
	mkdir -p "$1/ov"
	mount -t tmpfs tmpfs "$1/ov"
	mkdir "$1/ov/up" "$1/ov/work"
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/ov/up,workdir=$1/ov/work" /etc
	echo "pwlocal:x:1778:1778:Local:/nonexistent:/bin/sh" >>/etc/passwd
	echo "pwlocal:x:1778:" >>/etc/group
	echo "pwlocal:!:19000:0:99999:7:::" >>/etc/shadow
	"$2" --op chauthtok --answer Local123x --answer Local123x "$1/unix.d" pwlocal
	echo "shadow=$(grep "^pwlocal:" /etc/shadow | cut -d: -f2)"
' _ "$T" "$DRIVER" >"$T/out" 2>&1
h_local=$(sed -n 's/^shadow=//p' "$T/out")
check "a local account under the pam-auth-update stack: pam_fedjit asks the new password, pam_unix (use_authtok) sets it" \
	eval 'grep -q "^pam=0 " "$T/out" && has "secret: New password" && has "secret: Retype new password"'
check "the local account's shadow entry now verifies the new password (yescrypt)" \
	eval 'case "$h_local" in \$y\$*) verifies Local123x "$h_local";; *) false;; esac'

check "the helper ended cleanly every time (exit 0; under valgrind: no error, no leak)" test "$unclean" = 0
[ "$failed" = 0 ]
