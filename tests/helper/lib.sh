# Shared by the helper tests (sourced by bash). Runs fedjit-helper through the test client
# (helper_client) the way pam_fedjit.so would, against the test IdPs of tests/idp.
#
#   helper_setup                      checks root and node, sets $T (scratch dir, removed at
#                                     exit), $HELPER_CMD, paths; prints "1..0 # SKIP" and
#                                     exits when the tests cannot run
#   write_config FILE KEY=VALUE...    an [idp test] section (+ [global] for the scratch dir;
#                                     IDP_SECTION=NAME names the section otherwise)
#   login [CLIENT-ARGS...] USER       runs one login with $CONF; stdout in $T/out, the
#                                     helper's log (stderr) in $T/err; counts unclean runs
#   helper_done                       the script's exit status (failures, unclean runs)
#   ok/not_ok/check DESC CMD...       TAP lines; check runs CMD and prints the outcome
#   check_store DESC CMD...           check, or a TAP skip while the store is a stub
#
# Under the valgrind run of the suite (tests/valgrind-wrap.sh exports FEDJIT_VALGRIND=1)
# the helper runs under memcheck: an error or definite leak in the root parent makes it
# exit 99, one in the network child is logged by the parent ("network child exited with
# status 99"); check_clean asserts neither happened.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
n=0
failed=0
unclean=0 # helper runs that did not end cleanly (see check_clean)

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # check DESC CMD...
	local desc=$1; shift
	if "$@"; then ok "$desc"; else
		not_ok "$desc"
		sed 's/^/#   out: /' "$T/out" 2>/dev/null | head -20
		sed 's/^/#   err: /' "$T/err" 2>/dev/null | tail -20
	fi
}

helper_setup() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (the helper drops privileges)"
		exit 0
	fi
	. "$top_srcdir/tests/idp/lib.sh"
	if ! idp_available; then
		echo "1..0 # SKIP $IDP_SKIP_REASON"
		exit 0
	fi
	HELPER=$top_builddir/pam/helper/fedjit-helper
	CLIENT=$top_builddir/tests/helper/helper_client
	MKACCOUNT=$top_builddir/tests/helper/mkaccount
	HELPER_CMD=$HELPER
	if [ "${FEDJIT_VALGRIND:-0}" = 1 ]; then
		HELPER_CMD="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite $HELPER"
	fi
	T=$(mktemp -d /tmp/fedjit-helper-test.XXXXXX)
	chmod 755 "$T"
	trap 'idp_stop 2>/dev/null; bad_idp_stop 2>/dev/null; rm -rf "$T"' EXIT
	# Can the store hold an account? (Cases that bind to accounts skip until it can.)
	STORE_OK=0
	"$MKACCOUNT" "$T/probe.tdb" probe 200999 test https://probe.example probe 2>/dev/null && STORE_OK=1
	rm -f "$T/probe.tdb"
	export FEDJIT_HELPER_LOG_STDERR=1
}

write_config() { # write_config FILE KEY=VALUE... (IdP keys; issuer/ca_file default to the IdP)
	local f=$1; shift
	{
		echo "[global]"
		echo "cache_dir = $T/cache"
		echo "db_file = $T/fedjit.tdb"
		echo "secret_db_file = $T/secret.tdb"
		echo "helper_user = nobody"
		# the bounds on device flows keep their state here; tests sign in back to
		# back, so only helper-ratelimit.sh keeps the spacing
		echo "run_dir = $T/run"
		echo "device_flow_spacing = ${DEVICE_FLOW_SPACING:-0}"
		echo
		echo "[idp ${IDP_SECTION:-test}]"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >"$f"
}

login() { # login [CLIENT-ARGS...] USER
	local user=${*: -1}
	set -- "${@:1:$#-1}"
	# stderr through a pipe: the network child may not write to files (RLIMIT_FSIZE 0)
	{ "$CLIENT" "$@" "$HELPER_CMD" "$CONF" "$user" 2>&1 >"$T/out" | cat >"$T/err"; } || true
	check_clean || unclean=$((unclean + 1))
}

# keep_all_output: from now on every login's output and log also go to $T/all (for a
# test's check that a secret is in none of them)
keep_all_output() {
	eval "$(declare -f login | sed '1s/^login/lib_login/')"
	login() { lib_login "$@"; cat "$T/out" "$T/err" >>"$T/all"; }
}
revalidate() { login --op revalidate "$@"; } # revalidate [CLIENT-ARGS...] USER
field() { sed -n "s/^result .* $1=\\([^ ]*\\).*/\\1/p" "$T/out"; } # field NAME: of the result line
show() { "$top_builddir/cli/fedjit" --config "$CONF" user show "$1" 2>&1; } # show USER
# private_keys: the keys of the private store of $T (account state, refresh tokens)
private_keys() { tdbdump "$T/fedjit.private.tdb" 2>/dev/null | sed -n 's/^key([0-9]*) = "\(.*\)"$/\1/p'; }

check_store() { # check_store DESC CMD...: check, or a skip while the store is not usable
	if [ "$STORE_OK" = 1 ]; then check "$@"; else
		n=$((n + 1))
		echo "ok $n - $1 # SKIP the store cannot create accounts yet"
	fi
}
out_has() { grep -q -- "$1" "$T/out"; }
err_has() { grep -q -- "$1" "$T/err"; }
result_is() { grep -q "^result status=$1\\b" "$T/out"; }
# helper_done: the exit status of a test script: failures, or runs that were not clean
helper_done() {
	if [ "$unclean" -ne 0 ]; then
		echo "# $unclean helper runs did not end cleanly (exit status, child status, memcheck)"
		return 1
	fi
	[ "$failed" -eq 0 ]
}
check_clean() {
	grep -q '^exit=0$' "$T/out" && ! grep -q 'network child exited with status\|network child killed' "$T/err"
}
