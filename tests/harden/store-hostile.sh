#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The store against a hostile local user and against crashes (root, node):
#  - a local user (nobody) holds every lock it can take on the world-readable
#    store (store_tool lockall: a shared fcntl lock on every byte, process and
#    open file description locks, an exclusive flock) while a device-flow login
#    provisions an account, a returning login, `fedjit user lock` and
#    `fedjit db restore` run: each completes, in about its normal time (the
#    delay against the same operation without the holder is printed; the
#    bound asserted is far below the writers' 30 s lock wait, which a blocked
#    writer would hit);
#  - a writer killed with SIGKILL at many points of its commits until one kill
#    lands with the commit armed; then, with no administrator action, NSS
#    readers answer UNAVAIL (never half-written data), the next login succeeds
#    (its helper rolls the commit back), and getent works as root and as
#    nobody, and `fedjit db check` finds the store consistent;
#  - the helper's umask (077) does not leak: missing parents of the home and
#    of the store are created 0755, the home gets home_mode, the provisioning
#    hook runs with umask 022.
. "$(dirname "$0")/../helper/lib.sh"
if [ "$(id -u)" = 0 ] && [ -z "${FEDJIT_HARDEN_IN_NS:-}" ]; then
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "1..0 # SKIP no mount namespaces here"
		exit 0
	fi
	FEDJIT_HARDEN_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
helper_setup
if ! getent passwd nobody >/dev/null; then
	echo "1..0 # SKIP no user nobody"
	exit 0
fi
bad_idp_start || { echo "1..0 # SKIP the misbehaving IdP did not start"; exit 0; }
TOOL=$top_builddir/tests/harden/store_tool
FEDJIT=$top_builddir/cli/fedjit
CONF=$T/fedjit.conf
# the store's directory does not exist yet: the helper creates it (0755)
STATE=$T/state/new
GOOD=$FEDJIT_BAD_IDP_ISSUER/s/good
chmod 755 "$T"
mkdir -p "$T/home"
cat >"$T/hook.sh" <<EOF
#!/bin/sh
umask >"$T/hook-umask"
EOF
chmod 755 "$T/hook.sh"
{
	echo "[global]"
	echo "cache_dir = $T/cache"
	echo "db_file = $STATE/fedjit.tdb"
	echo "secret_db_file = $STATE/secret.tdb"
	echo "helper_user = nobody"
	echo
	echo "[domain PRIMARY]"
	echo "uid_min = 250000"
	echo "uid_max = 259999"
	echo "gid_min = 250000"
	echo "gid_max = 259999"
	echo "home = $T/home/sub/dir/%u"
	echo "home_mode = 0750"
	echo "shell = /bin/sh"
	echo "skel = none"
	echo
	echo "[idp test]"
	echo "issuer = $GOOD"
	echo "client_id = fedjit-public"
	echo "ca_file = $FEDJIT_BAD_IDP_CA"
	echo "provisioning = always"
	echo "domain = PRIMARY"
	echo "provision_hook = $T/hook.sh"
} >"$CONF"
export -f check_clean
export T
echo "1..27"

now_ms() { date +%s%3N; }
# timed NAME CMD...: runs CMD, sets $ELAPSED (ms) and $STATUS
timed() {
	local start
	start=$(now_ms)
	"$@" >"$T/cmd.out" 2>&1
	STATUS=$?
	ELAPSED=$(($(now_ms) - start))
}
logged_in() { grep -q "^result status=ok .*account=$1" "$T/out"; }
declare -A base

# 1-6: the helper's umask does not leak into what it creates
login --timeout 30 alice
check "first login provisions alice" logged_in alice
check "the store's missing parent was created 0755" test "$(stat -c %a "$STATE")" = 755
check "the home's missing parents were created 0755" \
	test "$(stat -c %a "$T/home/sub") $(stat -c %a "$T/home/sub/dir")" = "755 755"
check "the home has home_mode 0750" test "$(stat -c %a "$T/home/sub/dir/alice")" = 750
check "the hook ran with umask 022" test "$(cat "$T/hook-umask" 2>/dev/null)" = 0022
check "the writers' lock file is 0600 root:root" \
	test "$(stat -c '%a %U:%G' "$STATE/fedjit.tdb.lock")" = "600 root:root"

# A dump with one more account, to restore.
"$MKACCOUNT" "$T/other.tdb" dave 251001 test https://dave.example u-dave
"$FEDJIT" --config "$CONF" --db "$T/other.tdb" db dump >"$T/dave.json"
"$MKACCOUNT" "$T/other2.tdb" erin 251002 test https://erin.example u-erin
"$FEDJIT" --config "$CONF" --db "$T/other2.tdb" db dump >"$T/erin.json"

# The four operations, timed: without a lock holder first. The test IdP knows
# one person (alice): her account is deleted first, so that the next login
# provisions it anew.
ops() { # ops RESTORE-DUMP: prints "op ms status"
	timed login --timeout 30 alice
	echo "new-login $ELAPSED $(logged_in alice && echo ok || echo failed)"
	timed login --timeout 30 alice
	echo "returning-login $ELAPSED $(logged_in alice && echo ok || echo failed)"
	timed "$FEDJIT" --config "$CONF" user lock alice
	echo "user-lock $ELAPSED $([ "$STATUS" = 0 ] && echo ok || echo "failed:$STATUS")"
	"$FEDJIT" --config "$CONF" user unlock alice >/dev/null
	timed "$FEDJIT" --config "$CONF" db restore "$1"
	echo "db-restore $ELAPSED $([ "$STATUS" = 0 ] && echo ok || echo "failed:$STATUS")"
}
"$FEDJIT" --config "$CONF" user delete alice --yes >/dev/null
ops "$T/dave.json" >"$T/base.txt"
while read -r op ms st; do
	base[$op]=$ms
	echo "# without a lock holder: $op ${ms} ms ($st)"
