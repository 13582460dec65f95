#!/bin/bash
# Benchmark (not a test): one device-flow login through libpam, pam_fedjit.so
# and the real fedjit-helper against the local test IdP, approved at the IdP
# as soon as the Enter prompt shows. Prints a Markdown table over N logins
# (default 10; BENCH_LOGINS): time from approval to PAM_SUCCESS, CPU time of
# the PAM module (the whole PAM application: libpam + module) and of the
# helper (root parent + network child), and HTTP requests per login at the
# IdP in steady state (discovery and JWKS from the helper's cache).
# Needs root and node (tests/idp). Run: make bench-pam
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/helper/lib.sh"
helper_setup >/dev/null
idp_start >/dev/null || { echo "the test IdP did not start"; exit 1; }
N=${BENCH_LOGINS:-10}
ISS=$FEDJIT_IDP_ISSUER
CONF=$T/fedjit.conf
write_config "$CONF" "issuer=$ISS" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$ISS" u-0001-alice || exit 1
mkdir -p "$T/pam.d"
echo "auth required $top_builddir/pam/.libs/pam_fedjit.so config=$CONF helper=$HELPER" \
	>"$T/pam.d/fedjit-e2e"
approve="node '$top_srcdir/tests/idp/approve.mjs' --url '$ISS' --cacert '$FEDJIT_IDP_CA' --code \"\$USER_CODE\" --user alice >/dev/null"

login() { "$top_builddir/tests/pam/pam_driver" --stats --approve "$approve" "$T/pam.d" alice; }
login >/dev/null # warm the discovery and JWKS cache
idp_api POST /test/stats/reset >/dev/null
for i in $(seq "$N"); do
	login | sed -n 's/^stats //p'
done >"$T/stats"
reqs=$(idp_api GET /test/stats)
ok=$(wc -l <"$T/stats")

col() { # col NAME: the values of one stat, sorted
	sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$T/stats" | sort -n
}
row() { # row LABEL NAME
	local v
	v=$(col "$2")
	printf '| %s | %s | %s | %s |\n' "$1" "$(sed -n "$(((ok + 1) / 2))p" <<<"$v")" \
		"$(head -1 <<<"$v")" "$(tail -1 <<<"$v")"
}
count() { # count "METHOD /path": requests during the N logins, per login
	local c
	c=$(grep -o "\"$1\":[0-9]*" <<<"$reqs" | sed 's/.*://')
	awk -v c="${c:-0}" -v n="$N" 'BEGIN { printf "%.1f", c / n }'
}
echo "pam_fedjit login benchmark: $ok of $N logins measured, $(nproc) CPUs, IdP poll interval ${FEDJIT_IDP_DEVICE_INTERVAL:-1} s"
echo
echo "| per login | median | min | max |"
echo "|---|---|---|---|"
row "approval to PAM_SUCCESS (ms)" approval_to_result_ms
row "CPU, PAM application + module (ms)" module_cpu_ms
row "CPU, fedjit-helper (ms)" helper_cpu_ms
echo
echo "HTTP requests per login: $(count 'POST /device/auth') device authorization," \
	"$(count 'POST /token') token polls, $(count 'GET /.well-known/openid-configuration') discovery," \
	"$(count 'GET /jwks') JWKS"
