#!/bin/bash
# Faults around a provisioning login, with fedjit-helper against the misbehaving IdP's
# good scenarios (tests/idp/bad-idp.mjs: alice, no approval needed), in a private mount
# namespace:
#  - the modes and owners of every file a first login creates: store 0644 (no secret
#    store for a silent provisioning), cache dir 0700 and its documents 0600, all root's; the
#    home as configured (home_mode, the account's uid/gid);
#  - a symlink at the store path is refused (O_NOFOLLOW) and its target untouched;
#  - clock skew: a token expired 30 s ago passes with leeway = 60, one expired 120 s
#    ago (beyond the leeway) is refused with the reason;
#  - disk full (a small tmpfs as the state dir): the login fails with a clear message,
#    the store stays consistent (fedjit_store_check) and loses nothing; with space
#    again the same login succeeds;
#  - after the logins, the world-readable store's bytes hold none of alice's
#    personal data (email, subject, issuer); the private store beside it, 0600
#    root, does;
#  - a stuck writer holding a store transaction: the login fails after a bounded
#    wait (FEDJIT_STORE_WRITE_LOCK_TIMEOUT_MS) with a clear message (new and returning
#    accounts), a read-only lookup (what the NSS module does) still
#    answers, and once the writer is gone the login succeeds.
# In the valgrind run of the suite (FEDJIT_VALGRIND=1) fedjit-helper runs under memcheck
# (tests/helper/lib.sh) and check_clean also asserts it found nothing.
. "$(dirname "$0")/../helper/lib.sh"
if [ "$(id -u)" = 0 ] && [ -z "${FEDJIT_HARDEN_IN_NS:-}" ]; then
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "1..0 # SKIP no mount namespaces here"
		exit 0
	fi
	FEDJIT_HARDEN_IN_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
helper_setup
bad_idp_start || { echo "1..0 # SKIP the misbehaving IdP did not start"; exit 0; }
TOOL=$top_builddir/tests/harden/store_tool
CONF=$T/fedjit.conf
STATE=$T/state
mkdir -p "$STATE" "$T/home"

# prov_config ISSUER [KEY=VALUE...]: an IdP that provisions alice into PRIMARY
prov_config() {
	local iss=$1; shift
	{
		echo "[global]"
		echo "cache_dir = $T/cache"
		echo "db_file = $STATE/fedjit.tdb"
		echo "secret_db_file = $STATE/secret.tdb"
		echo "helper_user = nobody"
		echo "run_dir = $T/run"
		echo "device_flow_spacing = 0"
		echo
		echo "[domain PRIMARY]"
		echo "uid_min = 250000"
		echo "uid_max = 259999"
		echo "gid_min = 250000"
		echo "gid_max = 259999"
		echo "home = $T/home/%u"
		echo "home_mode = 0750"
		echo "shell = /bin/sh"
		echo "skel = none"
		echo
		echo "[idp test]"
		echo "issuer = $iss"
		echo "client_id = fedjit-public"
		echo "ca_file = $FEDJIT_BAD_IDP_CA"
		echo "provisioning = ${PROV:-always}"
		echo "domain = PRIMARY"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$CONF"
}
GOOD=$FEDJIT_BAD_IDP_ISSUER/s/good
mode_owner() { stat -c '%a %U:%G' "$1"; }
result_line() { sed -n 's/^result //p' "$T/out"; }
export -f check_clean
export T
echo "1..24"

# 1-6: modes and owners
prov_config "$GOOD"
login --timeout 30 alice
echo "# result: $(result_line)"
check "first login provisions alice" grep -q '^result status=ok .*account=alice' "$T/out"
check "store is 0644 root:root" test "$(mode_owner "$STATE/fedjit.tdb")" = "644 root:root"
# (the secret store's 0600 is asserted where it is created: tests/unit/test_store.c)
check "a silent provisioning keeps no password (no secret store); the private store (600 root:root) holds the account state" \
	bash -c "! test -e '$STATE/secret.tdb' &&
		test \"\$(stat -c '%a %U:%G' '$STATE/fedjit.private.tdb')\" = '600 root:root' &&
		tdbdump '$STATE/fedjit.private.tdb' | grep -q '^key(11) = \"state/alice\"'"
check "cache dir 0700 root:root, its documents 0600 root:root" \
	test "$(mode_owner "$T/cache")" = "700 root:root" -a \
	"$(for f in "$T"/cache/*; do mode_owner "$f"; done | sort -u)" = "600 root:root"
uid=$("$TOOL" user "$STATE/fedjit.tdb" alice | sed -n 's/^uid=//p')
check "home is home_mode 0750, owned by the account (uid $uid)" \
	test "$(stat -c '%a %u' "$T/home/alice")" = "750 $uid"
check "nothing else appeared in the state dir (but the writers' lock files and the private store, 0600)" \
	test "$(cd "$STATE" && ls -A | grep -v '^fedjit.tdb$' |
		grep -v '^fedjit.tdb.lock$' |
		grep -v '^fedjit.private.tdb$' | wc -l)" = 0 -a \
	"$(mode_owner "$STATE/fedjit.tdb.lock")" = "600 root:root" -a \
	"$(mode_owner "$STATE/fedjit.private.tdb")" = "600 root:root"