done <"$T/base.txt"

# 7-15: the same with nobody holding every lock it can get on the store
coproc HOLD { exec "$TOOL" lockall "$STATE/fedjit.tdb"; }
hold_pid=$HOLD_PID hold_in=${HOLD[1]}
read -r -t 10 held <&"${HOLD[0]}"
echo "# holder: ${held:-nothing}"
check "nobody holds a shared lock on every byte (process and OFD locks) and an exclusive flock" \
	grep -q 'shared-posix=yes shared-ofd=yes flock-exclusive=yes' <<<"${held:-}"
check "nobody gets no exclusive fcntl lock and cannot open the writers' lock file" \
	grep -q 'exclusive-fcntl=Bad file descriptor lockfile-open=Permission denied' <<<"${held:-}"
"$FEDJIT" --config "$CONF" user delete alice --yes >/dev/null
ops "$T/erin.json" >"$T/held.txt"
while read -r op ms st; do
	echo "# with the lock holder: $op ${ms} ms ($st), delay $((ms - ${base[$op]:-0})) ms"
	check "with the lock holder: $op completes" test "$st" = ok
	# a writer that waited for the holder would take the full 30 s lock wait
	check "with the lock holder: $op in about its normal time (${ms} ms)" \
		test "$ms" -lt $((${base[$op]:-0} + 10000))
done <"$T/held.txt"
eval "exec $hold_in>&-"
wait "$hold_pid" 2>/dev/null

# 16-26: kill -9 of a writer until a kill lands mid-commit, then no administrator
rounds=0 caught=0
while [ $rounds -lt 300 ] && [ $caught = 0 ]; do
	rounds=$((rounds + 1))
	coproc CHURN { exec "$TOOL" churn "$STATE/fedjit.tdb"; }
	churn_pid=$CHURN_PID
	read -r -t 10 _ <&"${CHURN[0]}"
	sleep "0.0$((RANDOM % 9 + 1))"
	kill -9 "$churn_pid"
	wait "$churn_pid" 2>/dev/null
	[ "$("$TOOL" armed "$STATE/fedjit.tdb")" = armed=1 ] && caught=1
done
echo "# $rounds kills until one landed with the commit armed"
check "a kill -9 landed in the middle of a commit" test $caught = 1
"$TOOL" nssuser "$STATE/fedjit.tdb" alice >/dev/null 2>&1
st=$?
check "meanwhile a reader that never recovers (the NSS module) fails (EIO), serves nothing" \
	test $st = 2
# NSS through glibc: the test build of the module in the libdir (an overlay),
# nsswitch.conf bind-mounted; the helper itself goes around it (FEDJIT_NSS_BYPASS)
mod=$top_builddir/nss/.libs/libnss_fedjittest.so
libdir=$(dirname "$(readlink -f "$(ldd /bin/true | awk '/libc\.so/ {print $3}')")")
mkdir "$T/ov"
mount -t tmpfs tmpfs "$T/ov"
mkdir "$T/ov/upper" "$T/ov/work"
cp "$mod" "$T/ov/upper/libnss_fedjit.so.2"
san_preload=
if readelf -d "$mod" | grep -q libasan; then
	san_preload="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
fi
mount -t overlay overlay -o "lowerdir=$libdir,upperdir=$T/ov/upper,workdir=$T/ov/work" "$libdir"
printf 'passwd: files fedjit\ngroup: files fedjit\n' >"$T/nsswitch.conf"
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf
export FEDJIT_NSS_DB="$STATE/fedjit.tdb"
getent_as() { # getent_as USER NAME
	env ${san_preload:+LD_PRELOAD="$san_preload" ASAN_OPTIONS=detect_leaks=0} \
		setpriv --reuid="$(id -u "$1")" --regid="$(id -g "$1")" --clear-groups \
		getent passwd "$2"
}
export -f getent_as
export san_preload
check "meanwhile getent passwd alice as nobody fails (UNAVAIL), never a wrong entry" \
	bash -c "! getent_as nobody alice >/dev/null 2>&1"
login --timeout 30 alice
check "the next login succeeds (its helper rolled the commit back)" logged_in alice
check "the interrupted commit is gone" test "$("$TOOL" armed "$STATE/fedjit.tdb")" = armed=0
check "getent passwd alice as root" bash -c "getent_as root alice | grep -q '^alice:x:'"
check "getent passwd alice as nobody" bash -c "getent_as nobody alice | grep -q '^alice:x:'"
check "getent passwd dave as nobody (an account of before the crash)" \
	bash -c "getent_as nobody dave | grep -q '^dave:x:'"
timed "$FEDJIT" --config "$CONF" db check
check "fedjit db check: consistent" test "$STATUS" = 0
sed 's/^/#   /' "$T/cmd.out" | head -5
check "fedjit user list as root works" "$FEDJIT" --config "$CONF" user list
check "the account restored before the crash is still there" \
	bash -c "'$TOOL' user '$STATE/fedjit.tdb' erin >/dev/null"
umount "$libdir" /etc/nsswitch.conf "$T/ov"
helper_done
