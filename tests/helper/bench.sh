#!/bin/bash
# make bench: one device-flow login at a time against the local test IdP (tests/idp),
# approved as soon as the helper reports the device code, through fedjit-helper's module
# protocol (helper_client --bench). Prints, per login in steady state (discovery and JWKS
# from the cache; one warm-up login fills it):
#   HTTP requests made by the helper (its own count) and seen by the IdP (/test/stats),
#   CPU time of the helper (root parent + network child, user + system),
#   time from the end of the approval to the result on the module's socket.
# The last figure is bounded below by the polling: the helper's first poll comes one
# `interval` (here the test IdP's 1 s) after the device authorization.
# Needs root (the helper drops privileges) and the IdP's npm packages.
# FEDJIT_BENCH_LOGINS (default 10) logins are measured.
set -u
. "$(dirname "$0")/lib.sh"
helper_setup
logins=${FEDJIT_BENCH_LOGINS:-10}
idp_start || { echo "the test IdP did not start"; exit 1; }
CONF=$T/fedjit.conf
write_config "$CONF" "issuer=$FEDJIT_IDP_ISSUER" client_id=fedjit-public "ca_file=$FEDJIT_IDP_CA"
"$MKACCOUNT" "$T/fedjit.tdb" alice 200001 test "$FEDJIT_IDP_ISSUER" u-0001-alice || exit 1
APPROVE="curl -sf --cacert '$FEDJIT_IDP_CA' -H content-type:application/json --data-binary \"{\\\"user_code\\\":\\\"\$USER_CODE\\\",\\\"account\\\":\\\"alice\\\"}\" '$FEDJIT_IDP_ISSUER/test/approve' >/dev/null"
unset FEDJIT_HELPER_LOG_STDERR

run() {
	: >"$T/stats"
	FEDJIT_HELPER_STATS_FD=9 "$CLIENT" --bench --approve "$APPROVE" "$HELPER" "$CONF" alice \
		>"$T/out" 2>/dev/null 9>"$T/stats"
	grep -q '^result status=ok' "$T/out" || { echo "login failed:"; cat "$T/out"; exit 1; }
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

run # warm-up: fills the cache
idp_api POST /test/stats/reset >/dev/null
: >"$T/cpu"; : >"$T/lat"; : >"$T/req"
for _ in $(seq "$logins"); do
	run
	sed -n 's/^cpu_ms=//p' "$T/out" >>"$T/cpu"
	sed -n 's/^approve_to_result_ms=//p' "$T/out" >>"$T/lat"
	sed -n 's/^http_requests=//p' "$T/stats" >>"$T/req"
done
idp_stats=$(idp_api GET /test/stats)
idp_total=$(node -e 'const s=JSON.parse(process.argv[1]).requests; let n=0; for (const [k,v] of Object.entries(s)) if (!k.includes("/test/")) n+=v; console.log(n)' "$idp_stats")
echo "# fedjit-helper benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $logins logins, IdP poll interval 1 s"
echo "| figure | median | all |"
echo "|---|---|---|"
echo "| HTTP requests per login (helper) | $(median <"$T/req") | $(tr '\n' ' ' <"$T/req")|"
echo "| HTTP requests per login (IdP, non-test) | $(awk -v n="$idp_total" -v l="$logins" 'BEGIN {print n / l}') | $idp_stats |"
echo "| helper CPU time per login (ms) | $(median <"$T/cpu") | $(tr '\n' ' ' <"$T/cpu")|"
echo "| approval to result (ms) | $(median <"$T/lat") | $(tr '\n' ' ' <"$T/lat")|"