# 7-8: a symlink at the store path is not followed
mv "$STATE/fedjit.tdb" "$T/real.tdb"
ln -s "$T/real.tdb" "$STATE/fedjit.tdb"
before=$(md5sum <"$T/real.tdb")
login --timeout 30 alice
echo "# result: $(result_line)"
check "a symlink at the store path: the login fails with the reason" \
	bash -c "grep -Eq '^result status=error.* log=.*(symbolic link|symlink|ELOOP|levels of symbolic)' '$T/out' && check_clean"
check "the symlink's target is untouched" test "$(md5sum <"$T/real.tdb")" = "$before"
rm "$STATE/fedjit.tdb"
mv "$T/real.tdb" "$STATE/fedjit.tdb"

# 9-11: clock skew at the leeway (global scenario "good" with shifted claims)
skew() { # skew SECONDS-EXPIRED-AGO
	local now; now=$(date +%s)
	curl -sSf --max-time 10 --cacert "$FEDJIT_BAD_IDP_CA" -H 'content-type: application/json' \
		--data-binary "{\"name\":\"good\",\"claims\":{\"iat\":$((now - 600)),\"auth_time\":$((now - 600)),\"exp\":$((now - $1))}}" \
		"$FEDJIT_BAD_IDP_ISSUER/test/scenario" >/dev/null
}
skew 30
PROV=none prov_config "$FEDJIT_BAD_IDP_ISSUER" leeway=60
rm -rf "$T/cache"
login --timeout 30 alice
echo "# result: $(result_line)"
check "a token expired 30 s ago passes with leeway 60 (the identity is accepted)" \
	grep -Eq "^result status=(no_account|wrong_account) .* log=.*identity \\($FEDJIT_BAD_IDP_ISSUER, u-0001-alice\\)" "$T/out"
skew 120
rm -rf "$T/cache"
login --timeout 30 alice
echo "# result: $(result_line)"
check "a token expired 120 s ago (beyond the leeway) is refused: exp" \
	bash -c "grep -Eq '^result status=error.* log=.*ID token refused: exp' '$T/out' && check_clean"
check "the refused token changed nothing in the store" \
	bash -c "'$TOOL' check '$STATE/fedjit.tdb' | grep -qx 'problems=0 users=alice'"
bad_idp_scenario good

# 12-16: disk full during provisioning: the state dir is a 16 MiB tmpfs, filled up
mkdir "$T/small"
mount -t tmpfs -o size=16m,mode=0755 tmpfs "$T/small"
STATE=$T/small
"$MKACCOUNT" "$STATE/fedjit.tdb" carol 250003 test https://carol.example u-carol
dd if=/dev/zero of="$STATE/fill" bs=4k 2>/dev/null
# the file system is full; now also the room inside the store file (groups fill-N)
filled=$("$TOOL" fill "$STATE/fedjit.tdb")
echo "# $filled"
users_before=$("$TOOL" check "$STATE/fedjit.tdb")
prov_config "$GOOD"
rm -rf "$T/cache" "$T/home/alice"
login --timeout 30 alice
echo "# result: $(result_line)"
check "disk full: the login fails with a clear message" \
	bash -c "grep -Eq '^result status=error.* log=creating account alice: .*disk full' '$T/out' && check_clean"
check "disk full: the store is consistent and lost nothing (same accounts, no alice)" \
	bash -c "test \"\$('$TOOL' check '$STATE/fedjit.tdb')\" = '$users_before' && grep -q '^problems=0 users=carol$' <<<'$users_before'"
check "disk full: no half-made home" test ! -e "$T/home/alice"
rm -f "$STATE/fill"
login --timeout 30 alice
echo "# result: $(result_line)"
check "with space again the same login provisions alice" grep -q '^result status=ok .*account=alice' "$T/out"
check "and the store is consistent with both accounts" \
	bash -c "'$TOOL' check '$STATE/fedjit.tdb' | grep -qx 'problems=0 users=alice,carol'"
umount "$T/small"

# 17-20: a writer stuck mid-transaction
STATE=$T/state2
mkdir "$STATE"
"$MKACCOUNT" "$STATE/fedjit.tdb" carol 250003 test https://carol.example u-carol
prov_config "$GOOD"
rm -rf "$T/cache" "$T/home/alice"
coproc HOLD { exec "$TOOL" hold "$STATE/fedjit.tdb"; }
hold_pid=$HOLD_PID hold_in=${HOLD[1]}
read -r -t 10 held <&"${HOLD[0]}"
echo "# holder: ${held:-nothing}"
login --timeout 60 alice
echo "# result: $(result_line)"
check "stuck writer: the login fails after the bounded wait with a clear message" \
	bash -c "grep -Eq '^result status=error.* log=.*timed out waiting for another writer' '$T/out' && check_clean"
check "stuck writer: a read-only lookup (as NSS does) still answers" \
	bash -c "timeout 20 '$TOOL' user '$STATE/fedjit.tdb' carol >/dev/null"
eval "exec $hold_in>&-"
wait "$hold_pid" 2>/dev/null
login --timeout 30 alice
echo "# result: $(result_line)"
check "writer gone: the login provisions alice" grep -q '^result status=ok .*account=alice' "$T/out"
check "writer gone: the store is consistent, the stuck transaction left nothing" \
	bash -c "'$TOOL' check '$STATE/fedjit.tdb' | grep -qx 'problems=0 users=alice,carol'"

# 21-22: the same for a returning account (its attributes are re-synced in a transaction)
coproc HOLD { exec "$TOOL" hold "$STATE/fedjit.tdb"; }
hold_pid=$HOLD_PID hold_in=${HOLD[1]}
read -r -t 10 held <&"${HOLD[0]}"
login --timeout 60 alice
echo "# result: $(result_line)"
check "stuck writer, returning account: fails after the bounded wait with a clear message" \
	bash -c "grep -Eq '^result status=error.* log=(updating account alice|store [^ ]*): timed out waiting for another writer' '$T/out' && check_clean"
eval "exec $hold_in>&-"
wait "$hold_pid" 2>/dev/null
login --timeout 30 alice
check "writer gone: alice logs in again" grep -q '^result status=ok .*account=alice' "$T/out"

# 23-24: personal data only in the root-only private store (the bad IdP's alice:
# email alice@example.test, subject u-0001-alice, the scenario's issuer)
personal() { # FILE: how many of alice's personal strings are in FILE's bytes
	local n=0 s
	for s in alice@example.test u-0001-alice "$GOOD"; do
		grep -aqF -- "$s" "$1" && n=$((n + 1))
	done
	echo $n
}
echo "# personal strings: store $(personal "$STATE/fedjit.tdb"), private store $(personal "$STATE/fedjit.private.tdb")"
check "the world-readable store holds none of alice's email, subject or issuer" \
	test "$(personal "$STATE/fedjit.tdb")" = 0 -a "$(mode_owner "$STATE/fedjit.tdb")" = "644 root:root"
check "the private store beside it (0600 root:root) holds all three" \
	test "$(personal "$STATE/fedjit.private.tdb")" = 3 -a \
	"$(mode_owner "$STATE/fedjit.private.tdb")" = "600 root:root"
exit $((failed > 0))
